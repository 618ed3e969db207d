import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { expectOneLineError, sandbox, type Sandbox, waitFor } from './cli.js';

const PULL = ['--pull', 'never'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


const health = async (box: Sandbox, name: string) => JSON.parse((await box.skiff(['inspect', name])).stdout)[0].State.Health;

/** Resident KiB of the container's supervisor (the parent of its init). */
function supervisorRssKiB(initPid: number): number {
  const supervisor = Number(readFileSync(`/proc/${initPid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${supervisor}/status`, 'utf8'))![1]);
}

describe.runIf(requiresRoot('health check tests run detached containers'))('health checks by the supervisor', () => {
  it('starting, unhealthy after the retries, healthy after a success: in ps and inspect, with the probes\' output', async () => {
    const box = sandbox();
    await box.skiff(['run', '-d', ...PULL, '--name', 'web', '--health-cmd', 'test -f /tmp/ok && echo fine', '--health-interval', '300ms', '--health-retries', '2', 'busybox', 'sleep', '100']);
    expect((await box.skiff(['ps'])).stdout).toMatch(/Up .* \(health: starting\) +web$/);
    await waitFor(async () => (await health(box, 'web')).Status === 'unhealthy', 'unhealthy');
    expect((await health(box, 'web')).FailingStreak).toBeGreaterThanOrEqual(2);
    expect((await box.skiff(['ps'])).stdout).toMatch(/\(unhealthy\) +web$/);
    await box.skiff(['exec', 'web', 'touch', '/tmp/ok']);
    await waitFor(async () => (await health(box, 'web')).Status === 'healthy', 'healthy');
    const state = await health(box, 'web');
    expect(state.FailingStreak).toBe(0);
    expect(state.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: 'fine\n' });
    expect(state.Log.length).toBeLessThanOrEqual(5);
    expect((await box.skiff(['ps'])).stdout).toMatch(/\(healthy\) +web$/);
    const config = JSON.parse((await box.skiff(['inspect', 'web'])).stdout)[0].Config.Healthcheck;
    expect(config).toEqual({ Test: ['CMD-SHELL', 'test -f /tmp/ok && echo fine'], Interval: 300e6, Timeout: 30e9, StartPeriod: 0, Retries: 2 });
  });

  it('--health-start-interval: checks come that often during the start period until one passes, then every interval', async () => {
    const box = sandbox();
    // Fails twice, then passes; with a 1h interval only the start interval can bring the three checks.
    const check = 'n=$(cat /tmp/n 2>/dev/null || echo 0); echo $((n + 1)) > /tmp/n; test $n -ge 2';
    await box.skiff(['run', '-d', ...PULL, '--name', 'boot', '--health-cmd', check, '--health-interval', '1h', '--health-start-period', '1h',
      '--health-start-interval', '200ms', 'busybox', 'sleep', '100']);
    await waitFor(async () => (await health(box, 'boot')).Status === 'healthy', 'healthy');
    expect((await box.skiff(['exec', 'boot', 'cat', '/tmp/n'])).stdout).toBe('3');
    await sleep(1000); // healthy: the next check is an hour away
    expect((await box.skiff(['exec', 'boot', 'cat', '/tmp/n'])).stdout).toBe('3');
    const config = JSON.parse((await box.skiff(['inspect', 'boot'])).stdout)[0].Config.Healthcheck;
    expect(config).toMatchObject({ Interval: 3600e9, StartPeriod: 3600e9, StartInterval: 200e6 });
    expectOneLineError(await box.skiff(['run', ...PULL, '--health-cmd', 'true', '--health-start-interval', 'soon', 'busybox', 'true']), /invalid duration "soon"/);
  });

  // Regression (found leaked after a CI run): the container killed while a probe ran with output to give left the
  // supervisor waiting for the init, the dying init waiting for the probe's command to be reaped, and the probe
  // blocked writing to the supervisor: all three stayed, and `wait` never returned.
  it('a container killed while a probe floods its output still ends: the supervisor stops the probe first', async () => {
    const box = sandbox();
    const started = await box.skiff(['run', '-d', ...PULL, '--name', 'flood', '--health-cmd', 'yes', '--health-interval', '200ms', '--health-timeout', '1h', 'busybox', 'sleep', '100']);
    expect(started.exitCode, String(started.stderr)).toBe(0);
    const init = JSON.parse((await box.skiff(['inspect', 'flood'])).stdout)[0].State.Pid as number;
    const supervisor = Number(readFileSync(`/proc/${init}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    const probing = () => readFileSync(`/proc/${supervisor}/task/${supervisor}/children`, 'utf8').trim().split(' ').filter(Boolean).length > 1;
    await waitFor(probing, 'a probe to run');
    // The supervisor stopped for a moment: the probe's pipe to it fills and the probe blocks writing, as when a
    // loaded machine gives the supervisor no time; the container is killed meanwhile.
    process.kill(supervisor, 'SIGSTOP');
    await sleep(300);
    expect((await box.skiff(['kill', 'flood'])).exitCode).toBe(0);
    await sleep(300);
    process.kill(supervisor, 'SIGCONT');
    const waited = await box.skiff(['wait', 'flood'], { timeout: 30_000 });
    expect(waited.stdout, 'wait did not return: the supervisor, init and probe hold each other').toBe('137');
  });

  it('a check that outlives --health-timeout is killed and counts as a failure; start-period failures do not count', async () => {
    const box = sandbox();
    await box.skiff(['run', '-d', ...PULL, '--name', 'slow', '--health-cmd', 'sleep 10', '--health-interval', '200ms', '--health-timeout', '300ms', '--health-retries', '1', 'busybox', 'sleep', '100']);
    await waitFor(async () => (await health(box, 'slow')).Status === 'unhealthy', 'unhealthy');
    expect((await health(box, 'slow')).Log[0]).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (0.3s)' });
    // no leftover check processes once killed: at most the one running now
    const sleeps = (await box.skiff(['exec', 'slow', 'ps', '-o', 'args'])).stdout.split('\n').filter((line) => line === 'sleep 10');
    expect(sleeps.length).toBeLessThanOrEqual(1);
    await box.skiff(['run', '-d', ...PULL, '--name', 'grace', '--health-cmd', 'false', '--health-interval', '200ms', '--health-retries', '1', '--health-start-period', '1h', 'busybox', 'sleep', '100']);
    await waitFor(async () => ((await health(box, 'grace')).Log.length ?? 0) >= 2, 'two probes');
    expect(await health(box, 'grace')).toMatchObject({ Status: 'starting', FailingStreak: 0 });
  });

  it('attack: the check runs inside the container with its isolation, and an output flood does not grow the supervisor', async () => {
    const box = sandbox();
    await box.skiff(['run', '-d', ...PULL, '--name', 'iso', '--hostname', 'inside', '--health-cmd', 'hostname; grep CapEff /proc/self/status', '--health-interval', '200ms', 'busybox', 'sleep', '100']);
    await waitFor(async () => ((await health(box, 'iso')).Log.length ?? 0) >= 1, 'a probe');
    const output: string = (await health(box, 'iso')).Log[0].Output;
    expect(output.split('\n')[0]).toBe('inside');
    const capEff = BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(output)![1]}`);
    expect(capEff & (1n << 21n)).toBe(0n); // no CAP_SYS_ADMIN: the container's set, not the supervisor's

    await box.skiff(['run', '-d', ...PULL, '--name', 'flood', '--health-cmd', 'head -c 30000000 /dev/zero | tr "\\0" x', '--health-interval', '100ms', 'busybox', 'sleep', '100']);
    const pid = JSON.parse((await box.skiff(['inspect', 'flood'])).stdout)[0].State.Pid;
    await waitFor(async () => ((await health(box, 'flood')).Log.length ?? 0) >= 3, 'three flooded probes', 30_000);
    const probes = (await health(box, 'flood')).Log;
    for (const probe of probes) expect(probe.Output.length).toBe(4096);
    // The supervisor keeps 5 x 4 KiB of output at most; 30 MB a probe must leave no trace in its memory.
    expect(supervisorRssKiB(pid)).toBeLessThan(2048);
  });

  it('bad health flags are one line, nothing created', async () => {
    const { skiff, containers } = sandbox();
    expectOneLineError(await skiff(['run', '-d', ...PULL, '--health-cmd', 'true', '--health-interval', '5', 'busybox', 'true']), /invalid duration "5"/);
    expectOneLineError(await skiff(['run', '-d', ...PULL, '--health-cmd', 'true', '--health-retries', '-1', 'busybox', 'true']), /cannot be negative/);
    expect(containers()).toHaveLength(0);
    // Times without a command apply to the image's HEALTHCHECK; busybox has none, so there is no check.
    await skiff(['create', ...PULL, '--name', 'plain', '--health-interval', '1s', 'busybox', 'true']);
    expect(JSON.parse((await skiff(['inspect', 'plain'])).stdout)[0].Config.Healthcheck).toBeUndefined();
  });
});
