// Attacks on the service's new path from a client to the host: bodies built to exhaust it, binds that race a
// symlink in, the service's own environment, clients without root, malformed upgrades, TCP.
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { bindSwapRace } from '../../../apps/cli/test/bind-race.js';
import { cliPath, sandbox } from '../../../apps/cli/test/cli.js';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { dockerUnavailable, startService } from './service.js';

/** Writes `request` raw on a new connection and returns everything the service answers before it closes. */
function raw(socketPath: string, request: string | Buffer, options: { endAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(request, () => {
      if (options.endAfterWrite) socket.end();
    });
    setTimeout(() => socket.destroy(), 5000);
  });
}

describe.runIf(!dockerUnavailable && requiresRoot('the service runs real containers'))('attacks on skiff system service', () => {
  it('an oversized body is refused with 413, a deeply nested one with 400; nothing is created and the service serves on', async () => {
    const service = await startService();
    const huge = JSON.stringify({ Image: 'busybox', Env: [`A=${'x'.repeat(2 << 20)}`] });
    expect(await service.http('POST', '/containers/create', huge)).toMatchObject({ status: 413, body: expect.stringContaining('larger than') });
    const deep = `{"Image":"busybox","HostConfig":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    expect(await service.http('POST', '/containers/create', deep)).toMatchObject({ status: 400, body: expect.stringContaining('nested deeper than 32 levels') });
    expect(await service.http('POST', '/containers/create', '{"Image": "busybox", "Cmd": ')).toMatchObject({ status: 400, body: expect.stringContaining('invalid JSON body') });
    expect(await service.http('POST', '/containers/create', '[1]')).toMatchObject({ status: 400 });
    expect((await service.http('GET', '/_ping')).status).toBe(200);
    expect((await service.docker(['ps', '-aq'])).stdout).toBe('');
  });

  it("Binds take -v's checks: '..' and relative paths are refused with -v's message", async () => {
    const service = await startService();
    for (const bind of ['/tmp/../etc:/data', 'relative/dir:/data', '/tmp:/data:rw,bogus']) {
      const answer = await service.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox', HostConfig: { Binds: [bind] } }));
      expect(answer.status, bind).toBe(400);
      expect(JSON.parse(answer.body).message, bind).toMatch(/^invalid volume /);
    }
    expect((await service.docker(['ps', '-aq'])).stdout).toBe('');
  });

  it("a client's Env entry without a value never copies the service's own environment into the container", async () => {
    const service = await startService({ env: { SKIFF_SERVICE_SECRET: 'TOPSECRET-ENV' } });
    const run = await service.docker(['run', '--rm', '-e', 'SKIFF_SERVICE_SECRET', 'busybox', 'env']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toContain('TOPSECRET');
    const created = await service.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['env'], Env: ['SKIFF_SERVICE_SECRET'] }));
    const { Id } = JSON.parse(created.body) as { Id: string };
    expect((await service.http('POST', `/containers/${Id}/start`)).status).toBe(204);
    await service.http('POST', `/containers/${Id}/wait`);
    expect((await service.docker(['logs', Id])).stdout).not.toContain('TOPSECRET');
  });

  it('Binds: a missing host dir swapped for a symlink between check and mount never reaches the target (escape 4, through the API)', async () => {
    const { docker } = await startService();
    const race = await bindSwapRace(docker, 20);
    expect(race).toEqual({ leaks: [], attackerStarted: true, modes: [0o600, 0o700] });
  }, 60_000);

  it('a client that is not root (nor in the socket\'s group) is refused by the socket\'s mode', async () => {
    const dir = tempDir('docker-api-open-');
    chmodSync(dir, 0o755); // the directory lets anyone reach the socket: only its own mode stands in the way
    const service = await startService({ dir });
    const nobody = spawnSync(process.execPath, ['-e', `require('net').connect(${JSON.stringify(service.socket)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(1); })`], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
    });
    expect(nobody.stdout.trim()).toBe('EACCES');
    expect((await service.http('GET', '/_ping')).status).toBe(200);
  });

  it('malformed and hostile upgrade requests get an HTTP error (or a closed connection); the service serves on', async () => {
    const service = await startService();
    const upgrade = (path: string, extra = '') => `POST ${path} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n${extra}\r\n`;
    expect(await raw(service.socket, upgrade('/v1.47/containers/nope/attach?stream=1&stdout=1'))).toMatch(/^HTTP\/1.1 404 Not Found\r\n[^]*\{"message":"No such container: nope"\}/);
    expect(await raw(service.socket, upgrade('/v1.47/exec/nope/start', 'Content-Length: 99999999\r\n'))).toMatch(/^HTTP\/1.1 404 /);
    const created = await service.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['sleep', '100'] }));
    const { Id } = JSON.parse(created.body) as { Id: string };
    await service.http('POST', `/containers/${Id}/start`);
    const exec = JSON.parse((await service.http('POST', `/containers/${Id}/exec`, JSON.stringify({ Cmd: ['true'] }))).body) as { Id: string };
    expect(await raw(service.socket, upgrade(`/v1.47/exec/${exec.Id}/start`, 'Content-Length: 99999999\r\n'))).toMatch(/^HTTP\/1.1 413 /);
    // A body announced but cut short: the connection ends, nothing is run.
    expect(await raw(service.socket, `${upgrade(`/v1.47/exec/${exec.Id}/start`, 'Content-Length: 100\r\n')}{"Tty":`, { endAfterWrite: true })).toMatch(/^(HTTP\/1.1 400 |)/);
    expect(await raw(service.socket, upgrade('/v1.47/containers/json', 'Content-Length: abc\r\n'))).toMatch(/^HTTP\/1.1 400 /);
    expect(await raw(service.socket, `GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`)).toMatch(/^HTTP\/1.1 200 OK\r\n[^]*\r\n\r\nOK$/);
    expect(await raw(service.socket, upgrade('/v1.47/containers/%zz/attach?stream=1'))).toMatch(/^HTTP\/1.1 400 /);
    expect(await raw(service.socket, '\x00\x01garbage\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect((await service.http('GET', '/_ping')).status).toBe(200);
    expect((await service.docker(['rm', '-f', Id])).exitCode).toBe(0);
  });

  it('refuses TCP and other bad input with one clear line and exit 125; nothing listens, nothing is made', async () => {
    const { root, runRoot } = sandbox();
    const dir = tempDir('docker-api-bad-');
    writeFileSync(join(dir, 'file.sock'), 'not a socket');
    const live = await startService();
    const service = (args: string[]) => execa('node', [cliPath, '--root', root, '--run-root', runRoot, 'system', 'service', ...args], { reject: false, timeout: 20_000 });
    for (const [args, message] of [
      [['tcp://127.0.0.1:23750'], /refusing to listen on tcp:\/\/127.0.0.1:23750: .*TLS client certificates/],
      [['unix://relative.sock'], /the socket path must be absolute/],
      [[`unix://${join(dir, 'file.sock')}`], /exists and is not a socket/],
      [[`unix://${live.socket}`], /another service is listening on/],
      [['--time', 'soon', `unix://${join(dir, 'a.sock')}`], /invalid time "soon"/],
      [['--group', 'no-such-group', `unix://${join(dir, 'b.sock')}`], /unknown group "no-such-group"/],
    ] as const) {
      const result = await service([...args]);
      expect(result.exitCode, args.join(' ')).toBe(125);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect(readdirSync(dir)).toEqual(['file.sock']);
    expect(existsSync(root)).toBe(false);
    expect((await live.http('GET', '/_ping')).status).toBe(200);
  });
});
