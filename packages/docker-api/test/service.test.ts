// The service's own behaviour: idle exit, containers that outlive it, two clients at once, a client that leaves
// in the middle of an attach, and the socket's owner and mode.
import { lstatSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { dockerUnavailable, startService } from './service.js';

describe.runIf(!dockerUnavailable && requiresRoot('the service runs real containers'))('skiff system service', () => {
  it('makes its socket 0660 root:root, answers _ping with docker\'s headers, and exits after --time idle seconds', async () => {
    const service = await startService({ time: 2 });
    const stat = lstatSync(service.socket);
    expect({ mode: stat.mode & 0o777, uid: stat.uid, gid: stat.gid, socket: stat.isSocket() }).toEqual({ mode: 0o660, uid: 0, gid: 0, socket: true });
    for (const method of ['GET', 'HEAD']) {
      const ping = await service.http(method, '/_ping');
      expect(ping.status).toBe(200);
      expect(ping.body).toBe(method === 'GET' ? 'OK' : '');
      expect(ping.headers).toMatchObject({ 'api-version': '1.47', ostype: 'linux', 'docker-experimental': 'false', 'builder-version': '1' });
    }
    expect((await service.http('GET', '/v1.47/version')).body).toMatch(/"ApiVersion":"1.47"/);
    expect(await service.http('GET', '/v1.99/version')).toMatchObject({ status: 400, body: expect.stringContaining('client version 1.99 is too new') });
    expect(await service.http('GET', '/containers/nope/json')).toMatchObject({ status: 404, body: '{"message":"No such container: nope"}\n' });
    const started = Date.now();
    expect(await service.exited).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(1500);
  });

  it('a container started in the background outlives the service; a new service sees it', async () => {
    const service = await startService({ time: 1 });
    expect((await service.docker(['run', '-d', '--name', 'stays', 'busybox', 'sleep', '100'])).exitCode).toBe(0);
    expect(await service.exited).toBe(0);
    const [inspect] = JSON.parse(String((await service.skiff(['inspect', 'stays'])).stdout)) as { State: { Status: string } }[];
    expect(inspect!.State.Status).toBe('running');
    const again = await startService({ box: service });
    expect((await again.docker(['ps', '--format', '{{.Names}}'])).stdout).toBe('stays');
    expect((await again.docker(['rm', '-f', 'stays'])).exitCode).toBe(0);
  });

  // Regression (docker exec -it typed into a shell that never got it, under load): an exec start whose body
  // arrives apart from its headers left the upgraded socket paused, and stdin never reached the command.
  it('exec start with its body sent apart from its headers: stdin still reaches the command', async () => {
    const service = await startService();
    expect((await service.docker(['run', '-d', '--name', 'target', 'busybox', 'sleep', '100'])).exitCode).toBe(0);
    const created = await service.http('POST', '/containers/target/exec', JSON.stringify({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true }));
    const { Id: id } = JSON.parse(created.body) as { Id: string };
    const body = '{"Detach":false,"Tty":false}';
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(service.socket);
      let text = '';
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.includes('\r\n\r\n') && !text.includes('piped through')) socket.write('piped through\n', () => socket.end());
      });
      socket.write(`POST /v1.47/exec/${id}/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      setTimeout(() => socket.write(body), 300);
      setTimeout(() => socket.destroy(), 20_000);
    });
    expect(answer).toMatch(/^HTTP\/1.1 101 /);
    expect(answer).toContain('piped through\n');
    expect(JSON.parse((await service.http('GET', `/exec/${id}/json`)).body)).toMatchObject({ Running: false, ExitCode: 0 });
    expect((await service.docker(['rm', '-f', 'target'])).exitCode).toBe(0);
  });

  it('serves two clients at once', async () => {
    const { docker } = await startService();
    const [a, b] = await Promise.all([
      docker(['run', '--rm', 'busybox', 'sh', '-c', 'sleep 1; echo a']),
      docker(['run', '--rm', 'busybox', 'sh', '-c', 'sleep 1; echo b']),
    ]);
    expect([a.stdout, b.stdout, a.exitCode, b.exitCode]).toEqual(['a', 'b', 0, 0]);
  });

  it('a client that leaves in the middle of an attach: the container runs on, the service serves on (and stays up while it relays its stdio)', async () => {
    const service = await startService({ time: 2 });
    const created = await service.http('POST', '/containers/create?name=talker', JSON.stringify({ Image: 'busybox', Cmd: ['sh', '-c', 'while :; do echo tick; sleep 0.05; done'] }));
    expect(created.status).toBe(201);
    // A wait held open keeps the service up until the attach is made (a loaded machine may be slow to get there).
    const held = request({ socketPath: service.socket, method: 'POST', path: '/containers/talker/wait?condition=removed' });
    held.on('error', () => {});
    held.end();
    const socket = connect(service.socket);
    socket.write('POST /v1.47/containers/talker/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    let received = '';
    const ticked = new Promise<void>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.split('tick').length > 3) resolve();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await service.http('POST', '/containers/talker/start')).status).toBe(204);
    await ticked;
    expect(received).toMatch(/^HTTP\/1.1 101 UPGRADED\r\n/);
    // An 8-byte header before each chunk without a tty: stream 1 (stdout), then the length.
    expect(received).toContain('\x01\x00\x00\x00\x00\x00\x00\x05tick\n');
    socket.destroy();
    held.destroy();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(service.child.exitCode).toBe(null);
    expect((await service.docker(['inspect', '-f', '{{.State.Running}}', 'talker'])).stdout).toBe('true');
    expect((await service.http('GET', '/_ping')).status).toBe(200);
    expect((await service.docker(['rm', '-f', 'talker'])).exitCode).toBe(0);
    expect(await service.exited).toBe(0);
  });
});
