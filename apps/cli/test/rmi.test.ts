import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox } from './cli.js';

/** docker's image commands exit 1 on a refusal, with one line on stderr. */
function expectOneLineError(result: { exitCode?: number; stderr: unknown }, message: RegExp): void {
  expect(result.exitCode).toBe(1);
  expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

describe.runIf(requiresRoot('rmi runs containers and builds busybox from the host'))('tag and rmi', () => {
  it('tag adds names; rmi untags a name and deletes the image with its last one', async () => {
    const { skiff, root } = sandbox();
    expect((await skiff(['run', '--rm', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await skiff(['tag', 'busybox', 'mine:v1'])).stdout).toBe('');
    expect((await skiff(['tag', 'mine:v1', '127.0.0.1:5000/team/app'])).exitCode).toBe(0);
    const ids = (await skiff(['images', '-q'])).stdout.split('\n');
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect((await skiff(['run', '--rm', 'mine:v1', 'true'])).exitCode).toBe(0);

    const untag = await skiff(['rmi', 'mine:v1']);
    expect(untag.stdout).toBe('Untagged: mine:v1');
    // By id while two names remain: docker's conflict, nothing removed.
    const byId = await skiff(['rmi', ids[0]!]);
    expectOneLineError(byId, new RegExp(`conflict: unable to delete ${ids[0]} \\(must be forced\\) - image is referenced in multiple repositories`));
    expect(byId.exitCode).toBe(1);

    const last = await skiff(['rmi', '127.0.0.1:5000/team/app', 'busybox']);
    expect(last.stdout).toMatch(/^Untagged: 127\.0\.0\.1:5000\/team\/app:latest\nUntagged: busybox:latest\nDeleted: sha256:[0-9a-f]{64}$/);
    expect((await skiff(['images', '-q'])).stdout).toBe('');
    expect(readdirSync(join(root, 'layers'))).toEqual([]);

    const missing = await skiff(['rmi', 'nosuch']);
    expectOneLineError(missing, /No such image: nosuch/);
    expect(missing.exitCode).toBe(1);
    expectOneLineError(await skiff(['tag', 'nosuch', 'x']), /No such image: nosuch/);
  });

  it('refuses an image a container was made from unless -f, and -f keeps the layers the container runs on', async () => {
    const { skiff } = sandbox();
    const created = await skiff(['create', 'busybox', 'echo', 'still here']);
    expect(created.exitCode).toBe(0);
    const container = created.stdout.slice(0, 12);
    const [id] = (await skiff(['images', '-q'])).stdout.split('\n');

    const byName = await skiff(['rmi', 'busybox']);
    expectOneLineError(byName, new RegExp(`unable to remove repository reference "busybox" \\(must force\\) - container ${container} is using its referenced image ${id}`));
    const byId = await skiff(['rmi', id!]);
    expectOneLineError(byId, new RegExp(`unable to delete ${id} \\(must be forced\\) - image is being used by stopped container ${container}`));
    expect((await skiff(['images', '-q'])).stdout).toBe(id);

    const forced = await skiff(['rmi', '-f', id!]);
    expect(forced.stdout).toMatch(/^Untagged: busybox:latest\nDeleted: sha256:/);
    expect((await skiff(['images', '-q'])).stdout).toBe('');
    const started = await skiff(['start', '-a', container]);
    expect(started.stdout).toBe('still here');

    // By name, -f only untags (docker keeps the image for its container): no Deleted line.
    const second = (await skiff(['create', 'busybox', 'echo', 'second'])).stdout;
    expect((await skiff(['rmi', '-f', 'busybox'])).stdout).toBe('Untagged: busybox:latest');
    expect((await skiff(['start', '-a', second])).stdout).toBe('second');
  });

  // Attack: a name is a file name under images/; path characters must never reach outside it.
  it('refuses names with path characters without touching anything', async () => {
    const { skiff, root } = sandbox();
    const outside = tempDir();
    expect((await skiff(['run', '--rm', 'busybox', 'true'])).exitCode).toBe(0);
    for (const name of ['../../etc/passwd', `..${outside}/x`, 'a/../../b', '/abs', 'x%2F..%2F..%2Fy']) {
      expectOneLineError(await skiff(['rmi', name]), /invalid reference format|No such image/);
      expectOneLineError(await skiff(['tag', 'busybox', name]), /invalid reference format/);
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(join(root, 'images')).filter((entry) => !entry.startsWith('.'))).toEqual(['busybox.json']);
  });
});
