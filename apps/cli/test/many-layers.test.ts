// An image of 120 layers is loaded, pushed, pulled and run (issue 12): its overlay lowerdir string (~6 KB here) is longer than the one page
// mount(2) takes, so the helper gives the layers to fsconfig one by one (lowerdir+, Linux 6.8). Before, run
// refused it ("would need N bytes of mount options").
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { kernelAtLeast } from '../../../packages/storage/src/overlay.js';
import { busyboxEntries, registryUnavailable, sha256, startRegistry } from '../../../packages/image/test/registry-fixture.js';
import { buildTar, type FixtureEntry } from '../../../packages/image/src/test-tarball.js';
import { sandbox } from './cli.js';

const unavailable = registryUnavailable() ?? (kernelAtLeast(6, 8) ? undefined : 'needs Linux 6.8+ (fsconfig lowerdir+)');
if (unavailable) console.warn(`skipped: the 120-layer test ${unavailable}`);

describe.runIf(!unavailable && requiresRoot('pulled layers are unpacked with their owners'))('an image of many layers', () => {
  it('loads, pushes, pulls and runs an image of 120 layers, each layer seen, whiteouts across them honoured', async () => {
    const registry = await startRegistry();
    const count = 120;
    const layers = [
      {
        entries: [
          ...busyboxEntries(['sh', 'cat', 'ls', 'wc']),
          { path: 'layers/', type: 'dir' as const },
        ],
      },
      ...Array.from({ length: count - 1 }, (_, i) => ({
        entries: [
          { path: 'layers/', type: 'dir' as const },
          { path: `layers/${i + 1}`, content: `${i + 1}\n` },
          // Every tenth layer deletes the file the layer below it added.
          ...(i > 0 && (i + 1) % 10 === 0 ? [{ path: `layers/.wh.${i}`, content: '' }] : []),
        ],
      })),
    ];
    // A docker archive built by hand (skopeo takes minutes to push 120 layers on a loaded machine).
    const tars = layers.map((layer) => buildTar(layer.entries as FixtureEntry[]));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: tars.map((tar) => sha256(tar)) } }));
    const name = `${registry.host}/team/layers:v1`;
    const archive = join(tempDir('archive-'), 'layers.tar');
    writeFileSync(
      archive,
      buildTar([
        { path: 'manifest.json', content: JSON.stringify([{ Config: 'config.json', RepoTags: [name], Layers: tars.map((_, i) => `${i}.tar`) }]) },
        { path: 'config.json', content: config },
        ...tars.map((tar, i) => ({ path: `${i}.tar`, content: tar })),
      ]),
    );
    const maker = sandbox();
    expect((await maker.skiff(['load', '-i', archive])).stdout).toBe(`Loaded image: ${name}`);
    const pushed = await maker.skiff(['push', '-q', name]);
    expect(pushed.exitCode, String(pushed.stderr)).toBe(0);

    const { skiff } = sandbox();
    const run = await skiff(['run', '--rm', name, 'sh', '-c', 'ls /layers | wc -l; cat /layers/1 /layers/119']);
    expect(run.exitCode, String(run.stderr)).toBe(0);
    // 119 files, less the 11 deleted by whiteouts (9, 19, ..., 109).
    expect(run.stdout).toBe(`${119 - 11}\n1\n119`);
  });
});
