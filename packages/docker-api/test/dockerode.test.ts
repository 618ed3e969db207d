// dockerode (the Node docker client) against skiff system service: the same operations as the docker CLI, and
// docker's stream framing, demultiplexed by dockerode's own demuxStream.
import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { dockerUnavailable, startService } from './service.js';

/** Splits a multiplexed stream with dockerode's demuxStream; resolves once it ends. */
async function demux(docker: Docker, stream: NodeJS.ReadableStream): Promise<{ stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(stream, stdout, stderr);
  const texts = Promise.all([text(stdout), text(stderr)]);
  await new Promise((resolve) => stream.once('end', resolve));
  stdout.end();
  stderr.end();
  const [out, err] = await texts;
  return { stdout: out, stderr: err };
}

describe.runIf(!dockerUnavailable && requiresRoot('the service runs real containers'))('dockerode against skiff system service', () => {
  it('create, attach (hijacked and not), start, wait, logs, demuxed stdout and stderr', async () => {
    const { socket } = await startService();
    const docker = new Docker({ socketPath: socket });
    expect(String(await docker.ping())).toBe('OK');
    const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 7'], name: 'node-made' });
    const attached = await container.attach({ stream: true, stdout: true, stderr: true, hijack: true });
    const streams = demux(docker, attached);
    const waited = container.wait({ condition: 'next-exit' });
    await container.start();
    expect(await streams).toEqual({ stdout: 'to-out\n', stderr: 'to-err\n' });
    expect(await waited).toEqual({ StatusCode: 7, Error: null });
    const logs = (await container.logs({ stdout: true, stderr: true, timestamps: true })) as unknown as Buffer;
    const lines = await demux(docker, new PassThrough().end(logs));
    expect(lines.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z to-out\n$/);
    expect(lines.stderr).toMatch(/Z to-err\n$/);
    const stopped = await docker.listContainers({ all: true, filters: { status: ['exited'] } });
    expect(stopped.map((c) => [c.Names[0], c.State, c.Status.replace(/\) .*/, ')')])).toEqual([['/node-made', 'exited', 'Exited (7)']]);
    const inspect = await container.inspect();
    expect(inspect.State).toMatchObject({ Status: 'exited', ExitCode: 7, Running: false });

    // Restart it with a plain (not upgraded) attach: dockerode reads the response body.
    const plain = await container.attach({ stream: true, stdout: true, stderr: true });
    const again = demux(docker, plain);
    await container.start();
    expect(await again).toEqual({ stdout: 'to-out\n', stderr: 'to-err\n' });
    await container.remove({ force: true });
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('exec: hijacked stream with stdin, demuxed output, inspect gives the exit code; logs follow; stop, remove', async () => {
    const { socket } = await startService();
    const docker = new Docker({ socketPath: socket });
    const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'trap "exit 0" TERM; echo ready; while :; do sleep 0.1; done'] });
    await container.start();
    const exec = await container.exec({ Cmd: ['sh', '-c', 'read line; echo "got $line"; echo bad >&2; exit 3'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: true });
    const output = demux(docker, stream);
    stream.write('hello\n');
    expect(await output).toEqual({ stdout: 'got hello\n', stderr: 'bad\n' });
    expect(await exec.inspect()).toMatchObject({ Running: false, ExitCode: 3 });
    const follow = await container.logs({ stdout: true, stderr: true, follow: true });
    const followed = demux(docker, follow);
    await container.stop({ t: 5 });
    expect(await followed).toEqual({ stdout: 'ready\n', stderr: '' });
    expect((await container.inspect()).State.ExitCode).toBe(0);
    await container.remove();
    expect(await docker.listContainers({ all: true })).toEqual([]);
  });

  it('a tty container: raw stream, resize reaches the pty', async () => {
    const { socket } = await startService();
    const docker = new Docker({ socketPath: socket });
    const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'read x; stty size'], Tty: true, OpenStdin: true, StdinOnce: true });
    const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
    let output = '';
    stream.on('data', (chunk: Buffer) => (output += String(chunk)));
    await container.start();
    await container.resize({ h: 33, w: 77 });
    stream.write('go\r');
    expect(await container.wait()).toMatchObject({ StatusCode: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(output).toContain('33 77');
    await container.remove();
  });
});
