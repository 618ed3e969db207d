import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { sandbox, expectOneLineError } from './cli.js';

const v1 = !readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => / \/sys\/fs\/cgroup .* - cgroup2 /.test(line));

async function waitFor<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.runIf(requiresRoot('cgroup tests create real cgroups and run containers'))('resource limits', () => {
  it('reports an OOM kill: exit 137, a notice on stderr, and oomKilled in the saved state', async () => {
    const { skiff, containers, root } = sandbox();
    const result = await skiff(['run', '--name', 'hog', '-m', '32m', 'busybox', 'tail', '/dev/zero']);
    expect(result.exitCode).toBe(137);
    expect(result.stderr).toMatch(/container hog was killed: out of memory/);
    const [id] = containers();
    expect(JSON.parse(readFileSync(join(root, 'containers', id!, 'config.json'), 'utf8'))).toMatchObject({ oomKilled: true, exitCode: 137 });
    expect((await skiff(['run', '--rm', '-m', '32m', 'busybox', 'tail', '/dev/zero'])).exitCode).toBe(137);
  });

  // Issue 18: the helper that saw the init exit removes the container's cgroups before it exits (the CLI's
  // teardown stays the fallback); an OOM kill must still be seen, so that container's memory cgroup is left for
  // the CLI to read and remove. Detached, the supervisor does the same before its exit command.
  it("the helper removes a container's cgroups at its exit, but an OOM-killed one's memory cgroup is left for the CLI's report", async () => {
    const { skiff, containers, root } = sandbox();
    const traced = { env: { SKIFF_TRACE: '1' } };
    const plain = await skiff(['run', '--rm', 'busybox', 'true'], traced);
    expect(plain.exitCode).toBe(0);
    expect(plain.stderr).toMatch(/^skiff-trace-span helper-cgroup-teardown [\d.]+$/m);
    expect(plain.stderr).not.toMatch(/helper-cgroup-left/);
    const hog = await skiff(['run', '--rm', '-m', '32m', 'busybox', 'tail', '/dev/zero'], traced);
    expect(hog.exitCode).toBe(137);
    expect(hog.stderr).toMatch(/^skiff-trace-note helper-cgroup-left \S+ memory cgroup kept for the OOM check$/m);
    expect(hog.stderr).toMatch(/was killed: out of memory/);

    const id = (await skiff(['run', '-d', '--name', 'dhog', '-m', '32m', 'busybox', 'tail', '/dev/zero'])).stdout;
    const state = () => JSON.parse(readFileSync(join(root, 'containers', id, 'config.json'), 'utf8')) as { status: string; oomKilled?: boolean; exitCode?: number };
    await waitFor(() => (state().status === 'stopped' ? true : undefined), 'the detached container to be torn down');
    expect(state()).toMatchObject({ oomKilled: true, exitCode: 137 });
    expect(containers()).toEqual([id]);
    expect((await skiff(['rm', id])).exitCode).toBe(0);
  });

  it('--pids-limit makes forks fail inside while the container itself finishes', async () => {
    const { skiff } = sandbox();
    const started = performance.now();
    const result = await skiff([
      'run', '--rm', '--pids-limit', '10', 'busybox', 'sh', '-c', 'for i in $(seq 30); do sleep 30 & echo started; done; wait',
    ]);
    const forks = result.stdout.split('\n').filter((line) => line === 'started').length;
    expect(forks).toBeGreaterThan(0);
    expect(forks).toBeLessThan(10);
    expect(result.stderr).toMatch(/can't fork/);
    expect(result.exitCode).not.toBe(0);
    // The shell gave up; its sleeps died with the container instead of running out their 30 s.
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('--cpuset-cpus 0 leaves one CPU to the container', async () => {
    const { skiff } = sandbox();
    expect((await skiff(['run', '--rm', '--cpuset-cpus', '0', 'busybox', 'nproc'])).stdout).toBe('1');
  });

  it.runIf(v1)('--cpus 0.5 holds a busy loop to at most 0.6 s of CPU per second (cgroup accounting)', async () => {
    const { skiff, containers, cgroupDirs } = sandbox();
    const running = skiff(['run', '--rm', '--cpus', '0.5', 'busybox', 'sh', '-c', 'while :; do :; done & while :; do :; done & sleep 3; kill $(jobs -p)']);
    const id = await waitFor(() => containers()[0], 'the container');
    const usageFile = await waitFor(() => {
      const dir = cgroupDirs(id).find((d) => d.includes('cpuacct'));
      return dir ? join(dir, 'cpuacct.usage') : undefined;
    }, 'the cpuacct cgroup');
    const read = () => Number(readFileSync(usageFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 300));
    const cpu0 = read();
    const wall0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const perSecond = (read() - cpu0) / 1e9 / ((performance.now() - wall0) / 1000);
    expect((await running).exitCode).toBe(0);
    expect(perSecond).toBeGreaterThan(0);
    expect(perSecond).toBeLessThanOrEqual(0.6);
  });

  it.each([
    [['-m', '10x'], /memory/],
    [['--cpus', '-1'], /cpus/],
    [['--cpuset-cpus', '7'], /cpuset 7 is not available/],
    [['-m', '1k'], /[Mm]inimum memory limit/],
    [['--pids-limit', 'many'], /pids/],
  ])('refuses %j with one line before anything is created', async (flags, message) => {
    const { skiff, containers } = sandbox();
    const result = await skiff(['run', '--rm', ...flags, 'busybox', 'true']);
    expectOneLineError(result, message);
    expect(containers()).toEqual([]);
  });

  it('removes the container cgroup when it exits', async () => {
    const { skiff, containers, cgroupDirs } = sandbox();
    expect((await skiff(['run', '-m', '64m', 'busybox', 'true'])).exitCode).toBe(0);
    const [id] = containers();
    expect(cgroupDirs(id!)).toEqual([]);
  });
});
