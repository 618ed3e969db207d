// `pullImage` into the content-addressed store, from a real registry on loopback: layers with whiteouts and an
// opaque directory seen through a real overlay mount, zstd, Docker v2s2, a two-platform index, tampered blob and
// config (refused, nothing stored), a 404 tag, and two pulls at once fetching each blob once.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { pullImage, type PullEvent } from '../src/pull.js';
import { createImageStore } from '../src/store.js';
import { ociLayout, push, registryUnavailable, startRegistry, type LayerSpec } from './registry-fixture.js';

const helper = join(import.meta.dirname, '../../native/bin/skiff-helper');
const unavailable = registryUnavailable();
if (unavailable) console.warn(`skipped: the pull tests ${unavailable}`);

/** Two gzip layers: files, then a whiteout of one of them and an opaque dir hiding the other's. */
const BOTTOM: LayerSpec[] = [
  {
    entries: [
      { path: 'etc/', type: 'dir' },
      { path: 'etc/gone', content: 'deleted above' },
      { path: 'etc/kept', content: 'kept' },
      { path: 'data/', type: 'dir' },
      { path: 'data/old', content: 'hidden by the opaque dir above' },
    ],
  },
  {
    entries: [
      { path: 'etc/', type: 'dir' },
      { path: 'etc/.wh.gone', content: '' },
      { path: 'data/', type: 'dir' },
      { path: 'data/.wh..wh..opq', content: '' },
      { path: 'data/new', content: 'new' },
    ],
  },
];

async function setup() {
  const registry = await startRegistry();
  const layout = ociLayout(join(tempDir('layout-'), 'oci'));
  const store = createImageStore(join(tempDir('root-'), 'root'));
  const base = layout.image({
    layers: [
      ...BOTTOM,
      { entries: [{ path: 'zstd', content: 'from a zstd layer' }], compression: 'zstd' },
    ],
    config: { Env: ['PATH=/bin', 'A=1'], Entrypoint: ['/bin/app'], Cmd: ['--serve'], WorkingDir: '/srv', User: '1000:1000', StopSignal: 'SIGQUIT' },
  });
  layout.tag('layers', base);
  push(layout.dir, 'layers', `${registry.host}/team/app:layers`);
  return { registry, layout, store, base };
}

const refusal = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a refusal'); }, (error: unknown) => error as SkiffError);

/** Mounts the image's layers read-only with overlayfs (as the overlay driver would) for the test. */
function overlay(dirs: string[]): string {
  const target = tempDir('merged-');
  const result = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${dirs.join(':')}`, target], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mount: ${result.stderr}`);
  onTestFinished(() => void spawnSync('umount', [target]));
  return target;
}

describe.runIf(!unavailable && requiresRoot('pulled layers hold whiteouts (char devices, trusted xattrs) and are mounted'))('pull (docker-registry on loopback)', () => {
  it('pulls a multi-layer OCI image: id = config digest, whiteouts and opaque dirs work under overlay, the config is kept', async () => {
    const { registry, store, base } = await setup();
    const name = `${registry.host}/team/app:layers`;
    const events: PullEvent[] = [];
    const result = await pullImage(store, name, { helper, onProgress: (event) => events.push(event) });
    expect(result.image.id).toBe(base.config.digest.slice(7));
    expect(result.digest).toBe(base.manifest.digest);
    expect(result.status).toBe(`Downloaded newer image for ${name}`);
    expect(result.image.config).toEqual({ env: ['PATH=/bin', 'A=1'], cmd: ['--serve'], entrypoint: ['/bin/app'], workingDir: '/srv', user: '1000:1000', stopSignal: 'SIGQUIT' });
    expect((await store.get(name)).id).toBe(result.image.id);
    expect(result.image.layers).toHaveLength(3);
    const merged = overlay(store.layerDirs(result.image));
    expect(readdirSync(join(merged, 'etc'))).toEqual(['kept']);
    expect(readdirSync(join(merged, 'data'))).toEqual(['new']);
    expect(readFileSync(join(merged, 'zstd'), 'utf8')).toBe('from a zstd layer');
    for (const layer of base.layers) {
      const short = layer.digest.slice(7, 19);
      expect(events.filter((event) => event.id === short).map((event) => event.status).filter((s) => s !== 'Downloading')).toEqual(['Pulling fs layer', 'Download complete', 'Extracting', 'Pull complete']);
    }
    // Again: nothing fetched, every layer already there.
    const again: PullEvent[] = [];
    const second = await pullImage(store, name, { helper, onProgress: (event) => again.push(event) });
    expect(second.status).toBe(`Image is up to date for ${name}`);
    expect(again.filter((event) => event.status === 'Already exists')).toHaveLength(3);
    expect(second.image.layers).toEqual(result.image.layers);
  });

  it('shares layers between images by chain id, pulls Docker v2s2 and picks the platform from an index', async () => {
    const { registry, layout, store } = await setup();
    const first = await pullImage(store, `${registry.host}/team/app:layers`, { helper });
    // The same two bottom layers (same bytes, same chain), as Docker v2 schema 2.
    const two = layout.image({ layers: BOTTOM });
    layout.tag('two', two);
    push(layout.dir, 'two', `${registry.host}/other/two:v2s2`, { format: 'v2s2' });
    const events: PullEvent[] = [];
    const docker = await pullImage(store, `${registry.host}/other/two:v2s2`, { helper, onProgress: (event) => events.push(event) });
    expect(events.filter((event) => event.status === 'Already exists')).toHaveLength(2);
    expect(events.some((event) => event.status === 'Download complete')).toBe(false);
    expect(docker.image.layers).toEqual(first.image.layers.slice(1));

    const amd = layout.image({ layers: [{ entries: [{ path: 'arch', content: 'amd64' }] }] });
    const arm = layout.image({ layers: [{ entries: [{ path: 'arch', content: 'arm64' }] }], architecture: 'arm64' });
    const index = layout.tagIndex('multi', [
      { built: arm, platform: { os: 'linux', architecture: 'arm64' } },
      { built: amd, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    push(layout.dir, 'multi', `${registry.host}/team/multi:1`, { all: true });
    for (const [architecture, built] of [['amd64', amd], ['arm64', arm]] as const) {
      const pulled = await pullImage(store, `${registry.host}/team/multi:1`, { helper, platform: { os: 'linux', architecture } });
      expect(pulled.digest).toBe(index);
      expect(pulled.image.id).toBe(built.config.digest.slice(7));
      expect(pulled.image.architecture).toBe(architecture);
      expect(readFileSync(join(store.layerDirs(pulled.image)[0]!, 'arch'), 'utf8')).toBe(architecture);
    }
  });

  it('refuses a tampered layer and a tampered config, storing nothing of them and no image', async () => {
    const { registry, store, base } = await setup();
    const flip = (digest: string) => {
      const bytes = readFileSync(registry.blobPath(digest));
      bytes[bytes.length - 1] ^= 0xff;
      writeFileSync(registry.blobPath(digest), bytes);
    };
    flip(base.layers[2]!.digest);
    const error = await refusal(pullImage(store, `${registry.host}/team/app:layers`, { helper }));
    expect(error.message).toMatch(/^layer sha256:[0-9a-f]{64} of .*team\/app:layers failed verification: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}; nothing was stored$/);
    expect(store.blobs.has(base.layers[2]!.digest)).toBe(false);
    expect(await store.list()).toEqual([]);
    expect(readdirSync(join(store.root, 'blobs/.partial'))).toEqual([]);
    flip(base.layers[2]!.digest); // restored
    flip(base.config.digest);
    const config = await refusal(pullImage(store, `${registry.host}/team/app:layers`, { helper }));
    expect(config.message).toMatch(/^the config of .*team\/app:layers failed verification/);
    expect(store.blobs.has(base.config.digest)).toBe(false);
    expect(await store.list()).toEqual([]);
    expect(existsSync(join(store.root, 'tmp')) ? readdirSync(join(store.root, 'tmp')) : []).toEqual([]);
  });

  it('says a missing tag is not found', async () => {
    const { registry, store } = await setup();
    const error = await refusal(pullImage(store, `${registry.host}/team/app:nope`, { helper }));
    expect(SkiffError.is(error, 'NOT_FOUND')).toBe(true);
    expect(error.message).toBe(`manifest for ${registry.host}/team/app:nope not found: manifest unknown`);
  });

  // Regression: an image removed while a pull reuses its chains deleted the layers before the pull's record named
  // them. The store now refuses such a record and the pull stores the layers again.
  it('a pull whose reused layers are removed before its record is written stores them again', async () => {
    const { registry, store } = await setup();
    const name = `${registry.host}/team/app:layers`;
    const first = await pullImage(store, name, { helper });
    await store.tag(name, 'other');
    let raced = false;
    // The real race, at its worst moment: every name of the image goes just before the new record is saved.
    const racing = {
      ...store,
      saveImage: async (image: Parameters<typeof store.saveImage>[0]) => {
        if (!raced) {
          raced = true;
          await store.remove('other');
          await store.remove(name);
          expect(readdirSync(join(store.root, 'layers'))).toEqual([]);
        }
        return store.saveImage(image);
      },
    };
    const second = await pullImage(racing, name, { helper });
    expect(raced).toBe(true);
    expect(second.image.id).toBe(first.image.id);
    expect(second.image.layers.every((id) => existsSync(join(store.root, 'layers', id)))).toBe(true);
    expect(readFileSync(join(store.root, 'layers', second.image.layers[0]!, 'zstd'), 'utf8')).toBe('from a zstd layer');
  });

  it('two pulls at once fetch and unpack each layer once and agree on the result', async () => {
    const { registry, store } = await setup();
    const events: PullEvent[] = [];
    const pull = () => pullImage(createImageStore(store.root), `${registry.host}/team/app:layers`, { helper, onProgress: (event) => events.push(event) });
    const [a, b] = await Promise.all([pull(), pull()]);
    expect(a.image.layers).toEqual(b.image.layers);
    expect(events.filter((event) => event.status === 'Download complete')).toHaveLength(3);
    expect(events.filter((event) => event.status === 'Pull complete')).toHaveLength(3);
    expect(events.filter((event) => event.status === 'Already exists')).toHaveLength(3);
    expect(readdirSync(join(store.root, 'layers'))).toHaveLength(3);
  });
});
