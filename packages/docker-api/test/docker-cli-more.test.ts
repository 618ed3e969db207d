// The docker CLI against skiff system service, beyond run/ps/logs: -p through the API (a real httpd on
// 127.0.0.1), the create fields mapped to skiff's options, and the endpoints of top, stats, pause, rename,
// update, diff, export, events, cp, save/load, push, prune and system df.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { networkSandbox } from '../../../apps/cli/test/network-sandbox.js';
import { registryUnavailable, startRegistry } from '../../image/test/registry-fixture.js';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { dockerUnavailable, startService } from './service.js';

/** A TCP port free on 127.0.0.1 a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor<T>(read: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.runIf(!dockerUnavailable && requiresRoot('the service runs real containers'))('the docker CLI against skiff system service: more endpoints', () => {
  it('run -d -p 127.0.0.1:PORT:80 publishes (httpd answers on 127.0.0.1), port/ps/inspect show it; labels, restart, health, limits reach skiff', async () => {
    const box = networkSandbox();
    const { docker } = await startService({ box });
    const free = await freePort();
    const started = await docker(['run', '-d', '--name', 'web', '-p', `127.0.0.1:${free}:80`, '--label', 'team=a', '--restart', 'on-failure:2', '--health-cmd', 'true', '--health-interval', '1s',
      '--ulimit', 'nofile=512:1024', '--shm-size', '8m', '--sysctl', 'net.ipv4.ip_unprivileged_port_start=0', '--stop-signal', 'SIGINT', '--stop-timeout', '3', '--dns', '10.0.0.2',
      '--add-host', 'db:10.0.0.3', 'busybox', 'sh', '-c', 'mkdir /www && echo served-by-skiff > /www/index.html && exec httpd -f -p 80 -h /www']);
    expect(started.exitCode, started.stderr).toBe(0);
    const port = (await docker(['port', 'web', '80'])).stdout;
    expect(port).toBe(`127.0.0.1:${free}`);
    const body = await waitFor(async () => {
      const text = await fetch(`http://${port}/index.html`, { signal: AbortSignal.timeout(3000) }).then((r) => r.text(), () => undefined);
      return text === 'served-by-skiff\n' ? text : undefined;
    }, 'httpd on the published port');
    expect(body).toBe('served-by-skiff\n');
    expect((await docker(['ps', '--format', '{{.Ports}} {{.Labels}}'])).stdout).toBe(`${port}->80/tcp team=a`);
    const inspect = JSON.parse((await docker(['inspect', 'web'])).stdout)[0];
    expect(inspect.Config.Labels).toEqual({ team: 'a' });
    expect(inspect.Config.StopSignal).toBe('SIGINT');
    expect(inspect.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
    expect(inspect.Config.Healthcheck).toMatchObject({ Test: ['CMD-SHELL', 'true'], Interval: 1e9 });
    expect((await docker(['ps', '--filter', 'label=team=a', '-q'])).stdout).toMatch(/^[0-9a-f]{12}$/);
    expect((await docker(['ps', '--filter', 'label=team=b', '-q'])).stdout).toBe('');
    const inside = await docker(['exec', 'web', 'sh', '-c', "grep 'open files' /proc/1/limits; df -k /dev/shm | tail -1; grep -w db /etc/hosts; grep nameserver /etc/resolv.conf"]);
    expect(inside.stdout).toMatch(/^Max open files\s+512\s+1024\s+files\s*\n\S+\s+8192 .*\n10\.0\.0\.3\s+db\nnameserver 10\.0\.0\.2$/);
    // The request above went through the container's veth: stats count it.
    expect((await docker(['stats', '--no-stream', '--format', '{{.NetIO}}', 'web'])).stdout).toMatch(/^[1-9][\d.]*k?B \/ [1-9][\d.]*k?B$/);
    expect((await docker(['rm', '-f', 'web'])).exitCode).toBe(0);
    // NetworkMode and NetworkingConfig: a user network (made by skiff in the same root) with an alias; none; host.
    expect((await box.skiff(['network', 'create', 'front'])).exitCode).toBe(0);
    const aliased = await docker(['run', '-d', '--name', 'api', '--network', 'front', '--network-alias', 'backend', 'busybox', 'sleep', '300']);
    expect(aliased.exitCode, aliased.stderr).toBe(0);
    expect((await docker(['inspect', '-f', '{{json .NetworkSettings.Networks.front.Aliases}}', 'api'])).stdout).toMatch(/"backend"/);
    expect((await docker(['exec', 'api', 'nslookup', 'backend'])).stdout).toMatch(/Address: 10\./);
    expect((await docker(['rm', '-f', 'api'])).exitCode).toBe(0);
    expect((await docker(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net'])).stdout).toBe('lo');
    expect((await docker(['run', '--rm', '--network', 'host', 'busybox', 'hostname'])).stdout).toBe(hostname());
    const tmpfs = await docker(['run', '--rm', '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m', 'busybox', 'sh', '-c', 'df -k /t | tail -1']);
    expect(tmpfs.stdout).toMatch(/^\S+\s+1024 /);
    // A field skiff does not do: refused with docker's message shape, nothing created.
    const refused = await docker(['run', '--rm', '--blkio-weight', '300', 'busybox', 'true']);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toMatch(/HostConfig.BlkioWeight is not supported by skiff/);
    expect((await docker(['ps', '-aq'])).stdout).toBe('');
  });

  it('network create, ls, inspect, connect (with an alias), disconnect, rm; a run on the new network', async () => {
    const box = networkSandbox();
    const { docker } = await startService({ box });
    const created = await docker(['network', 'create', '--label', 'team=a', 'back']);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect((await docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}}'])).stdout.split('\n')).toEqual(expect.arrayContaining(['back bridge', 'host host', 'none null']));
    expect((await docker(['network', 'ls', '-q', '--filter', 'label=team=a'])).stdout).toBe(created.stdout.slice(0, 12));
    expect((await docker(['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{index .Labels "team"}}', 'back'])).stdout).toBe('back bridge a');
    expect((await docker(['run', '-d', '--name', 'db', '--network', 'back', 'busybox', 'sleep', '300'])).exitCode).toBe(0);
    expect((await docker(['run', '-d', '--name', 'app', 'busybox', 'sleep', '300'])).exitCode).toBe(0);
    const connected = await docker(['network', 'connect', '--alias', 'frontdoor', 'back', 'app']);
    expect(connected.exitCode, connected.stderr).toBe(0);
    expect((await docker(['exec', 'db', 'nslookup', 'frontdoor'])).stdout).toMatch(/Address: 10\./);
    expect(Object.values(JSON.parse((await docker(['network', 'inspect', 'back'])).stdout)[0].Containers).map((c) => (c as { Name: string }).Name).sort()).toEqual(['app', 'db']);
    expect((await docker(['network', 'disconnect', 'back', 'app'])).exitCode).toBe(0);
    const inUse = await docker(['network', 'rm', 'back']);
    expect(inUse.exitCode).toBe(1);
    expect((await docker(['rm', '-f', 'db', 'app'])).exitCode).toBe(0);
    expect((await docker(['network', 'rm', 'back'])).stdout).toBe('back');
    const missing = await docker(['network', 'inspect', 'back']);
    expect(missing.exitCode).toBe(1);
    expect((await docker(['network', 'rm', 'host'])).stderr).toMatch(/pre-defined network/);
  });

  it('top, stats --no-stream and the stats stream, pause/unpause, rename, update, diff, export, events --since/--until/--filter', async () => {
    const service = await startService();
    const { docker } = service;
    const since = Math.floor(Date.now() / 1000) - 1;
    const run = await docker(['run', '-d', '--name', 'box', 'busybox', 'sh', '-c', 'echo x > /made; rm /etc/group; exec sleep 300']);
    expect(run.exitCode).toBe(0);
    const top = await docker(['top', 'box']);
    expect(top.stdout.split('\n')[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    await waitFor(async () => ((await docker(['top', 'box'])).stdout.includes('sleep 300') ? true : undefined), 'sleep in top');
    expect((await docker(['top', 'box', '-o', 'pid,args'])).stdout).toMatch(/^PID\s+COMMAND\n\d+\s+sleep 300$/);
    const stats = await docker(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}} {{.MemUsage}}', 'box']);
    expect(stats.stdout).toMatch(/^box 1 [\d.]+[KMG]?i?B \/ [\d.]+[KMG]iB$/);
    const stream = await service.http('GET', '/containers/box/stats?stream=false');
    expect(JSON.parse(stream.body)).toMatchObject({ name: '/box', pids_stats: { current: 1 }, cpu_stats: { online_cpus: expect.any(Number) } });
    expect((await docker(['pause', 'box'])).exitCode).toBe(0);
    expect((await docker(['ps', '--format', '{{.State}} {{.Status}}'])).stdout).toMatch(/^paused Up .* \(Paused\)$/);
    expect(readFileSync(`/proc/${JSON.parse((await docker(['inspect', 'box'])).stdout)[0].State.Pid}/status`, 'utf8')).toMatch(/State:\s+[SD]/);
    expect((await docker(['unpause', 'box'])).exitCode).toBe(0);
    expect((await docker(['rename', 'box', 'box2'])).exitCode).toBe(0);
    expect((await docker(['ps', '--format', '{{.Names}}'])).stdout).toBe('box2');
    expect((await docker(['update', '--memory', '64m', '--memory-swap', '128m', '--pids-limit', '50', 'box2'])).exitCode).toBe(0);
    expect((await docker(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}', 'box2'])).stdout).toBe(`${64 << 20} 50`);
    const refused = await docker(['update', '--blkio-weight', '300', 'box2']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/BlkioWeight cannot be updated by skiff/);
    const diff = (await docker(['diff', 'box2'])).stdout.split('\n');
    expect(diff).toEqual(expect.arrayContaining(['A /made', 'C /etc', 'D /etc/group']));
    const exported = tempDir('docker-api-export-');
    expect((await docker(['export', '-o', join(exported, 'rootfs.tar'), 'box2'])).exitCode).toBe(0);
    expect(readFileSync(join(exported, 'rootfs.tar')).includes(Buffer.from('made'))).toBe(true);
    const until = Math.floor(Date.now() / 1000) + 1;
    await sleep(1100);
    const events = await docker(['events', '--since', String(since), '--until', String(until), '--filter', `container=${run.stdout}`, '--format', '{{.Action}}']);
    expect(events.stdout.split('\n')).toEqual(expect.arrayContaining(['create', 'start', 'pause', 'unpause', 'rename', 'update']));
    const renames = await docker(['events', '--since', String(since), '--until', String(until), '--filter', 'event=rename', '--format', '{{.Actor.Attributes.oldName}}']);
    expect(renames.stdout).toBe('/box');
    expect((await docker(['rm', '-f', 'box2'])).exitCode).toBe(0);
  });

  it('cp both ways, to a directory and to a new name, and - as a tar stream', async () => {
    const { docker } = await startService();
    expect((await docker(['run', '-d', '--name', 'files', 'busybox', 'sh', '-c', 'mkdir -p /srv/d && echo inside > /srv/d/f && exec sleep 300'])).exitCode).toBe(0);
    // `run -d` returns once the shell runs; its files are there once it has become the sleep.
    await waitFor(async () => ((await docker(['top', 'files'])).stdout.includes('sleep 300') ? true : undefined), 'the set-up of files');
    const host = tempDir('docker-api-cp-');
    writeFileSync(join(host, 'up.txt'), 'from-the-host');
    expect((await docker(['cp', join(host, 'up.txt'), 'files:/srv/'])).exitCode).toBe(0);
    expect((await docker(['cp', join(host, 'up.txt'), 'files:/srv/renamed.txt'])).exitCode).toBe(0);
    expect((await docker(['exec', 'files', 'cat', '/srv/up.txt', '/srv/renamed.txt'])).stdout).toBe('from-the-hostfrom-the-host');
    expect((await docker(['cp', 'files:/srv/d', join(host, 'out')])).exitCode).toBe(0);
    expect(readFileSync(join(host, 'out', 'f'), 'utf8')).toBe('inside\n');
    expect((await docker(['cp', 'files:/srv/d/f', join(host, 'single')])).exitCode).toBe(0);
    expect(readFileSync(join(host, 'single'), 'utf8')).toBe('inside\n');
    const missing = await docker(['cp', 'files:/no/such', host]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/Could not find the file \/no\/such in container files/);
    const tar = await docker(['cp', 'files:/srv/d/f', '-'], { encoding: 'buffer' });
    expect(Buffer.from(tar.stdout as unknown as Uint8Array).includes(Buffer.from('inside\n'))).toBe(true);
    expect((await docker(['rm', '-f', 'files'])).exitCode).toBe(0);
  });

  it('attack: cp through a container symlink pointing at a host path, and a forged tar (.., absolute, a symlink then a file through it), never reach the host', async () => {
    const service = await startService();
    const { docker } = service;
    const hostDir = tempDir('docker-api-cp-target-');
    writeFileSync(join(hostDir, 'secret'), 'host-secret');
    const link = ['ln -s', hostDir, '/abs'].join(' ');
    const script = `mkdir -p ${hostDir} && ${link} && ln -s ../../../../../..${hostDir} /rel && exec sleep 300`;
    expect((await docker(['run', '-d', '--name', 'atk', 'busybox', 'sh', '-c', script])).exitCode).toBe(0);
    // The links exist once the shell has become the sleep (CI once copied before they did, writing nothing).
    await waitFor(async () => ((await docker(['top', 'atk'])).stdout.includes('sleep 300') ? true : undefined), 'the links of atk');
    const upload = tempDir('docker-api-cp-src-');
    writeFileSync(join(upload, 'planted'), 'from-the-client');
    await docker(['cp', join(upload, 'planted'), 'atk:/abs/']);
    await docker(['cp', join(upload, 'planted'), 'atk:/rel/']);
    expect(readdirSync(hostDir)).toEqual(['secret']);
    // What the copies wrote landed in the container's own directory of that name.
    expect((await docker(['exec', 'atk', 'ls', hostDir])).stdout).toBe('planted');
    // Reading through the links reads the container's side, never the host's secret.
    const out = tempDir('docker-api-cp-out-');
    await docker(['cp', 'atk:/abs/.', join(out, 'a')]);
    await docker(['cp', '-L', 'atk:/rel', join(out, 'b')]);
    for (const dir of ['a', 'b']) if (existsSync(join(out, dir))) expect(readdirSync(join(out, dir))).not.toContain('secret');
    // A forged archive, straight to the endpoint.
    const entries = [
      { name: `../../../../../../..${hostDir}/dotdot`, body: 'x' },
      { name: `${hostDir}/absolute`, body: 'x' },
      { name: 'escape', link: hostDir },
      { name: 'escape/through', body: 'x' },
    ];
    const answer = await service.http('PUT', '/containers/atk/archive?path=/tmp', tarOf(entries), { 'Content-Type': 'application/x-tar' });
    expect(answer).toMatchObject({ status: 400, body: expect.stringContaining('extracting the archive into /tmp failed') });
    expect(readdirSync(hostDir)).toEqual(['secret']);
    expect(readFileSync(join(hostDir, 'secret'), 'utf8')).toBe('host-secret');
    expect((await docker(['rm', '-f', 'atk'])).exitCode).toBe(0);
  });

  it('save and load, image/container/volume/network prune, system df', async () => {
    const { docker } = await startService();
    const dir = tempDir('docker-api-save-');
    const archive = join(dir, 'busybox.tar');
    expect((await docker(['save', '-o', archive, 'busybox'])).exitCode).toBe(0);
    expect(readFileSync(archive).includes(Buffer.from('manifest.json'))).toBe(true);
    expect((await docker(['rmi', 'busybox'])).exitCode).toBe(0);
    const loaded = await docker(['load', '-i', archive]);
    expect(loaded.stdout).toBe('Loaded image: busybox:latest');
    expect((await docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout).toBe('busybox:latest');
    expect((await docker(['create', '--name', 'stopped', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await docker(['create', '--name', 'kept', '--label', 'keep=1', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await docker(['volume', 'create', 'loose'])).exitCode).toBe(0);
    const df = await docker(['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}}']);
    expect(df.stdout.split('\n')).toEqual(['Images 1 1', 'Containers 2 0', 'Local Volumes 1 0', 'Build Cache 0 0']);
    const pruned = await docker(['container', 'prune', '-f', '--filter', 'label!=keep']);
    expect(pruned.stdout).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space/);
    expect((await docker(['ps', '-a', '--format', '{{.Names}}'])).stdout).toBe('kept');
    expect((await docker(['container', 'prune', '-f', '--filter', 'until=1h'])).stdout).not.toMatch(/Deleted/);
    expect((await docker(['rm', 'kept'])).exitCode).toBe(0);
    expect((await docker(['volume', 'prune', '-af'])).stdout).toMatch(/loose/);
    expect((await docker(['network', 'prune', '-f'])).exitCode).toBe(0);
    expect((await docker(['image', 'prune', '-af'])).stdout).toMatch(/untagged: busybox:latest/i);
    expect((await docker(['images', '-q'])).stdout).toBe('');

    // Dangling images: saved by id (no RepoTags), loaded back as <none>:<none> with the same id, pruned.
    expect((await docker(['load', '-i', archive])).exitCode).toBe(0);
    const id = (await docker(['images', '-q', '--no-trunc', 'busybox'])).stdout;
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const byId = join(dir, 'by-id.tar');
    expect((await docker(['save', '-o', byId, id.slice(7, 19)])).exitCode).toBe(0);
    expect((await docker(['rmi', 'busybox'])).exitCode).toBe(0);
    expect((await docker(['load', '-i', byId])).stdout).toBe(`Loaded image ID: ${id}`);
    expect((await docker(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).stdout).toBe(`<none>:<none> ${id.slice(7, 19)}`);
    expect((await docker(['images', '-q', '--filter', 'dangling=false'])).stdout).toBe('');
    expect((await docker(['images', '-q', '--no-trunc', '--filter', 'dangling=true'])).stdout).toBe(id);
    expect((await docker(['image', 'prune', '-f'])).stdout).toMatch(new RegExp(`deleted: ${id}`, 'i'));
    expect((await docker(['images', '-q'])).stdout).toBe('');
  });

  it.runIf(!registryUnavailable())('push to a loopback registry, then pull it back', async () => {
    const { docker } = await startService();
    const registry = await startRegistry();
    const name = `${registry.host}/team/busybox:v1`;
    expect((await docker(['tag', 'busybox', name])).exitCode).toBe(0);
    const pushed = await docker(['push', name]);
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    expect(pushed.stdout).toMatch(new RegExp(`The push refers to repository \\[${registry.host}/team/busybox\\]`));
    expect(pushed.stdout).toMatch(/v1: digest: sha256:[0-9a-f]{64} size: \d+/);
    expect((await docker(['rmi', name])).exitCode).toBe(0);
    expect((await docker(['pull', name])).exitCode).toBe(0);
    expect((await docker(['run', '--rm', name, 'echo', 'pushed-and-pulled'])).stdout).toBe('pushed-and-pulled');
  });
});

/** A ustar archive of files and symlinks, written by hand: names a well-behaved tar would never produce. */
function tarOf(entries: { name: string; body?: string; link?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const header = Buffer.alloc(512);
    const body = Buffer.from(entry.body ?? '');
    const name = Buffer.from(entry.name);
    if (name.length > 100) {
      // ustar prefix field for a long name
      const cut = entry.name.lastIndexOf('/', 155);
      header.write(entry.name.slice(cut + 1), 0);
      header.write(entry.name.slice(0, cut), 345);
    } else header.write(entry.name, 0);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write(entry.link === undefined ? '0' : '2', 156);
    if (entry.link !== undefined) header.write(entry.link, 157);
    header.write('ustar\0', 257);
    header.write('00', 263);
    header.fill(' ', 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
