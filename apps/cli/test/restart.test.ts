import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { expectOneLineError, sandbox, waitFor } from './cli.js';

const PULL = ['--pull', 'never'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


describe.runIf(requiresRoot('restart tests run containers'))('--restart, carried out by the container\'s init', () => {
  it('on-failure:2 starts a failing command three times in all, then the container exits with its code', async () => {
    const { skiff } = sandbox();
    await skiff(['run', '-d', ...PULL, '--restart', 'on-failure:2', '--name', 'flaky', 'busybox', 'sh', '-c', 'echo run; exit 3']);
    expect((await skiff(['wait', 'flaky'])).stdout).toBe('3');
    expect((await skiff(['logs', 'flaky'])).stdout).toBe('run\nrun\nrun');
    const inspect = JSON.parse((await skiff(['inspect', 'flaky'])).stdout)[0];
    expect(inspect.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
    // on-failure does not restart a success
    await skiff(['run', '-d', ...PULL, '--restart', 'on-failure', '--name', 'fine', 'busybox', 'sh', '-c', 'echo once']);
    expect((await skiff(['wait', 'fine'])).stdout).toBe('0');
    expect((await skiff(['logs', 'fine'])).stdout).toBe('once');
  });

  it('always: restarts with a doubling delay (RestartCount in inspect), kills what the last run left; stop ends it', async () => {
    const { skiff } = sandbox();
    await skiff(['run', '-d', ...PULL, '--restart', 'always', '--name', 'loop', 'busybox', 'sh', '-c', 'sleep 1000 & exit 0']);
    await sleep(2_000);
    const count = JSON.parse((await skiff(['inspect', 'loop'])).stdout)[0].RestartCount;
    // 100 + 200 + 400 + 800 ms: about 4 in 2 s (without the delay it would be hundreds)
    expect(count).toBeGreaterThanOrEqual(2);
    expect(count).toBeLessThanOrEqual(6);
    expect((await skiff(['ps'])).stdout).toMatch(/Up .* loop$/);
    // Each start kills what the previous one left: one background sleep at most, never one per run.
    const sleeps = (await skiff(['exec', 'loop', 'ps', '-o', 'args'])).stdout.split('\n').filter((line) => line === 'sleep 1000');
    expect(sleeps.length).toBeLessThanOrEqual(1);
    const started = Date.now();
    expect((await skiff(['stop', 'loop'])).exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
    await sleep(1_000);
    expect((await skiff(['ps', '-a'])).stdout).toMatch(/Exited \(\d+\) .* loop$/);
  });

  it('a command that cannot start fails at once (127), with no restart loop', async () => {
    const { skiff, containers } = sandbox();
    const result = await skiff(['run', '-d', ...PULL, '--restart', 'always', '--name', 'broken', 'busybox', 'no-such-command']);
    expect(result.exitCode).toBe(127);
    await waitFor(async () => /Created|Exited/.test((await skiff(['ps', '-a'])).stdout), 'it to settle');
    expect((await skiff(['ps'])).stdout.trim().split('\n')).toHaveLength(1);
    expect(containers()).toHaveLength(1);
  });

  it('bad policies and --rm are refused with one line, nothing created', async () => {
    const { skiff, containers } = sandbox();
    for (const [policy, message] of [
      ['sometimes', /invalid restart policy "sometimes"/],
      ['always:3', /maximum retry count can only be used with 'on-failure'/],
      ['on-failure:-1', /maximum retry count must be a number/],
    ] as const) {
      expectOneLineError(await skiff(['run', '-d', ...PULL, '--restart', policy, 'busybox', 'true']), message);
    }
    expectOneLineError(await skiff(['run', '--rm', ...PULL, '--restart', 'always', 'busybox', 'true']), /Conflicting options: --restart and --rm/);
    expect(containers()).toHaveLength(0);
  });

  it('generate systemd prints a unit that starts and stops the container', async () => {
    const { skiff, root, runRoot } = sandbox();
    const id = (await skiff(['create', ...PULL, '--restart', 'always', '--name', 'svc', 'busybox', 'sleep', '60'])).stdout;
    const unit = (await skiff(['generate', 'systemd', 'svc', '--skiff', '/usr/bin/skiff'])).stdout;
    expect(unit).toContain('restart policy: always');
    expect(unit).toContain(`ExecStart=/usr/bin/skiff --root ${root} --run-root ${runRoot} start ${id}\n`);
    expect(unit).toContain(`ExecStop=/usr/bin/skiff --root ${root} --run-root ${runRoot} stop -t 10 ${id}\n`);
    expect(unit).toMatch(/\[Install\]\nWantedBy=multi-user.target/);
    expect((await skiff(['generate', 'systemd', '--name', 'svc'])).stdout).toMatch(/ start svc\n/);
    expect((await skiff(['generate', 'systemd', 'nothing'])).exitCode).not.toBe(0);
  });
});
