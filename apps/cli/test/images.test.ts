import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox } from './cli.js';

describe.runIf(requiresRoot('image tests extract root-owned files and run containers'))('images and import', () => {
  it('makes busybox on first use and lists it', async () => {
    const { skiff } = sandbox();
    expect((await skiff(['images', '-q'])).stdout).toBe('');
    expect((await skiff(['run', '--rm', 'busybox', 'true'])).exitCode).toBe(0);
    const listing = (await skiff(['images'])).stdout.split('\n');
    expect(listing[0]).toMatch(/^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    expect(listing[1]).toMatch(/^busybox +latest +[0-9a-f]{12} +(Less than a second|\d+ seconds?) ago +[\d.]+[kM]B$/);
  });

  it('run and create take an image id (short, full, sha256:) as docker does, without pulling', async () => {
    const { skiff } = sandbox();
    expect((await skiff(['run', '--rm', '--pull', 'never', 'busybox', 'true'])).exitCode).toBe(0);
    const [image] = JSON.parse((await skiff(['image', 'inspect', 'busybox'])).stdout) as { Id: string }[];
    const full = image!.Id.replace(/^sha256:/, '');
    for (const reference of [full.slice(0, 12), full, `sha256:${full}`]) {
      const run = await skiff(['run', '--rm', reference, 'echo', 'by-id']);
      expect(run, reference).toMatchObject({ exitCode: 0, stdout: 'by-id', stderr: '' });
    }
    expect((await skiff(['create', '--name', 'made', full.slice(0, 12)])).exitCode).toBe(0);
    expect((await skiff(['rm', 'made'])).exitCode).toBe(0);
  });

  it('imports a root filesystem tarball as a runnable image', async () => {
    const { skiff } = sandbox();
    const dir = tempDir();
    mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'rootfs', 'greeting'), 'imported\n');
    await execa('sh', ['-c', 'cp /bin/busybox rootfs/bin/ && ln -s busybox rootfs/bin/cat && tar -C rootfs -czf img.tgz .'], { cwd: dir });
    const imported = await skiff(['import', join(dir, 'img.tgz'), 'mine:v1']);
    expect(imported.stdout).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await skiff(['run', '--rm', 'mine:v1', '/bin/cat', '/greeting'])).stdout).toBe('imported');
    expect((await skiff(['images'])).stdout).toMatch(/\nmine +v1 /);
  });

  it('imports from stdin and from a URL (loopback), applying -c instructions and -m as the Comment', async () => {
    const { skiff } = sandbox();
    const dir = tempDir();
    mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'rootfs', 'greeting'), 'imported\n');
    await execa('sh', ['-c', 'cp /bin/busybox rootfs/bin/ && ln -s busybox rootfs/bin/sh && ln -s busybox rootfs/bin/cat && tar -C rootfs -czf img.tgz .'], { cwd: dir });
    const tarball = readFileSync(join(dir, 'img.tgz'));

    const piped = await skiff(['import', '-c', 'ENV WHO=stdin', '-c', 'CMD cat /greeting; echo "$WHO"', '-c', 'WORKDIR /bin', '-m', 'from a pipe', '-', 'piped:v1'], { input: tarball });
    expect(piped.stdout, String(piped.stderr)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await skiff(['run', '--rm', 'piped:v1'])).stdout).toBe('imported\nstdin');
    const [inspect] = JSON.parse((await skiff(['image', 'inspect', 'piped:v1'])).stdout) as { Comment: string; Config: { WorkingDir: string; Cmd: string[] } }[];
    expect(inspect).toMatchObject({ Comment: 'from a pipe', Config: { WorkingDir: '/bin', Cmd: ['/bin/sh', '-c', 'cat /greeting; echo "$WHO"'] } });

    const server = createServer((request, response) => {
      if (request.url === '/img.tgz') response.end(tarball);
      else response.writeHead(404).end('no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const fetched = await skiff(['import', '-c', 'USER 65534', `${base}/img.tgz`, 'fetched']);
    expect(fetched.stdout, String(fetched.stderr)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await skiff(['run', '--rm', 'fetched', 'sh', '-c', 'cat /greeting; id -u'])).stdout).toBe('imported\n65534');

    for (const [args, message] of [
      [[`${base}/missing.tgz`, 'x'], /cannot import http:\/\/127\.0\.0\.1:\d+\/missing\.tgz: the server answered 404/],
      [['-c', 'RUN true', '-', 'x'], /RUN is not a valid change command/],
    ] as const) {
      const failed = await skiff(['import', ...args], { input: tarball });
      expect(failed.exitCode).toBe(1);
      expect(String(failed.stderr).trim().split('\n')).toHaveLength(1);
      expect(failed.stderr).toMatch(message);
    }
    expect((await skiff(['images', '-q'])).stdout.split('\n')).toHaveLength(2);

    // EXPOSE and ONBUILD, as docker import: into Config.ExposedPorts and Config.OnBuild, kept by save.
    const exposed = await skiff(['import', '-c', 'EXPOSE 80 53/udp', '-c', 'EXPOSE 80/tcp', '-c', 'ONBUILD RUN echo hi', '-', 'exposed:v1'], { input: tarball });
    expect(exposed.exitCode, String(exposed.stderr)).toBe(0);
    const expectConfig = async (run: typeof skiff) => {
      const [seen] = JSON.parse((await run(['image', 'inspect', 'exposed:v1'])).stdout) as { Config: { ExposedPorts: object; OnBuild: string[] } }[];
      expect(seen!.Config).toMatchObject({ ExposedPorts: { '80/tcp': {}, '53/udp': {} }, OnBuild: ['RUN echo hi'] });
    };
    await expectConfig(skiff);
    const archive = join(dir, 'exposed.tar');
    expect((await skiff(['save', '-o', archive, 'exposed:v1'])).exitCode).toBe(0);
    const other = sandbox();
    expect((await other.skiff(['load', '-i', archive])).exitCode).toBe(0);
    await expectConfig(other.skiff);
  });

  it('refuses a tarball whose entries escape the image, writing nothing outside', async () => {
    const { skiff } = sandbox();
    const dir = tempDir();
    const victim = join(dir, 'victim');
    // A symlink to a host directory followed by a file written through it.
    const script = `mkdir -p stage && ln -s ${dir} stage/link && tar -C stage -cf evil.tar link && mkdir -p stage2/link && echo pwned > stage2/link/victim && tar -C stage2 -rf evil.tar link/victim`;
    await execa('sh', ['-c', script], { cwd: dir });
    const result = await skiff(['import', join(dir, 'evil.tar'), 'evil']);
    // docker import fails with exit 1.
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/link\/victim/);
    expect(existsSync(victim)).toBe(false);
    expect((await skiff(['images', '-q'])).stdout).toBe('');
  });

  it('says how to get an image that does not exist', async () => {
    const { skiff, containers } = sandbox();
    const result = await skiff(['run', '--rm', '--pull', 'never', 'nosuchimage', 'true']);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/image "nosuchimage" not found/);
    expect(containers()).toEqual([]);
  });
});
