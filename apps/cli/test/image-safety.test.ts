// Regression (issue 12): a container's layers outlive whatever happens to its image's names. Before, a re-pull
// or retag of the name deleted the old layers while a container still ran on them (its files vanished from
// under it), since the image store did not know about containers.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { busyboxEntries, ociLayout, push, registryUnavailable, startRegistry } from '../../../packages/image/test/registry-fixture.js';
import { sandbox } from './cli.js';

const unavailable = registryUnavailable();
if (unavailable) console.warn(`skipped: the image safety tests ${unavailable}`);

/** A busybox image whose /version says `version`. */
function appImage(layout: ReturnType<typeof ociLayout>, version: string) {
  return layout.image({
    layers: [
      {
        entries: [
          ...busyboxEntries(['sh', 'cat', 'sleep', 'true']),
        ],
      },
      { entries: [{ path: 'version', content: `${version}\n` }] },
    ],
    config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
  });
}

describe.runIf(!unavailable && requiresRoot('containers run on pulled layers'))('layers a container uses', () => {
  it('survive a re-pull of a changed tag, a retag of the name and rmi -f, until image prune after the container is gone', async () => {
    const { skiff, root } = sandbox();
    const registry = await startRegistry();
    const layout = ociLayout(join(tempDir('layout-'), 'oci'));
    const name = `${registry.host}/team/app:v1`;
    layout.tag('one', appImage(layout, 'one'));
    layout.tag('two', appImage(layout, 'two'));
    push(layout.dir, 'one', name);
    expect((await skiff(['pull', '-q', name])).exitCode).toBe(0);

    const running = (await skiff(['run', '-d', name, 'sleep', '600'])).stdout;
    const created = (await skiff(['create', name, 'cat', '/version'])).stdout;
    expect(running).toMatch(/^[0-9a-f]{64}$/);
    expect(created).toMatch(/^[0-9a-f]{64}$/);
    const layerDirs = (JSON.parse(readFileSync(join(root, 'containers', created, 'config.json'), 'utf8')) as { config: { layers: string[] } }).config.layers;

    // The tag moves to another image: the re-pull replaces the name.
    push(layout.dir, 'two', name);
    expect((await skiff(['pull', '-q', name])).exitCode).toBe(0);
    expect((await skiff(['run', '--rm', name, 'cat', '/version'])).stdout).toBe('two');
    // Another image takes the name, then the name goes.
    expect((await skiff(['run', '--rm', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await skiff(['tag', 'busybox', name])).exitCode).toBe(0);
    expect((await skiff(['rmi', '-f', name])).exitCode).toBe(0);
    expect((await skiff(['image', 'prune', '-a', '-f'])).exitCode).toBe(0);

    for (const dir of layerDirs) expect(existsSync(dir), dir).toBe(true);
    expect((await skiff(['exec', running, 'cat', '/version'])).stdout).toBe('one');
    expect((await skiff(['start', '-a', created])).stdout).toBe('one');

    // Gone once no container uses them.
    expect((await skiff(['rm', '-f', running, created])).exitCode).toBe(0);
    expect((await skiff(['image', 'prune', '-a', '-f'])).exitCode).toBe(0);
    for (const dir of layerDirs) expect(existsSync(dir), dir).toBe(false);
  });
});
