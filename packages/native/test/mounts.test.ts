// Volumes: binds, read-only binds, overlay volumes, file binds, optional mounts, and targets that try to leave the root.
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { mountToSyscall } from '../src/index.js';
import { createBusyboxRootfs, overlayDirs, overlayPlan, runHelper } from './fixture.js';

const root = requiresRoot('the native helper creates namespaces and mounts');

describe.skipIf(!root)('container mounts', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
  });
  afterAll(() => image?.remove());

  it('binds a host directory onto /data, read-write', async () => {
    const host = tempDir();
    writeFileSync(join(host, 'in.txt'), 'from host\n');
    const volume = mountToSyscall({ type: 'bind', source: host, target: '/data', options: [] });
    const script = 'cat /data/in.txt; echo from container > /data/out.txt';
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', script], { mounts: [volume] }));
    expect(result).toMatchObject({ exitCode: 0, stdout: 'from host\n' });
    expect(readFileSync(join(host, 'out.txt'), 'utf8')).toBe('from container\n');
  });

  // Pins: ':ro' ignored (a bind ignores MS_RDONLY unless remounted).
  it('enforces a read-only bind', async () => {
    const host = tempDir();
    writeFileSync(join(host, 'in.txt'), 'readable\n');
    const volume = mountToSyscall({ type: 'bind', source: host, target: '/ro', options: ['ro'] });
    const script = 'cat /ro/in.txt; touch /ro/new; echo "rc=$?"';
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', script], { mounts: [volume] }));
    expect(result.stdout).toBe('readable\nrc=1\n');
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(readdirSync(host)).toEqual(['in.txt']);
  });

  it('performs several mounts in order, nested ones included', async () => {
    const outer = tempDir();
    const inner = tempDir();
    writeFileSync(join(inner, 'marker'), 'inner\n');
    const mounts = [
      mountToSyscall({ type: 'bind', source: outer, target: '/a', options: [] }),
      mountToSyscall({ type: 'bind', source: inner, target: '/a/b/c', options: ['ro'] }),
      mountToSyscall({ type: 'tmpfs', source: 'tmpfs', target: '/scratch', options: ['nosuid', 'size=1m'] }),
    ];
    const script = 'cat /a/b/c/marker; grep -c " /scratch " /proc/self/mountinfo';
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', script], { mounts }));
    expect(result.stdout).toBe('inner\n1\n');
    expect(existsSync(join(outer, 'b/c'))).toBe(true); // created inside the first volume, as the walk went
  });

  it('binds a single file, creating the target file in the image', async () => {
    const host = tempDir();
    writeFileSync(join(host, 'app.conf'), 'key=value\n');
    const volume = mountToSyscall({ type: 'bind', source: join(host, 'app.conf'), target: '/etc/app/app.conf', options: ['ro'] });
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', 'cat /etc/app/app.conf; stat -c %F /etc/app/app.conf'], { mounts: [volume] }));
    expect(result.stdout).toBe('key=value\nregular file\n');
  });

  // Pins: an overlay volume with a temporary upper dir, whose writes vanished on exit.
  it('mounts an overlay volume whose upper dir is the host directory', async () => {
    const host = tempDir();
    const lower = tempDir();
    const work = tempDir();
    writeFileSync(join(lower, 'base.txt'), 'from image\n');
    const volume = mountToSyscall({
      type: 'overlay',
      source: 'overlay',
      target: '/vol',
      options: [`lowerdir=${lower}`, `upperdir=${host}`, `workdir=${work}`],
    });
    const script = 'cat /vol/base.txt; echo kept > /vol/new.txt';
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', script], { mounts: [volume] }));
    expect(result).toMatchObject({ exitCode: 0, stdout: 'from image\n' });
    expect(readFileSync(join(host, 'new.txt'), 'utf8')).toBe('kept\n');
  });

  // Pins: a symlink in the image sending a volume (and the directories created for it) outside the root.
  it.each([
    ['an absolute symlink climbing with ..', (name: string) => `/../../../tmp/${name}`],
    ['a relative symlink climbing with ..', (name: string) => `../../../../../../tmp/${name}`],
  ])('keeps a mount through %s inside the root', async (_, link) => {
    const scratch = tempDir();
    const { upper } = overlayDirs(scratch);
    const name = `skiff-escape-${randomUUID()}`;
    symlinkSync(link(name), join(upper, 'evil')); // part of the image, through the overlay's upper layer
    const host = tempDir();
    writeFileSync(join(host, 'marker'), 'volume\n');
    const volume = mountToSyscall({ type: 'bind', source: host, target: '/evil/sub', options: [] });
    const script = `cat /evil/sub/marker; cat /tmp/${name}/sub/marker`;
    const result = await runHelper(overlayPlan(image.dir, scratch, ['sh', '-c', script], { mounts: [volume] }));
    expect(result).toMatchObject({ exitCode: 0, stdout: 'volume\nvolume\n', stderr: '' });
    expect(existsSync(join('/tmp', name))).toBe(false); // nothing created on the host
    expect(existsSync(join(upper, 'tmp', name, 'sub'))).toBe(true); // created in the container's root
  });

  it("keeps the plan's symlink and device operations through an image symlink climbing with .. inside the root", async () => {
    const scratch = tempDir();
    const { upper } = overlayDirs(scratch);
    const name = `skiff-escape-${randomUUID()}`;
    symlinkSync(`/../../../tmp/${name}`, join(upper, 'evil'));
    const plan = overlayPlan(image.dir, scratch, ['sh', '-c', 'readlink /evil/link; stat -c "%F %t:%T" /evil/null']);
    plan.filesystem.push(
      { op: 'symlink', path: '/evil/link', to: '/etc/passwd' },
      { op: 'device', path: '/evil/null', type: 'c', major: 1, minor: 3, mode: 0o666 },
    );
    const result = await runHelper(plan);
    expect(result).toMatchObject({ exitCode: 0, stdout: '/etc/passwd\ncharacter special file 1:3\n', stderr: '' });
    expect(existsSync(join('/tmp', name))).toBe(false); // nothing created on the host
    expect(readdirSync(join(upper, 'tmp', name)).sort()).toEqual(['link', 'null']); // created in the container's root
  });

  // Pins: /proc -> /sys/x/../../p in the image put proc on /p, and once sysfs covered /sys the masks and
  // read-only paths (/proc/sys, /proc/kcore) no longer resolved and were skipped: /proc/sys was writable, and a
  // container root could set kernel.core_pattern, which the host runs as root. Opening the file for appending
  // writes nothing to it.
  it.each([
    ['/proc through a path that a later mount (sysfs) breaks', 'proc', '/sys/x/../../realproc'],
    ['/proc to another directory', 'proc', '/realproc'],
    ['/sys through a path that /dev breaks', 'sys', '/dev/x/../../realsys'],
  ])('refuses an image symlink for %s, so no mask can miss', async (_, name, link) => {
    const scratch = tempDir();
    const { upper } = overlayDirs(scratch);
    symlinkSync(link, join(upper, name));
    const script = ': >> /realproc/sys/kernel/core_pattern && echo PROC-SYS-WRITABLE; ls /realsys/firmware';
    const result = await runHelper(overlayPlan(image.dir, scratch, ['sh', '-c', script]));
    expect(result.stdout).toBe('');
    expect(result).toMatchObject({
      exitCode: 125,
      stderr: `skiff: mount on /${name}: the image has a symlink in that path; /proc and /sys must be ordinary directories\n`,
    });
  });

  it('keeps a mount through a symlink to /etc on the container /etc', async () => {
    const scratch = tempDir();
    const { upper } = overlayDirs(scratch);
    symlinkSync('/etc', join(upper, 'data'));
    const host = tempDir();
    const name = `skiff-${basename(host)}`;
    mkdirSync(join(host, name));
    const volume = mountToSyscall({ type: 'bind', source: join(host, name), target: '/data', options: ['ro'] });
    const script = 'stat -L -c %i /data /etc; test -e /etc/passwd || echo etc-covered';
    const result = await runHelper(overlayPlan(image.dir, scratch, ['sh', '-c', script], { mounts: [volume] }));
    expect(result.exitCode).toBe(0);
    const [inodeData, inodeEtc, covered] = result.stdout.trim().split('\n');
    expect(inodeData).toBe(inodeEtc); // /data and /etc are the same mount inside the container
    expect(covered).toBe('etc-covered'); // the volume covers the container's /etc
    expect(existsSync(join('/etc', name))).toBe(false);
  });

  it('skips an optional mount of a filesystem type the kernel lacks, and fails on one that is not optional', async () => {
    const mount = { source: 'none', target: '/x', fstype: 'skiffnofs', flags: 0, data: '' };
    const optional = await runHelper(overlayPlan(image.dir, tempDir(), ['echo', 'ran'], { mounts: [{ ...mount, optional: true }] }));
    expect(optional).toMatchObject({ exitCode: 0, stdout: 'ran\n', stderr: '' });
    const required = await runHelper(overlayPlan(image.dir, tempDir(), ['echo', 'ran'], { mounts: [mount] }));
    expect(required).toMatchObject({ exitCode: 125, stdout: '', stderr: 'skiff: mount skiffnofs on /x: No such device\n' });
  });

  it('fails setup with 125 on a symlink loop in a target', async () => {
    const scratch = tempDir();
    const { upper } = overlayDirs(scratch);
    symlinkSync('/loop', join(upper, 'loop'));
    const volume = mountToSyscall({ type: 'bind', source: tempDir(), target: '/loop/x', options: [] });
    const result = await runHelper(overlayPlan(image.dir, scratch, ['true'], { mounts: [volume] }));
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe('skiff: resolve /loop/x: Too many levels of symbolic links\n');
  });

  it('can use a read-only bind of the image itself as the root', async () => {
    const root = mountToSyscall({ type: 'bind', source: image.dir, target: '/', options: ['ro'] });
    const plan = overlayPlan(image.dir, tempDir(), ['sh', '-c', 'touch /new; echo "rc=$?"; cat /etc/passwd | grep -c root'], { root });
    const result = await runHelper(plan);
    expect(result.stdout).toBe('rc=1\n1\n');
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(existsSync(join(image.dir, 'new'))).toBe(false);
  });
});
