// Attack tests for skiff's own work on host paths (issue 11, escapes 2, 3, 4 and 6): each races a container (or
// a pre-made state root) against what skiff checks and then uses, and must fail on code that re-resolves paths.
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox } from './cli.js';

const mode = (path: string) => lstatSync(path).mode & 0o7777;

describe.runIf(requiresRoot('these attack tests run real containers against host paths'))('host paths', () => {
  it('a state root made 0755 beforehand: every directory skiff owns in it is 0700 (escape 6)', async () => {
    const { root, runRoot, skiff } = sandbox();
    mkdirSync(root, { mode: 0o755 });
    chmodSync(root, 0o755);
    mkdirSync(runRoot, { mode: 0o755 });
    // What an older skiff left: world-readable store directories.
    for (const dir of ['images', 'layers']) mkdirSync(join(root, dir), { mode: 0o755 });
    chmodSync(join(root, 'layers'), 0o755);
    const run = await skiff(['run', '--name', 'c', 'busybox', 'sh', '-c', 'cp /bin/busybox /sh && chmod 4755 /sh']);
    expect(run.exitCode).toBe(0);
    const commit = await skiff(['commit', 'c', 'setuid']);
    expect(commit.exitCode).toBe(0);
    const open = [root, runRoot].flatMap((base) =>
      readdirSync(base, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(base, entry.name))
        .filter((dir) => mode(dir) !== 0o700),
    );
    expect(open).toEqual([]);
    for (const dir of ['images', 'layers', 'containers', 'storage']) expect(mode(join(root, dir))).toBe(0o700);
    // A layer's own directory keeps the mode a container sees on its '/'.
    for (const layer of readdirSync(join(root, 'layers'))) expect(mode(join(root, 'layers', layer))).toBe(0o755);
    expect((await skiff(['rm', 'c'])).exitCode).toBe(0);
  });
});

export { existsSync, readFileSync, statSync, writeFileSync, tempDir };
