import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SkiffError, type DriverContext, type VolumeRequest, FS_MAGIC } from '@skiff/plugin';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { createOverlayVolumeDriver, overlayVolumeDriverFactory, upperFilesystemProblem } from './overlay.js';
import { runInMountNamespace, runNamedVolumeDriverTests, runVolumeDriverTests } from '@skiff/plugin/testing';

runVolumeDriverTests('overlay', overlayVolumeDriverFactory);
runNamedVolumeDriverTests('overlay', overlayVolumeDriverFactory, undefined, { hostPaths: true });

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function setup(active: (ref: string) => boolean = () => false, root?: string) {
  const dir = tempDir();
  const context: DriverContext = {
    root: root ?? join(dir, 'driver'),
    runRoot: join(dir, 'run'),
    isContainerActive: async (ref) => active(ref),
  };
  mkdirSync(context.root, { recursive: true });
  const image = join(dir, 'image/data');
  mkdirSync(image, { recursive: true });
  writeFileSync(join(image, 'from-image'), 'image file');
  const host = join(dir, 'host');
  const request = (overrides: Partial<VolumeRequest> = {}): VolumeRequest => ({
    ref: 'c1',
    source: host,
    target: '/data',
    readOnly: false,
    options: {},
    imagePath: image,
    scratchDir: join(dir, 'scratch', overrides.ref ?? 'c1'),
    ...overrides,
  });
  const recordFile = () => join(context.runRoot, 'volumes/overlay', `${sha256(realpathSync(host))}.json`);
  return { dir, context, driver: createOverlayVolumeDriver(context), request, host, image, recordFile };
}

async function failure(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(() => undefined, (error: unknown) => error);
  expect(SkiffError.isInstance(error), String(error)).toBe(true);
  expect((error as SkiffError).code).toBe(code);
  expect((error as Error).message).not.toContain('\n');
  return error as Error;
}

/** Mounts a tmpfs at `path` on the host for the rest of the test. */
function tmpfsAt(path: string): void {
  mkdirSync(path, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'skiff-test', path]);
  onTestFinished(() => {
    execFileSync('umount', [path]);
  });
}

describe('overlay volume plan', () => {
  it('uses the host directory as upper, the image content as lower, a same-mount work dir', async () => {
    const { context, driver, request, host, image, recordFile } = setup();
    const mounts = await driver.mount(request());
    const upper = realpathSync(host);
    const work = join(context.root, 'work', `c1-${sha256(upper).slice(0, 12)}`);
    expect(mounts).toEqual([
      { type: 'overlay', source: 'overlay', target: '/data', options: [`lowerdir=${image}`, `upperdir=${upper}`, `workdir=${work}`],
        hostPathOptions: ['upperdir', 'workdir'] },
    ]);
    expect(statSync(host).mode & 0o7777).toBe(0o755);
    expect(JSON.parse(readFileSync(recordFile(), 'utf8'))).toEqual({ ref: 'c1', upper });
    const readOnly = await driver.mount(request({ readOnly: true }));
    expect(readOnly[0]?.options.at(-1)).toBe('ro');
  });

  it('uses an empty scratch dir as lower when the image has no directory at the target', async () => {
    const { dir, driver, request } = setup();
    writeFileSync(join(dir, 'a-file'), 'x');
    for (const imagePath of [undefined, join(dir, 'a-file'), join(dir, 'missing')]) {
      const [mount] = await driver.mount(request({ imagePath }));
      expect(mount?.options[0]).toBe(`lowerdir=${join(dir, 'scratch/c1/lower')}`);
      expect(readdirSync(join(dir, 'scratch/c1/lower'))).toEqual([]);
      await driver.unmount(request({ imagePath }));
    }
  });

  it('empties its own work dir before mounting (overlayfs needs it empty)', async () => {
    const { context, driver, request, host } = setup();
    mkdirSync(host);
    const work = join(context.root, 'work', `c1-${sha256(realpathSync(host)).slice(0, 12)}`);
    mkdirSync(join(work, 'work/leftover'), { recursive: true });
    writeFileSync(join(work, 'stale'), 'x');
    await driver.mount(request());
    expect(readdirSync(work)).toEqual([]);
  });

  it('unmount removes the record and the work dir, and nothing in the host directory', async () => {
    const { context, driver, request, host, recordFile } = setup();
    mkdirSync(host);
    writeFileSync(join(host, 'precious'), 'keep');
    await driver.mount(request());
    const record = recordFile();
    await driver.unmount(request());
    expect(existsSync(record)).toBe(false);
    expect(readdirSync(join(context.root, 'work'))).toEqual([]);
    expect(readdirSync(host)).toEqual(['precious']);
  });

  it('honours workdir=PATH and never empties or removes it', async () => {
    const { dir, driver, request } = setup();
    const mine = join(dir, 'my-work');
    mkdirSync(mine);
    writeFileSync(join(mine, 'keep'), 'x');
    const [mount] = await driver.mount(request({ options: { workdir: mine } }));
    expect(mount?.options[2]).toBe(`workdir=${mine}`);
    await driver.unmount(request({ options: { workdir: mine } }));
    expect(readdirSync(mine)).toEqual(['keep']);
  });

  it('refuses a workdir inside the volume, a relative workdir, unknown options, and paths with ":"', async () => {
    const { dir, driver, request, host } = setup();
    let error = await failure(driver.mount(request({ options: { workdir: join(host, 'w') } })), 'INVALID_ARGUMENT');
    expect(error.message).toMatch(/overlaps the volume directory/);
    await failure(driver.mount(request({ options: { workdir: 'w' } })), 'INVALID_ARGUMENT');
    error = await failure(driver.mount(request({ options: { size: '1' } })), 'INVALID_ARGUMENT');
    expect(error.message).toBe('overlay volume: unknown option "size" (it takes workdir)');
    error = await failure(driver.mount(request({ source: join(dir, 'a:b') })), 'INVALID_ARGUMENT');
    expect(error.message).toMatch(/contains ',', ':' or '\\'/);
    // A refused mount leaves no use record behind.
    expect(existsSync(join(dir, 'run/volumes/overlay')) ? readdirSync(join(dir, 'run/volumes/overlay')) : []).toEqual([]);
  });

  it('names overlayfs and NFS as upper dirs it cannot use', () => {
    expect(upperFilesystemProblem(FS_MAGIC.overlay)).toBe('it is on overlayfs; overlayfs cannot use another overlay as its upper dir');
    expect(upperFilesystemProblem(FS_MAGIC.nfs)).toBe('it is on NFS; overlayfs cannot use an NFS directory as its upper dir');
    expect(upperFilesystemProblem(0xef53)).toBeUndefined();
  });
});

describe('overlay volume: an upper dir in use', () => {
  it('refuses an upper dir another running container uses, naming it (CONFLICT)', async () => {
    const { driver, request, host } = setup((ref) => ref === 'c1');
    await driver.mount(request({ ref: 'c1' }));
    const error = await failure(driver.mount(request({ ref: 'c2' })), 'CONFLICT');
    expect(error.message).toBe(`cannot use ${host} as an overlay volume: container c1 is using it as its upper dir`);
  });

  it('refuses it through another path to the same directory (symlink)', async () => {
    const { dir, driver, request, host } = setup(() => true);
    mkdirSync(host);
    execFileSync('ln', ['-s', host, join(dir, 'alias')]);
    await driver.mount(request({ ref: 'c1' }));
    await failure(driver.mount(request({ ref: 'c2', source: join(dir, 'alias') })), 'CONFLICT');
  });

  it('lets the same container mount again, and takes over a record left by a dead container', async () => {
    let running = new Set(['c1']);
    const { context, driver, request, recordFile } = setup((ref) => running.has(ref));
    await driver.mount(request({ ref: 'c1' }));
    await driver.mount(request({ ref: 'c1' }));
    running = new Set(['c2']); // c1 crashed without unmounting
    await driver.mount(request({ ref: 'c2' }));
    expect(JSON.parse(readFileSync(recordFile(), 'utf8')).ref).toBe('c2');
    // The late unmount of c1 must not release c2's record.
    await driver.unmount(request({ ref: 'c1' }));
    expect(JSON.parse(readFileSync(recordFile(), 'utf8')).ref).toBe('c2');
    expect(readdirSync(join(context.root, 'work')).filter((name) => name.startsWith('c1-'))).toEqual([]);
  });

  it('hands a contested upper dir to exactly one of many concurrent containers', async () => {
    const { context, request } = setup(() => true);
    const drivers = Array.from({ length: 6 }, () => createOverlayVolumeDriver(context));
    const results = await Promise.allSettled(drivers.map((driver, index) => driver.mount(request({ ref: `c${index}` }))));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(SkiffError.is(result.reason, 'CONFLICT')).toBe(true);
  });

  it('hands a stale record to exactly one of many concurrent containers', async () => {
    const stale = new Set(['dead']);
    const { context, request, recordFile } = setup((ref) => !stale.has(ref));
    await createOverlayVolumeDriver(context).mount(request({ ref: 'dead' }));
    const drivers = Array.from({ length: 6 }, () => createOverlayVolumeDriver(context));
    const results = await Promise.allSettled(drivers.map((driver, index) => driver.mount(request({ ref: `c${index}` }))));
    const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [`c${index}`] : []));
    expect(winners).toHaveLength(1);
    expect(JSON.parse(readFileSync(recordFile(), 'utf8')).ref).toBe(winners[0]);
  });
});

describe('overlay volume: filesystems (root)', () => {
  // Regression: an overlay upper dir on overlayfs fails at mount time with an obscure kernel message.
  it.runIf(requiresRoot('this test mounts an overlay on the host'))('refuses an upper dir on overlayfs', async () => {
    const { dir, driver, request } = setup();
    for (const sub of ['l', 'u', 'w', 'merged']) mkdirSync(join(dir, sub));
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${dir}/l,upperdir=${dir}/u,workdir=${dir}/w`, join(dir, 'merged')]);
    onTestFinished(() => {
      execFileSync('umount', [join(dir, 'merged')]);
    });
    const source = join(dir, 'merged/vol');
    const error = await failure(driver.mount(request({ source })), 'FAILED_PRECONDITION');
    expect(error.message).toBe(`cannot use ${source} as an overlay volume: it is on overlayfs; overlayfs cannot use another overlay as its upper dir`);
  });

  it.runIf(requiresRoot('this test mounts a tmpfs'))('refuses a workdir on a different filesystem than the upper dir', async () => {
    const { dir, driver, request, recordFile } = setup();
    tmpfsAt(join(dir, 'tmpfs'));
    const error = await failure(driver.mount(request({ options: { workdir: join(dir, 'tmpfs/work') } })), 'FAILED_PRECONDITION');
    expect(error.message).toMatch(/is on a different filesystem; overlayfs needs the upper and work dirs on the same one$/);
    expect(existsSync(recordFile())).toBe(false);
  });

  it.runIf(requiresRoot('this test mounts a tmpfs'))('falls back to a hidden sibling work dir when the driver root is on another filesystem, and removes it', async () => {
    const outer = tempDir();
    tmpfsAt(join(outer, 'state'));
    const { dir, driver, request, host } = setup(() => false, join(outer, 'state/driver'));
    const [mount] = await driver.mount(request());
    const sibling = join(dir, '.host.skiff-work');
    expect(mount?.options[2]).toBe(`workdir=${sibling}`);
    expect(statSync(sibling).mode & 0o777).toBe(0o700);
    await driver.unmount(request());
    expect(existsSync(sibling)).toBe(false);
    expect(existsSync(host)).toBe(true);
  });

  it.runIf(requiresRoot('this test mounts a tmpfs'))('refuses a host directory that is its own mount point when no work dir can share it', async () => {
    const outer = tempDir();
    tmpfsAt(join(outer, 'state'));
    const { dir, driver, request, host } = setup(() => false, join(outer, 'state/driver'));
    tmpfsAt(host);
    const error = await failure(driver.mount(request()), 'FAILED_PRECONDITION');
    expect(error.message).toMatch(/upper and work dirs would be on different filesystems/);
    expect((error as SkiffError).hint).toMatch(/workdir=/);
    expect(existsSync(join(dir, '.host.skiff-work'))).toBe(false);
  });
});

describe('overlay volume integration (root)', () => {
  // Regression: with a temporary upper dir every write vanished when the container exited.
  it.runIf(requiresRoot('this test mounts the overlay in a private mount namespace'))('writes land in the host directory; the image content shows and stays untouched', async () => {
    const { dir, driver, request, host, image } = setup();
    const root = join(dir, 'rootfs');
    mkdirSync(join(root, 'data'), { recursive: true });
    const mounts = await driver.mount(request());
    const seen = runInMountNamespace(mounts, root, [
      'cat "$ROOT/data/from-image"; echo',
      'echo new > "$ROOT/data/new"',
      'echo changed > "$ROOT/data/from-image"',
    ]);
    await driver.unmount(request());
    expect(seen).toBe('image file');
    expect(readFileSync(join(host, 'new'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(host, 'from-image'), 'utf8')).toBe('changed\n');
    expect(readFileSync(join(image, 'from-image'), 'utf8')).toBe('image file');
    // A second container run sees what the first left.
    const again = runInMountNamespace(await driver.mount(request({ ref: 'c2' })), root, ['cat "$ROOT/data/new"']);
    await driver.unmount(request({ ref: 'c2' }));
    expect(again).toBe('new');
  });
});
