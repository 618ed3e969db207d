// The docker CLI (client 28, no engine) driving `skiff system service` on a temp socket: run, -d, ps, logs -f,
// exec -it under a pty, piped stdin, stop/rm, inspect -f, images, pull from a loopback registry, rmi.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ociLayout, push, registryUnavailable, startRegistry } from '../../image/test/registry-fixture.js';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { dockerUnavailable, hasScript, startService } from './service.js';

if (dockerUnavailable) console.warn(`skipped: the docker CLI tests ${dockerUnavailable}`);

describe.runIf(!dockerUnavailable && requiresRoot('the service runs real containers'))('the docker CLI against skiff system service', () => {
  it('run --rm: output, exit code, piped stdin with -i; an unknown command exits 127', async () => {
    const { docker } = await startService();
    const hi = await docker(['run', '--rm', '--pull', 'never', 'busybox', 'echo', 'hi']);
    expect({ code: hi.exitCode, out: hi.stdout }).toEqual({ code: 0, out: 'hi' });
    const split = await docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect({ code: split.exitCode, out: split.stdout, err: split.stderr }).toEqual({ code: 3, out: 'out', err: 'err' });
    const piped = await docker(['run', '--rm', '-i', 'busybox', 'cat'], { input: 'line 1\nline 2\n' });
    expect({ code: piped.exitCode, out: piped.stdout }).toEqual({ code: 0, out: 'line 1\nline 2' });
    const options = await docker(['run', '--rm', '-e', 'A=1', '-w', '/tmp', '-u', '1000:1000', '--entrypoint', 'sh', 'busybox', '-c', 'echo $A $(pwd) $(id -u):$(id -g)']);
    expect(options.stdout).toBe('1 /tmp 1000:1000');
    const bound = tempDir('docker-api-bind-');
    writeFileSync(join(bound, 'f'), 'from-the-host');
    const bind = await docker(['run', '--rm', '-v', `${bound}:/data:ro`, '--memory', '64m', '--cap-drop', 'ALL', 'busybox', 'sh', '-c', 'cat /data/f; touch /data/g 2>/dev/null || echo " read-only"']);
    expect(bind.stdout).toBe('from-the-host read-only');
    const unsupported = await docker(['run', '--rm', '--oom-score-adj', '100', 'busybox', 'true']);
    expect(unsupported.exitCode).toBe(125);
    expect(unsupported.stderr).toMatch(/HostConfig.OomScoreAdj is not supported by skiff/);
    const missing = await docker(['run', '--rm', 'busybox', 'no-such-command']);
    // docker picks 127 from the text: the helper's message must come back whole (see core's attach.test.ts).
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/exec: "no-such-command": executable file not found/);
  });

  it('run -d, ps, logs -f, exec, inspect -f, stop, rm', async () => {
    const { docker } = await startService();
    const started = await docker(['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; i=0; while [ $i -lt 3 ]; do echo line $i; i=$((i+1)); done; while :; do sleep 0.1; done']);
    expect(started.exitCode).toBe(0);
    expect(started.stdout).toMatch(/^[0-9a-f]{64}$/);
    const ps = await docker(['ps', '--format', '{{.Names}} {{.Image}} {{.State}}']);
    expect(ps.stdout).toBe('web busybox running');
    expect((await docker(['inspect', '-f', '{{.State.Status}} {{.Name}} {{.Config.Image}}', 'web'])).stdout).toBe('running /web busybox');
    const exec = await docker(['exec', 'web', 'sh', '-c', 'echo in-exec; exit 4']);
    expect({ code: exec.exitCode, out: exec.stdout }).toEqual({ code: 4, out: 'in-exec' });
    // logs -f ends when the container stops.
    const follow = docker(['logs', '-f', 'web']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await docker(['stop', 'web'])).exitCode).toBe(0);
    expect((await follow).stdout).toBe('line 0\nline 1\nline 2');
    expect((await docker(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).stdout).toMatch(/^web Exited \(0\) /);
    expect((await docker(['rm', 'web'])).exitCode).toBe(0);
    // create, then start -a (attached through the same pending attach as run), then restart in the background.
    expect((await docker(['create', '--name', 'later', 'busybox', 'sh', '-c', 'echo started; exit 9'])).exitCode).toBe(0);
    const attached = await docker(['start', '-a', 'later']);
    expect({ code: attached.exitCode, out: attached.stdout }).toEqual({ code: 9, out: 'started' });
    expect((await docker(['restart', 'later'])).exitCode).toBe(0);
    expect((await docker(['wait', 'later'])).stdout).toBe('9');
    expect((await docker(['logs', 'later'])).stdout).toBe('started\nstarted');
    expect((await docker(['container', 'prune', '-f'])).exitCode).toBe(0);
    expect((await docker(['ps', '-aq'])).stdout).toBe('');
    const gone = await docker(['inspect', 'web']);
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toMatch(/No such object: web/);
  });

  it('volume create, a named volume kept between runs, volume ls/inspect -f, rm refused while in use, rm', async () => {
    const { docker } = await startService();
    expect((await docker(['volume', 'create', 'keep'])).stdout).toBe('keep');
    expect((await docker(['run', '--rm', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f'])).exitCode).toBe(0);
    expect((await docker(['run', '--rm', '-v', 'keep:/data', 'busybox', 'cat', '/data/f'])).stdout).toBe('kept');
    expect((await docker(['volume', 'ls', '-q'])).stdout).toBe('keep');
    expect((await docker(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}}', 'keep'])).stdout).toBe('keep local');
    expect((await docker(['run', '-d', '--name', 'user', '-v', 'keep:/data', 'busybox', 'sleep', '100'])).exitCode).toBe(0);
    const refused = await docker(['volume', 'rm', 'keep']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/in use/);
    expect((await docker(['rm', '-f', 'user'])).exitCode).toBe(0);
    expect((await docker(['volume', 'rm', 'keep'])).exitCode).toBe(0);
    expect((await docker(['volume', 'ls', '-q'])).stdout).toBe('');
  });

  it.runIf(hasScript)('run -it and exec -it under a pty (script): a shell with the terminal\'s size, its exit code', async () => {
    const { docker, env } = await startService();
    /** Runs `command` under `script` (a pty), typing each of `lines` once the shell shows its next prompt. */
    const typed = async (command: string, lines: string[]) => {
      const child = execa('script', ['-qfec', command, '/dev/null'], { reject: false, timeout: 40_000, stdin: 'pipe', env });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += String(chunk)));
      for (const [index, line] of lines.entries()) {
        while (output.split('# ').length <= index + 1 && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
        child.stdin!.write(`${line}\n`);
      }
      return child;
    };
    const run = await typed('stty cols 91 rows 27; docker run --rm -it busybox sh', ['echo $((6*7))', 'stty size', 'exit 5']);
    expect(run.exitCode, `docker run -it printed: ${JSON.stringify(run.stdout)}`).toBe(5);
    expect(run.stdout).toMatch(/\r\n42\r\n/);
    expect(run.stdout).toMatch(/\r\n27 91\r\n/);
    expect((await docker(['run', '-d', '--name', 'bg', 'busybox', 'sleep', '100'])).exitCode).toBe(0);
    const exec = await typed('docker exec -it bg sh', ['tty; echo hello-exec', 'exit 6']);
    expect(exec.exitCode, `docker exec -it printed: ${JSON.stringify(exec.stdout)}`).toBe(6);
    expect(exec.stdout).toMatch(/\/dev\/pts\/\d+\r\nhello-exec\r\n/);
    expect((await docker(['rm', '-f', 'bg'])).exitCode).toBe(0);
  });

  it.runIf(!registryUnavailable())('pull from a loopback registry, images, image inspect -f, tag, rmi', async () => {
    const { docker } = await startService();
    const registry = await startRegistry();
    const layout = ociLayout(join(tempDir('layout-'), 'oci'));
    const image = layout.image({
      layers: [{ entries: [{ path: 'bin/', type: 'dir' }, { path: 'bin/busybox', content: readFileSync('/bin/busybox'), mode: 0o755 }, { path: 'bin/sh', type: 'symlink', linkpath: 'busybox' }, { path: 'bin/echo', type: 'symlink', linkpath: 'busybox' }] }],
      config: { Env: ['PATH=/bin'], Cmd: ['echo', 'from-the-image'] },
    });
    layout.tag('v1', image);
    const name = `${registry.host}/team/app:v1`;
    push(layout.dir, 'v1', name);
    const pulled = await docker(['pull', name]);
    expect(pulled.exitCode).toBe(0);
    expect(pulled.stdout).toContain(`Digest: ${image.manifest.digest}`);
    expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${name}`);
    expect((await docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n')).toContain(name);
    expect((await docker(['image', 'inspect', '-f', '{{.Id}}', name])).stdout).toBe(image.config.digest);
    expect((await docker(['run', '--rm', name])).stdout).toBe('from-the-image');
    expect((await docker(['tag', name, 'local/app:v2'])).exitCode).toBe(0);
    const removed = await docker(['rmi', 'local/app:v2', name]);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toBe(`Untagged: local/app:v2\nUntagged: ${name}\nDeleted: ${image.config.digest}`);
    expect((await docker(['image', 'inspect', name])).exitCode).toBe(1);
    // A run of an image that is not there pulls it (the create's 404), from the same registry.
    const run = await docker(['run', '--rm', name]);
    expect({ code: run.exitCode, out: run.stdout }).toEqual({ code: 0, out: 'from-the-image' });
    expect(run.stderr).toContain(`Unable to find image '${name}' locally`);
  });
});
