// Attack tests for `load` (issue 12): a hostile archive is refused in one line and leaves no image, no layer and
// no staging behind, and nothing it names is ever opened or written on the host outside the store's staging.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { loadImages } from '../src/archive/load.js';
import { createImageStore } from '../src/store.js';
import { buildTar, type FixtureEntry } from '../src/test-tarball.js';
import { sha256 } from './registry-fixture.js';

const helper = join(import.meta.dirname, '../../native/bin/skiff-helper');
const hex = (digest: string) => digest.slice('sha256:'.length);

/** The parts of a valid one-image docker archive, for a test to break. */
function parts(layerEntries: FixtureEntry[] = [{ path: 'hello', content: 'hi\n' }]) {
  const layer = buildTar(layerEntries);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  const configPath = `blobs/sha256/${hex(sha256(config))}`;
  const layerPath = `blobs/sha256/${hex(sha256(layer))}`;
  const manifest = (override: Record<string, unknown> = {}) => JSON.stringify([{ Config: configPath, RepoTags: ['evil:v1'], Layers: [layerPath], ...override }]);
  return { layer, config, configPath, layerPath, manifest };
}

async function load(archive: Buffer) {
  const store = createImageStore(join(tempDir('archive-'), 'state'));
  const error = await loadImages(store, Readable.from([archive]), { helper, label: 'test.tar' }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  // Nothing stored, nothing staged.
  expect(await store.list()).toEqual([]);
  for (const dir of ['layers', 'tmp', 'chains']) {
    const path = join(store.root, dir);
    expect(existsSync(path) ? readdirSync(path) : [], dir).toEqual([]);
  }
  return error as Error;
}

const refused = (error: Error, message: RegExp) => {
  expect(SkiffError.is(error, 'INVALID_ARGUMENT'), String(error)).toBe(true);
  expect(error.message).toMatch(message);
  expect(error.message.split('\n')).toHaveLength(1);
};

describe.runIf(requiresRoot('layers are unpacked with their owners'))('load refuses hostile archives', () => {
  it('loads the valid archive these tests break (the baseline)', async () => {
    const { layer, config, configPath, layerPath, manifest } = parts();
    const store = createImageStore(join(tempDir('archive-'), 'state'));
    const archive = buildTar([
      { path: 'manifest.json', content: manifest() },
      { path: configPath, content: config },
      { path: layerPath, content: layer },
    ]);
    const result = await loadImages(store, Readable.from([archive]), { helper, label: 'test.tar' });
    expect(result.lines).toEqual(['Loaded image: evil:v1']);
    expect(result.images[0]!.id).toBe(hex(sha256(config)));
  });

  it('an archive without names (docker save IMAGE_ID: RepoTags null) loads as one dangling image; a malformed one is refused', async () => {
    const { layer, config, configPath, layerPath, manifest } = parts();
    const store = createImageStore(join(tempDir('archive-'), 'state'));
    const good = [
      { path: configPath, content: config },
      { path: layerPath, content: layer },
    ];
    const result = await loadImages(store, Readable.from([buildTar([{ path: 'manifest.json', content: manifest({ RepoTags: null }) }, ...good])]), { helper, label: 'test.tar' });
    expect(result.lines).toEqual([`Loaded image ID: ${sha256(config)}`]);
    expect((await store.list()).map((image) => image.name)).toEqual([`<none>@${sha256(config)}`]);
    // Unnamed and hostile: the same checks as a named archive, nothing stored.
    const outside = tempDir('outside-');
    refused(await load(buildTar([{ path: 'manifest.json', content: manifest({ RepoTags: null, Layers: [`../../../..${outside}/layer.tar`] }) }, ...good])), /'\.\.' component/);
    refused(await load(buildTar([{ path: 'manifest.json', content: manifest({ RepoTags: [], Config: layerPath }) }, ...good])), /config of .* is not JSON/);
    refused(await load(buildTar([{ path: 'manifest.json', content: manifest({ RepoTags: [] }) }, { path: configPath, content: config }, { path: layerPath, content: buildTar([{ path: 'other', content: 'x' }]) }])), /failed verification/);
    refused(await load(buildTar([{ path: 'manifest.json', content: manifest({ RepoTags: [7] }) }, ...good])), /RepoTags that are not names/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('path traversal: an entry with .. or an absolute path, and a manifest naming one, write nothing outside', async () => {
    const outside = tempDir('outside-');
    const { layer, config, configPath, layerPath, manifest } = parts();
    const good = [
      { path: configPath, content: config },
      { path: layerPath, content: layer },
    ];
    refused(await load(buildTar([{ path: `../../../../../..${outside}/pwned`, content: 'x' }, { path: 'manifest.json', content: manifest() }, ...good])), /has a '\.\.' component/);
    refused(await load(buildTar([{ path: `${outside}/pwned`, content: 'x' }, { path: 'manifest.json', content: manifest() }, ...good])), /is absolute/);
    refused(await load(buildTar([{ path: 'manifest.json', content: manifest({ Layers: [`../../../..${outside}/layer.tar`] }) }, ...good])), /'\.\.' component/);
    refused(await load(buildTar([{ path: 'manifest.json', content: manifest({ Config: '/etc/passwd' }) }, ...good])), /is absolute/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('links: a symlinked manifest.json, a layer symlink out of the archive, a link loop', async () => {
    const { layer, config, configPath, layerPath, manifest } = parts();
    const good = [
      { path: configPath, content: config },
      { path: layerPath, content: layer },
    ];
    refused(await load(buildTar([{ path: 'real.json', content: manifest() }, { path: 'manifest.json', type: 'symlink', linkpath: 'real.json' }, ...good])), /manifest\.json is a link/);
    refused(await load(buildTar([{ path: 'manifest.json', type: 'symlink', linkpath: '/etc/passwd' }, ...good])), /points outside the archive/);
    refused(
      await load(buildTar([{ path: 'manifest.json', content: manifest({ Layers: ['x/layer.tar'] }) }, { path: 'x/layer.tar', type: 'symlink', linkpath: '../../../etc/shadow' }, ...good])),
      /points outside the archive/,
    );
    refused(
      await load(buildTar([{ path: 'manifest.json', content: manifest({ Layers: ['a'] }) }, { path: 'a', type: 'symlink', linkpath: 'b' }, { path: 'b', type: 'symlink', linkpath: 'a' }, ...good])),
      /loop/,
    );
  });

  it('oversized JSON: a 9 MiB manifest.json (refused from its header) and a 5 MiB config', async () => {
    const { layer, config, layerPath, manifest } = parts();
    refused(await load(buildTar([{ path: 'manifest.json', content: Buffer.alloc(9 * 1024 * 1024, 0x20) }, { path: layerPath, content: layer }])), /manifest\.json is \d+ bytes, more than/);
    const big = Buffer.concat([config.subarray(0, -1), Buffer.from(`,"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`)]);
    const bigPath = `blobs/sha256/${hex(sha256(big))}`;
    refused(await load(buildTar([{ path: 'manifest.json', content: manifest({ Config: bigPath }) }, { path: bigPath, content: big }, { path: layerPath, content: layer }])), /is \d+ bytes, more than the \d+ skiff reads/);
  });

  it('missing blobs and digests that do not match: a blob under another digest, a layer that is not its diff id', async () => {
    const { layer, config, configPath, layerPath, manifest } = parts();
    refused(await load(buildTar([{ path: 'manifest.json', content: manifest() }, { path: configPath, content: config }])), /is missing/);
    refused(await load(buildTar([{ path: 'manifest.json', content: manifest() }, { path: layerPath, content: layer }])), /is missing/);
    const tampered = buildTar([{ path: 'hello', content: 'evil\n' }]);
    refused(
      await load(buildTar([{ path: 'manifest.json', content: manifest() }, { path: configPath, content: config }, { path: layerPath, content: tampered }])),
      /failed verification: expected sha256:[0-9a-f]{64}, got/,
    );
    // The legacy form names layers by nothing checkable: the config's diff id catches it while it unpacks.
    refused(
      await load(buildTar([{ path: 'manifest.json', content: manifest({ Layers: ['abc/layer.tar'] }) }, { path: configPath, content: config }, { path: 'abc/layer.tar', content: tampered }])),
      /uncompressed, against the config's rootfs\.diff_ids\) failed verification/,
    );
  });

  it('not an archive, and an archive without images', async () => {
    refused(await load(Buffer.from('this is not a tar archive at all'.repeat(40))), /not a tar archive|holds no files/);
    refused(await load(buildTar([{ path: 'README', content: 'hi' }])), /neither manifest\.json \(docker\) nor index\.json/);
  });
});
