import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { cliDir, sandbox } from './cli.js';

describe('plugins', () => {
  it('says which plugin failed to load, from where, and why', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['--plugin', 'skiff-no-such-plugin', 'images']);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/^skiff: cannot load plugin "skiff-no-such-plugin" \(resolved from .*\): package not found/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  describe.runIf(requiresRoot('the plugin test runs a container with the plugin\'s volume'))('example tmpfs plugin', () => {
    it('is loaded only by its package name, with --plugin', async () => {
      const { skiff } = sandbox();
      const result = await skiff(
        ['--plugin', 'skiff-volume-tmpfs', 'run', '--rm', '-v', 'scratch:/scratch:driver=tmpfs,size=8m', 'busybox', 'sh', '-c', 'grep " /scratch " /proc/mounts'],
        { cwd: cliDir },
      );
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^tmpfs \/scratch tmpfs rw,nosuid,nodev,.*size=8192k/);
    });

    it('is loaded from SKIFF_PLUGINS too, and its driver is unknown without it', async () => {
      const { skiff } = sandbox();
      const spec = ['run', '--rm', '--volume-driver', 'tmpfs', '-v', 'scratch:/scratch', 'busybox', 'true'];
      expect((await skiff(spec, { cwd: cliDir, env: { SKIFF_PLUGINS: 'skiff-volume-tmpfs' } })).exitCode).toBe(0);
      const without = await skiff(spec, { cwd: cliDir });
      expect(without.exitCode).toBe(125);
      expect(without.stderr).toMatch(/unknown volume driver "tmpfs"; available: .*bind/);
    });
  });
});
