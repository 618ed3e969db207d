// Overlay named volumes (issue 14): the upper dir lives in skiff's volume store and the lower is the image's
// content at the target, so a volume on /etc shows the image's /etc plus what earlier containers wrote; only
// the writes are stored (no copy-up), and a second running writer is refused by the driver.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
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

function expectOne(result: { exitCode?: number; stderr: unknown }, message: RegExp): void {
  expect(result.exitCode).toBe(1);
  expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}
