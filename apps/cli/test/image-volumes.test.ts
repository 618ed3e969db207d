// The image config's Volumes (issue 14): each path gets an anonymous volume filled from the image (docker's
// copy-up), unless the run mounts something else there; rm -v removes it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox, waitFor } from './cli.js';

describe.runIf(requiresRoot('volumes are mounted in real containers'))("the image's Volumes", () => {
  it('become anonymous volumes with the image content, skipped where -v or --tmpfs mounts, removed by rm -v', async () => {
    const { skiff } = sandbox();
    const dir = tempDir();
    mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
    mkdirSync(join(dir, 'rootfs', 'data'));
    writeFileSync(join(dir, 'rootfs', 'data', 'seed'), 'from the image\n');
    await execa('sh', ['-c', 'cp /bin/busybox rootfs/bin/ && for t in sh cat ls; do ln -s busybox rootfs/bin/$t; done && tar -C rootfs -cf img.tar .'], { cwd: dir });
    expect((await skiff(['import', '-c', 'VOLUME ["/data", "/cache"]', join(dir, 'img.tar'), 'withvol'])).exitCode).toBe(0);
    const [inspect] = JSON.parse((await skiff(['image', 'inspect', 'withvol'])).stdout) as { Config: { Volumes: object } }[];
    expect(inspect!.Config.Volumes).toEqual({ '/data': {}, '/cache': {} });

    const id = (await skiff(['run', '-d', 'withvol', 'sh', '-c', 'echo more >> /data/seed; cat /data/seed; sleep 600'])).stdout;
    const [container] = JSON.parse((await skiff(['inspect', id])).stdout) as { Mounts: { Type: string; Name: string; Destination: string }[] }[];
    expect(container!.Mounts.map((mount) => [mount.Type, mount.Destination]).sort()).toEqual([['volume', '/cache'], ['volume', '/data']]);
    expect((await skiff(['volume', 'ls', '-q'])).stdout.split('\n')).toHaveLength(2);
    // `run -d` returns once the command runs; its output follows.
    await waitFor(async () => (await skiff(['logs', id])).stdout === 'from the image\nmore', 'the seed, copied up and appended to');

    // Another mount at the path replaces the image's volume.
    const covered = await skiff(['run', '--rm', '-v', 'mine:/data', '--tmpfs', '/cache', 'withvol', 'sh', '-c', 'cat /data/seed']);
    expect(covered.stdout).toBe('from the image');
    expect((await skiff(['volume', 'ls', '-q'])).stdout.split('\n').sort()).toHaveLength(3);

    expect((await skiff(['rm', '-f', '-v', id])).exitCode).toBe(0);
    expect((await skiff(['volume', 'ls', '-q'])).stdout).toBe('mine');
  });
});
