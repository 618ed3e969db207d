import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { DEFAULT_CONFIG, createImageStore } from './store.js';
import { danglingName, isDangling } from './names.js';
import { buildTar } from './test-tarball.js';

const busyboxAvailable = () => {
  if (existsSync('/bin/busybox')) return true;
  console.warn('skipped: /bin/busybox is missing (apt-get install busybox-static)');
  return false;
};

/** A small root filesystem tarball made with node-tar, the way `docker export` output looks. */
async function rootfsTarball(dir: string, gzip = false, marker = 'hello'): Promise<string> {
  const src = join(dir, `src-${marker}`);
  mkdirSync(join(src, 'bin'), { recursive: true });
  mkdirSync(join(src, 'etc'));
  writeFileSync(join(src, 'etc/motd'), marker);
  writeFileSync(join(src, 'bin/tool'), '#!/bin/sh\n', { mode: 0o755 });
  symlinkSync('/bin/tool', join(src, 'bin/alias'));
  const deep = join(src, 'a'.repeat(60), 'b'.repeat(60));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'long-path-file'), 'deep');
  const file = join(dir, `rootfs-${marker}.tar${gzip ? '.gz' : ''}`);
  await create({ file, cwd: src, gzip, portable: false }, ['.']);
  return file;
}

describe('image store: import, get, list, remove', () => {
  it('imports a tarball as a one-layer image with the default config', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    const image = await store.importTarball(await rootfsTarball(dir), 'myimg');
    expect(image).toMatchObject({ name: 'myimg', config: DEFAULT_CONFIG });
    expect(image.id).toMatch(/^[0-9a-f]{64}$/);
    expect(image.layers).toHaveLength(1);
    expect(image.layers[0]).toMatch(/^[0-9a-f]{12}$/);
    const [layer] = store.layerDirs(image);
    expect(layer).toBe(join(dir, 'state/layers', image.layers[0] as string));
    expect(readFileSync(join(layer as string, 'etc/motd'), 'utf8')).toBe('hello');
    expect(readlinkSync(join(layer as string, 'bin/alias'))).toBe('/bin/tool');
    expect(statSync(join(layer as string, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(layer as string, 'a'.repeat(60), 'b'.repeat(60), 'long-path-file'), 'utf8')).toBe('deep');
    expect(await store.get('myimg')).toEqual(image);
    expect(await store.get('myimg:latest')).toEqual(image);
    expect(readdirSync(join(dir, 'state/tmp'))).toEqual([]);
  });

  it('reads gzip tarballs, keeps tags apart, lists images sorted, and stores names as safe file names', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    await store.importTarball(await rootfsTarball(dir, true, 'one'), 'team/tool:v1');
    await store.importTarball(await rootfsTarball(dir, false, 'two'), 'team/tool');
    expect((await store.list()).map((image) => image.name)).toEqual(['team/tool', 'team/tool:v1']);
    expect(readdirSync(join(dir, 'state/images')).sort()).toEqual(['team%2Ftool%3Av1.json', 'team%2Ftool.json']);
    const v1 = await store.get('team/tool:v1');
    expect(readFileSync(join(store.layerDirs(v1)[0] as string, 'etc/motd'), 'utf8')).toBe('one');
  });

  it('replacing an image leaves the old one dangling, as docker; removing that deletes its old layer', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    const first = await store.importTarball(await rootfsTarball(dir, false, 'one'), 'myimg');
    const second = await store.importTarball(await rootfsTarball(dir, false, 'two'), 'myimg');
    expect(second.id).not.toBe(first.id);
    expect((await store.list()).map((image) => [image.name, image.id])).toEqual([
      [danglingName(first.id), first.id],
      ['myimg', second.id],
    ]);
    // Found by id (full, short, sha256: or not), not by a name.
    expect(await store.find(`sha256:${first.id}`)).toMatchObject({ byId: true, image: { name: danglingName(first.id) } });
    expect(await store.find(first.id.slice(0, 12))).toMatchObject({ byId: true, image: { id: first.id } });
    expect(await store.find('myimg')).toMatchObject({ byId: false, image: { id: second.id } });
    await store.remove(danglingName(first.id));
    expect(readdirSync(join(dir, 'state/layers'))).toEqual(second.layers);
  });

  it('a tag that moves off an image another name keeps leaves nothing dangling; naming a dangling image ends it', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    const first = await store.importTarball(await rootfsTarball(dir, false, 'one'), 'a');
    await store.tag('a', 'b');
    await store.importTarball(await rootfsTarball(dir, false, 'two'), 'a');
    expect((await store.list()).some((image) => isDangling(image.name))).toBe(false);
    await store.importTarball(await rootfsTarball(dir, false, 'three'), 'b');
    expect((await store.list()).filter((image) => isDangling(image.name)).map((image) => image.id)).toEqual([first.id]);
    await store.tag(first.id.slice(0, 8), 'c');
    expect((await store.list()).map((image) => image.name)).toEqual(['a', 'b', 'c']);
    await expect(store.find('ffffffffffff')).rejects.toSatisfy((error) => SkiffError.is(error, 'NOT_FOUND'));
  });

  it('remove deletes the record and the layers; a second remove is NOT_FOUND', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    await store.importTarball(await rootfsTarball(dir), 'myimg:v1');
    await store.remove('myimg:v1');
    expect(await store.list()).toEqual([]);
    expect(readdirSync(join(dir, 'state/layers'))).toEqual([]);
    const error = await store.remove('myimg:v1').catch((error: unknown) => error);
    expect(SkiffError.is(error, 'NOT_FOUND')).toBe(true);
  });

  it('get of a missing image says how to list and add images', async () => {
    const store = createImageStore(join(tempDir(), 'state'));
    const error = await store.get('nope').catch((error: unknown) => error);
    expect(SkiffError.is(error, 'NOT_FOUND')).toBe(true);
    expect((error as Error).message).toBe('image "nope" not found; skiff images lists the images, skiff import adds one');
    expect(await store.list()).toEqual([]);
  });

  it('refuses bad names, missing files, and damaged records clearly', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    const archive = await rootfsTarball(dir);
    for (const name of ['../evil', 'UPPER', 'a//b']) {
      const error = await store.importTarball(archive, name).catch((error: unknown) => error);
      expect(SkiffError.is(error, 'INVALID_ARGUMENT'), name).toBe(true);
    }
    const missing = await store.importTarball(join(dir, 'nope.tar'), 'x').catch((error: unknown) => error);
    expect(SkiffError.is(missing, 'NOT_FOUND')).toBe(true);
    mkdirSync(join(dir, 'state/images'), { recursive: true });
    writeFileSync(join(dir, 'state/images/broken.json'), '{"name":"broken","layers":["../../etc"]}');
    const damaged = await store.get('broken').catch((error: unknown) => error);
    expect(SkiffError.is(damaged, 'INTERNAL')).toBe(true);
    expect((damaged as Error).message).toMatch(/image record .*broken\.json is damaged/);
  });

  // The store must never keep anything of a refused archive: no layer, no record, no staging dir.
  it('a malicious tarball leaves nothing behind', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    const archive = join(dir, 'evil.tar');
    writeFileSync(
      archive,
      buildTar([
        { path: 'ok', content: 'fine' },
        { path: 'link', type: 'symlink', linkpath: dir },
        { path: 'link/pwned', content: 'x' },
      ]),
    );
    const error = await store.importTarball(archive, 'evil').catch((error: unknown) => error);
    expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toBe(`refusing to import ${archive}: entry "link/pwned" passes through the symlink "link"; nothing was imported`);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(await store.list()).toEqual([]);
    expect(existsSync(join(dir, 'state/layers')) ? readdirSync(join(dir, 'state/layers')) : []).toEqual([]);
    expect(readdirSync(join(dir, 'state/tmp'))).toEqual([]);
  });

  it('clears staging dirs left by crashed processes', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    mkdirSync(join(dir, 'state/tmp/999999999-deadbeef/layer'), { recursive: true });
    await store.importTarball(await rootfsTarball(dir), 'myimg');
    expect(readdirSync(join(dir, 'state/tmp'))).toEqual([]);
  });
});

describe('image store: busybox', () => {
  it.runIf(busyboxAvailable())('builds the busybox image from /bin/busybox', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    const image = await store.ensureBusybox();
    expect(image).toMatchObject({ name: 'busybox', config: DEFAULT_CONFIG });
    expect(image.config.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    const [layer] = store.layerDirs(image) as [string];
    expect(statSync(join(layer, 'bin/busybox')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(layer, 'bin/sh'))).toBe('busybox');
    const bracket = execFileSync('/bin/busybox', ['--list-full'], { encoding: 'utf8' })
      .split('\n')
      .find((line) => line.startsWith('usr/bin/'));
    if (bracket) expect(readlinkSync(join(layer, bracket))).toBe('../../bin/busybox');
    expect(readFileSync(join(layer, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0:root:\/root:\/bin\/sh\nnobody:x:65534:65534:/);
    expect(readFileSync(join(layer, 'etc/group'), 'utf8')).toMatch(/^root:x:0:\n.*tty:x:5:\n.*nogroup:x:65534:/s);
    expect(readFileSync(join(layer, 'etc/hostname'), 'utf8')).toBe('');
    const mode = (path: string) => statSync(join(layer, path)).mode & 0o7777;
    expect([mode(''), mode('tmp'), mode('root'), mode('home'), mode('var'), mode('run'), mode('dev')]).toEqual([0o755, 0o1777, 0o700, 0o755, 0o755, 0o755, 0o755]);
    for (const path of ['proc', 'sys', 'etc']) expect(lstatSync(join(layer, path)).isDirectory()).toBe(true);
  });

  it.runIf(busyboxAvailable())('is idempotent, and rebuilds when its layer went missing', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    const first = await store.ensureBusybox();
    expect(await store.ensureBusybox()).toEqual(first);
    rmSync(store.layerDirs(first)[0] as string, { recursive: true });
    const rebuilt = await store.ensureBusybox();
    expect(rebuilt.id).toBe(first.id); // same inputs, same id
    expect(rebuilt.layers).not.toEqual(first.layers);
    expect(existsSync(store.layerDirs(rebuilt)[0] as string)).toBe(true);
  });

  it.runIf(busyboxAvailable())('concurrent ensureBusybox calls agree on one image and leave one layer', async () => {
    const dir = tempDir();
    const stores = Array.from({ length: 4 }, () => createImageStore(join(dir, 'state')));
    const images = await Promise.all(stores.map((store) => store.ensureBusybox()));
    for (const image of images) expect(image).toEqual(images[0]);
    expect(readdirSync(join(dir, 'state/layers'))).toEqual(images[0]?.layers);
    expect(readdirSync(join(dir, 'state/tmp'))).toEqual([]);
    expect(readdirSync(join(dir, 'state/images'))).toEqual(['busybox.json']);
  });

  it.runIf(busyboxAvailable())('concurrent ensureBusybox from separate processes agree too', async ({ skip }) => {
    // Child processes run the same code through vitest's own loader: `vitest` is too heavy, so use node with
    // the store's built output when it exists.
    const dist = new URL('../dist/index.js', import.meta.url).pathname;
    if (!existsSync(dist)) return skip('packages/image/dist is not built (pnpm build) for the multi-process test');
    const dir = tempDir();
    const state = join(dir, 'state');
    const script = `import(${JSON.stringify(dist)}).then(async (m) => { const image = await m.createImageStore(${JSON.stringify(state)}).ensureBusybox(); process.stdout.write(image.layers[0]); })`;
    const { execFile } = await import('node:child_process');
    const run = () =>
      new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['-e', script], (error, stdout) => (error ? reject(error) : resolve(stdout))),
      );
    const layers = await Promise.all([run(), run(), run()]);
    expect(new Set(layers).size).toBe(1);
    expect(readdirSync(join(state, 'layers'))).toEqual([layers[0]]);
  });

  it('refuses a missing busybox with the apt-get hint, leaving nothing behind', async () => {
    const dir = tempDir();
    const store = createImageStore(join(dir, 'state'));
    const error = await store.ensureBusybox({ busybox: join(dir, 'no-busybox') }).catch((error: unknown) => error);
    expect(SkiffError.is(error, 'FAILED_PRECONDITION')).toBe(true);
    expect((error as SkiffError).hint).toBe('apt-get install busybox-static');
    expect(await store.list()).toEqual([]);
    expect(readdirSync(join(dir, 'state/tmp'))).toEqual([]);
  });

  it.runIf(busyboxAvailable() && requiresRoot('this test chroots into the image'))('the busybox root filesystem runs: chroot sh', async () => {
    const store = createImageStore(join(tempDir(), 'state'));
    const [layer] = store.layerDirs(await store.ensureBusybox()) as [string];
    expect(execFileSync('/usr/sbin/chroot', [layer, '/bin/sh', '-c', 'echo $(id -u) $(ls -d /tmp) ok'], { encoding: 'utf8', env: { PATH: '/bin:/usr/bin' } })).toBe('0 /tmp ok\n');
  });
});

describe('image store: tag and shared chains', () => {
  const chain = `sha256:${'ab'.repeat(32)}`;
  const record = (name: string, layers: string[]) => ({ name, id: 'cd'.repeat(32), created: new Date().toISOString(), layers, config: DEFAULT_CONFIG });
  const build = async (dir: string) => writeFileSync(join(dir, 'file'), 'layer');

  it('tag adds a name for the same image; removing one name keeps the layer for the other', async () => {
    const store = createImageStore(join(tempDir(), 'state'));
    const { id } = await store.addChainLayer(chain, build);
    await store.saveImage(record('app', [id]));
    const tagged = await store.tag('app', 'app:v2');
    expect(tagged).toMatchObject({ name: 'app:v2', id: 'cd'.repeat(32), layers: [id] });
    expect((await store.list()).map((image) => image.name)).toEqual(['app', 'app:v2']);
    await store.remove('app');
    expect(existsSync(join(store.root, 'layers', id, 'file'))).toBe(true);
    await store.remove('app:v2');
    expect(existsSync(join(store.root, 'layers', id))).toBe(false);
    await expect(store.tag('gone', 'x')).rejects.toThrow(/No such image: gone/);
  });

  // Regression: a pull reusing a chain whose last image was removed before the pull's record was written would
  // store a record naming a deleted layer. The record is now refused, never written.
  it('a record naming a layer removed meanwhile is refused (the rmi vs pull race)', async () => {
    const store = createImageStore(join(tempDir(), 'state'));
    const { id } = await store.addChainLayer(chain, build);
    await store.saveImage(record('old', [id]));
    const reused = await store.addChainLayer(chain, async () => expect.unreachable('the chain exists'));
    expect(reused).toEqual({ id, existed: true });
    await store.remove('old');
    const error = await store.saveImage(record('new', [reused.id])).catch((caught: unknown) => caught);
    expect(SkiffError.is(error, 'CONFLICT')).toBe(true);
    expect(await store.list()).toEqual([]);
    // The chain index was cleared with the layer: the next pull builds it again.
    expect((await store.addChainLayer(chain, build)).existed).toBe(false);
  });

  it('keepLayers keeps layers a container still runs on', async () => {
    const store = createImageStore(join(tempDir(), 'state'));
    const { id } = await store.addChainLayer(chain, build);
    await store.saveImage(record('app', [id]));
    await store.remove('app', { keepLayers: [id] });
    expect(existsSync(join(store.root, 'layers', id, 'file'))).toBe(true);
  });

  it("layersInUse keeps a container's layers through a retag and a re-save; holdLayers refuses a layer already gone", async () => {
    const inUse = new Set<string>();
    const store = createImageStore(join(tempDir(), 'state'), { layersInUse: async () => inUse });
    const { id } = await store.addChainLayer(chain, build);
    await store.saveImage(record('app', [id]));
    const dirs = store.layerDirs(await store.get('app'));
    await store.holdLayers(dirs, async () => void inUse.add(id));
    await store.saveImage(record('app', []));
    expect(existsSync(join(store.root, 'layers', id, 'file'))).toBe(true);
    inUse.clear();
    await store.pruneLayers();
    const error = await store.holdLayers(dirs, async () => expect.unreachable('the layer is gone')).catch((caught: unknown) => caught);
    expect(SkiffError.is(error, 'CONFLICT')).toBe(true);
  });
});
