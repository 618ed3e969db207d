// sysctl operations and rlimit records in the helper (c/sysctl.c, c/security.c): the helper's own sysctl check is
// the last line before the host.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { createBusyboxRootfs, overlayPlan, runHelper } from './fixture.js';

const root = requiresRoot('the native helper creates namespaces and mounts');

describe.skipIf(!root)('sysctl and rlimit records', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
  });
  afterAll(() => image?.remove());

  it("writes namespaced sysctls into the container's namespaces, not the host's", async () => {
    const host = readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim();
    const result = await runHelper(
      overlayPlan(image.dir, tempDir(), ['cat', '/proc/sys/kernel/shmmni', '/proc/sys/net/ipv4/ip_default_ttl'], {
        sysctls: { 'kernel.shmmni': '321', 'net.ipv4.ip_default_ttl': '33' },
      }),
    );
    expect(result.stdout).toBe('321\n33\n');
    expect(readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim()).toBe(host);
  });

  // Attack: a plan that names a host-global key (or a path out of /proc/sys) is refused by the helper itself.
  // The value written would be the host's current one, so even a helper without the check changes nothing.
  it.each([
    ['kernel.pid_max', '/proc/sys/kernel/pid_max'],
    ['net/../kernel/pid_max', '/proc/sys/kernel/pid_max'],
    ['net.ipv4.ip_forward', undefined], // with the host's network
  ])('refuses the sysctl %s', async (key, file) => {
    const current = file ? readFileSync(file, 'utf8').trim() : '0';
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['true'], { sysctls: { [key]: current }, network: file ? 'none' : 'host' }));
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/is not namespaced: refused|bad sysctl name/);
  });

  it('sets rlimits; one the kernel refuses fails the start with its reason', async () => {
    const ok = await runHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', 'ulimit -n; ulimit -Hn'], { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 64, hard: 128 }] }));
    expect(ok.stdout).toBe('64\n128\n');
    const nrOpen = Number(readFileSync('/proc/sys/fs/nr_open', 'utf8'));
    const refused = await runHelper(overlayPlan(image.dir, tempDir(), ['true'], { rlimits: [{ type: 'RLIMIT_NOFILE', soft: nrOpen + 1, hard: nrOpen + 1 }] }));
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toMatch(/setrlimit RLIMIT_NOFILE \d+:\d+: Operation not permitted/);
  });
});
