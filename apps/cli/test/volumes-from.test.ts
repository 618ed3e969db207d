// --volumes-from (issue 14): a container gets every volume of another (named, anonymous, host path) at the same
// targets, with :ro/:rw forcing the mode; its own mounts win; the volumes outlive either container as docker's.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox } from './cli.js';

describe.runIf(requiresRoot('volumes are mounted in real containers'))('--volumes-from', () => {
  it("mounts another container's named, anonymous and host volumes; :ro forces read-only; rm -v keeps what the other still uses", async () => {
    const { skiff } = sandbox();
    const host = tempDir('host-');
    writeFileSync(join(host, 'h'), 'host\n');
    const source = (await skiff(['create', '--name', 'data', '-v', 'named:/named', '-v', '/anon', '-v', `${host}:/host:ro`, 'busybox', 'true'])).stdout;
    expect(source).toMatch(/^[0-9a-f]{64}$/);
    const writer = await skiff(['run', '--rm', '--volumes-from', 'data', 'busybox', 'sh', '-c', 'echo n > /named/f; echo a > /anon/f; cat /host/h; echo x > /host/x 2>/dev/null || echo ro-kept']);
    expect(writer.stdout).toBe('host\nro-kept');
    const reader = await skiff(['run', '--rm', '--volumes-from', 'data:ro', 'busybox', 'sh', '-c', 'cat /named/f /anon/f; echo y > /named/y 2>/dev/null || echo refused']);
    expect(reader.stdout).toBe('n\na\nrefused');
    // Its own mount at a target wins.
    const own = await skiff(['run', '--rm', '--volumes-from', 'data', '-v', 'other:/named', 'busybox', 'sh', '-c', 'ls /named | wc -l']);
    expect(own.stdout.trim()).toBe('0');

    const borrower = (await skiff(['create', '--volumes-from', 'data', 'busybox', 'cat', '/anon/f'])).stdout;
    expect((await skiff(['rm', '-v', 'data'])).exitCode).toBe(0);
    expect((await skiff(['start', '-a', borrower])).stdout).toBe('a');
    expect((await skiff(['rm', '-v', borrower])).exitCode).toBe(0);
    expect((await skiff(['volume', 'ls', '-q'])).stdout.split('\n').sort()).toEqual(['named', 'other']);

    for (const [flag, message] of [['nosuch', /no such container/i], ['data:rx', /invalid --volumes-from "data:rx"/]] as const) {
      const failed = await skiff(['run', '--rm', '--volumes-from', flag, 'busybox', 'true']);
      expect(failed.exitCode).toBe(125);
      expect(String(failed.stderr).trim().split('\n')).toHaveLength(1);
      expect(failed.stderr).toMatch(message);
    }
  });
});
