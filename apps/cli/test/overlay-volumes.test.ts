// Overlay named volumes (issue 14): the upper dir lives in skiff's volume store and the lower is the image's
// content at the target, so a volume on /etc shows the image's /etc plus what earlier containers wrote; only
// the writes are stored (no copy-up), and a second running writer is refused by the driver.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { busyboxEntries, sha256 } from '../../../packages/image/test/registry-fixture.js';
import { buildTar } from '../../../packages/image/src/test-tarball.js';
import { sandbox } from './cli.js';

describe.runIf(requiresRoot('overlay volumes are mounted in real containers'))('overlay named volumes', () => {
  it("a volume on /etc shows the image's /etc plus what earlier containers wrote; -v, --mount and volume create -d agree", async () => {
    const { skiff, root } = sandbox();
    const first = await skiff(['run', '--rm', '-v', 'etc:/etc:driver=overlay', 'busybox', 'sh', '-c', 'echo mine > /etc/added; rm /etc/hostname']);
    expect(first.exitCode, String(first.stderr)).toBe(0);
    // Named without a driver: the volume's own (overlay) is used, as docker.
    const second = await skiff(['run', '--rm', '-v', 'etc:/etc', 'busybox', 'sh', '-c', 'ls /etc; cat /etc/added']);
    expect(second.stdout).toBe('added\ngroup\npasswd\nmine');
    expect(readdirSync(join(root, 'volumes/overlay/named/etc/upper')).sort()).toEqual(['added', 'hostname']);
    const [inspect] = JSON.parse((await skiff(['volume', 'inspect', 'etc'])).stdout) as { Driver: string; Mountpoint: string }[];
    expect(inspect).toMatchObject({ Driver: 'overlay', Mountpoint: join(root, 'volumes/overlay/named/etc/upper') });

    expect((await skiff(['volume', 'create', '-d', 'overlay', 'made'])).stdout).toBe('made');
    const mounted = await skiff(['run', '--rm', '--mount', 'type=volume,source=made,target=/etc,volume-driver=overlay', 'busybox', 'sh', '-c', 'echo x > /etc/x; ls /etc | wc -l']);
    expect(mounted.stdout.trim()).toBe('4'); // group, hostname, passwd from the image, and x
    const id = (await skiff(['run', '-d', '-v', 'made:/etc', 'busybox', 'sleep', '600'])).stdout;
    const refused = await skiff(['run', '--rm', '-v', 'made:/etc', 'busybox', 'true']);
    expect(refused.exitCode).toBe(125);
    expect(String(refused.stderr).trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(new RegExp(`container ${id} is using it as its upper dir`));
    expect((await skiff(['rm', '-f', id])).exitCode).toBe(0);
    const readOnly = await skiff(['run', '--rm', '-v', 'made:/etc:ro', 'busybox', 'sh', '-c', 'cat /etc/x; echo y > /etc/y']);
    expect(readOnly.stdout).toBe('x');
    expect(readOnly.exitCode).toBe(1);

    expectOne(await skiff(['volume', 'create', '-d', 'overlay', '-o', 'size=1m', 'bad']), /overlay volume: unknown option "size"/);
    expect((await skiff(['volume', 'rm', 'etc', 'made'])).exitCode).toBe(0);
    expect(readdirSync(join(root, 'volumes/overlay/named')).filter((entry) => !entry.startsWith('.'))).toEqual([]);
  });
});

describe.runIf(requiresRoot('overlay volumes are mounted in real containers'))('overlay named volumes on a layered image', () => {
  it("show the merged view of the target across the image's layers (whiteouts honoured)", async () => {
    const { skiff } = sandbox();
    const layers = [
      [...busyboxEntries(['sh', 'ls', 'cat']), { path: 'etc/', type: 'dir' as const }, { path: 'etc/base', content: 'base\n' }, { path: 'etc/kept', content: 'kept\n' }],
      [{ path: 'etc/', type: 'dir' as const }, { path: 'etc/added', content: 'added\n' }],
      [{ path: 'etc/', type: 'dir' as const }, { path: 'etc/.wh.base', content: '' }],
    ].map((entries) => buildTar(entries));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: layers.map((tar) => sha256(tar)) } }));
    const archive = join(tempDir('archive-'), 'layered.tar');
    writeFileSync(
      archive,
      buildTar([
        { path: 'manifest.json', content: JSON.stringify([{ Config: 'config.json', RepoTags: ['layered:v1'], Layers: layers.map((_, i) => `${i}.tar`) }]) },
        { path: 'config.json', content: config },
        ...layers.map((tar, i) => ({ path: `${i}.tar`, content: tar })),
      ]),
    );
    expect((await skiff(['load', '-i', archive])).exitCode).toBe(0);
    const seen = await skiff(['run', '--rm', '-v', 'etc:/etc:driver=overlay', 'layered:v1', 'sh', '-c', 'ls /etc']);
    expect(seen.stdout, String(seen.stderr)).toBe('added\nkept');
  });
});

function expectOne(result: { exitCode?: number; stderr: unknown }, message: RegExp): void {
  expect(result.exitCode).toBe(1);
  expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}
