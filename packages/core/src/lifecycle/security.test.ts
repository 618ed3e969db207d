// Core's checks on typed security options: what a library caller (who skips the CLI's flag parsers) can pass.
import { describe, expect, it } from 'vitest';
import { resolveSecurity } from './security.js';

const resolve = (flags: Parameters<typeof resolveSecurity>[0]) => resolveSecurity(flags, []);

describe('resolveSecurity', () => {
  it("applies docker's tmpfs defaults; a given word of the same name replaces one, exec replaces noexec", async () => {
    expect((await resolve({ tmpfs: [{ target: '/run' }] })).tmpfs).toEqual([
      { type: 'tmpfs', source: 'tmpfs', target: '/run', options: ['noexec', 'nosuid', 'nodev', 'size=65536k'] },
    ]);
    expect((await resolve({ tmpfs: [{ target: '/x//y', options: ['exec', 'size=1m'] }] })).tmpfs[0]).toMatchObject({
      target: '/x/y',
      options: ['nosuid', 'nodev', 'exec', 'size=1m'],
    });
  });

  it('refuses tmpfs targets outside the container tree and option words that could smuggle more options', async () => {
    await expect(resolve({ tmpfs: [{ target: 'run' }] })).rejects.toThrow(`invalid --tmpfs target "run": it must be an absolute path without '..'`);
    await expect(resolve({ tmpfs: [{ target: '/a/../../etc' }] })).rejects.toThrow(/without '\.\.'/);
    await expect(resolve({ tmpfs: [{ target: '/' }] })).rejects.toThrow('cannot mount over /');
    await expect(resolve({ tmpfs: [{ target: '/x', options: ['size=1m,suid'] }] })).rejects.toThrow('invalid --tmpfs option "size=1m,suid"');
  });

  it('resolves a device to its node numbers and refuses what is not a device', async () => {
    const { devices } = await resolve({ devices: [{ hostPath: '/dev/null', containerPath: '/dev/mine', permissions: 'r' }] });
    expect(devices).toEqual([{ path: '/dev/mine', type: 'c', major: 1, minor: 3, mode: expect.any(Number), permissions: 'r' }]);
    await expect(resolve({ devices: [{ hostPath: '/etc/passwd' }] })).rejects.toThrow('/etc/passwd is not a device node');
    await expect(resolve({ devices: [{ hostPath: '/dev/null', containerPath: 'dev/x' }] })).rejects.toThrow(/absolute path/);
    await expect(resolve({ devices: [{ hostPath: '/dev/null', permissions: 'rwx' }] })).rejects.toThrow(/permissions "rwx"/);
  });

  it('capabilities by kernel name; an unknown name is refused; privileged means all and no seccomp filter', async () => {
    expect((await resolve({ capDrop: ['ALL'], capAdd: ['CAP_KILL'] })).capabilities).toEqual(['CAP_KILL']);
    await expect(resolve({ capAdd: ['NET_ADMIN' as never] })).rejects.toThrow('--cap-add: unknown capability "NET_ADMIN"');
    const privileged = await resolve({ privileged: true, securityOpt: { noNewPrivileges: true } });
    expect(privileged).toMatchObject({ capabilities: 'all', seccomp: 'unconfined', noNewPrivileges: true });
    expect((await resolve({ securityOpt: { seccomp: 'unconfined' } })).seccomp).toBe('unconfined');
    await expect(resolve({ securityOpt: { seccomp: 'strict' as never } })).rejects.toThrow('unsupported seccomp profile "strict"');
    // The old string form must not silently turn into "no options" (losing no-new-privileges).
    await expect(resolve({ securityOpt: ['no-new-privileges'] as never })).rejects.toThrow(/securityOpt is an object/);
  });
});
