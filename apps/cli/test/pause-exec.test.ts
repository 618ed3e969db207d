import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { expectOneLineError, sandbox } from './cli.js';

const PULL = ['--pull', 'never'];
const COUNTER = ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(requiresRoot('pause and exec tests run containers'))('pause, unpause, exec -d/--privileged/--env-file', () => {
  it('pause freezes every process (ps "(Paused)", inspect paused), refuses exec with docker\'s message; unpause resumes', async () => {
    const { skiff } = sandbox();
    const id = (await skiff(['run', '-d', ...PULL, '--name', 'counter', 'busybox', ...COUNTER])).stdout;
    await sleep(500);
    expect((await skiff(['pause', 'counter'])).stdout).toBe('counter');
    expect((await skiff(['ps'])).stdout).toMatch(/Up .* \(Paused\) +counter$/);
    const state = JSON.parse((await skiff(['inspect', 'counter'])).stdout)[0].State;
    expect(state).toMatchObject({ Status: 'paused', Running: true, Paused: true });
    const exec = await skiff(['exec', 'counter', 'cat', '/tmp/n']);
    expectOneLineError(exec, new RegExp(`Container ${id} is paused, unpause the container before exec`));
    const again = await skiff(['pause', 'counter']);
    expect(again).toMatchObject({ exitCode: 1, stderr: 'skiff: Container counter is already paused' });
    expect((await skiff(['unpause', 'counter'])).stdout).toBe('counter');
    const first = Number((await skiff(['exec', 'counter', 'cat', '/tmp/n'])).stdout);
    await sleep(300);
    expect(Number((await skiff(['exec', 'counter', 'cat', '/tmp/n'])).stdout)).toBeGreaterThan(first);
    const unpaused = await skiff(['unpause', 'counter']);
    expect(unpaused.exitCode).toBe(1);
    expect(unpaused.stderr).toMatch(/Container counter is not paused/);
  });

  it('a paused container still stops (and rm -f removes one)', async () => {
    const { skiff } = sandbox();
    await skiff(['run', '-d', ...PULL, '--init', '--name', 'frozen', 'busybox', 'sleep', '60']);
    await skiff(['run', '-d', ...PULL, '--name', 'frozen2', 'busybox', 'sleep', '60']);
    await skiff(['pause', 'frozen', 'frozen2']);
    const started = Date.now();
    expect((await skiff(['stop', 'frozen'])).exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000); // --init: SIGTERM ends it once thawed, no 10 s timeout
    expect((await skiff(['ps', '-a'])).stdout).toMatch(/Exited \(143\) .* frozen$/m);
    expect(JSON.parse((await skiff(['inspect', 'frozen'])).stdout)[0].State).toMatchObject({ Status: 'exited', Paused: false });
    expect((await skiff(['rm', '-f', 'frozen2'])).exitCode).toBe(0);
    expect(await skiff(['pause', 'frozen'])).toMatchObject({ exitCode: 1, stderr: 'skiff: Container frozen is not running' });
  });

  it('exec -d returns at once and the command runs on; a missing command fails with 127', async () => {
    const { skiff } = sandbox();
    await skiff(['run', '-d', ...PULL, '--name', 'host', 'busybox', 'sleep', '60']);
    const started = Date.now();
    const detached = await skiff(['exec', '-d', 'host', 'sh', '-c', 'sleep 1; echo done > /tmp/marker']);
    expect(detached).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await skiff(['exec', 'host', 'cat', '/tmp/marker'])).exitCode).not.toBe(0);
    await sleep(1500);
    expect((await skiff(['exec', 'host', 'cat', '/tmp/marker'])).stdout).toBe('done');
    const missing = await skiff(['exec', '-d', 'host', 'no-such-command']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/executable file not found/);
  });

  it('exec --privileged has every capability; plain exec keeps the container\'s', async () => {
    const { skiff } = sandbox();
    await skiff(['run', '-d', ...PULL, '--name', 'caps', 'busybox', 'sleep', '60']);
    const capEff = async (args: string[]) => BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec((await skiff(['exec', ...args, 'caps', 'cat', '/proc/self/status'])).stdout)![1]}`);
    const plain = await capEff([]);
    const privileged = await capEff(['--privileged']);
    const CAP_SYS_ADMIN = 1n << 21n;
    expect(plain & CAP_SYS_ADMIN).toBe(0n);
    expect(privileged & CAP_SYS_ADMIN).toBe(CAP_SYS_ADMIN);
  });

  it('exec --env-file: values as written, # lines skipped, bare KEY from this shell, -e wins; a missing file is one line', async () => {
    const { skiff } = sandbox();
    await skiff(['run', '-d', ...PULL, '--name', 'envs', 'busybox', 'sleep', '60']);
    const file = join(tempDir('skiff-test-'), 'env');
    writeFileSync(file, 'A=1\n# comment\n   B="two words"\nFROM_SHELL\nUNSET_HERE\nA2=x=y\n');
    const result = await skiff(['exec', '--env-file', file, '-e', 'A2=cli', 'envs', 'env'], { env: { FROM_SHELL: 'shell', UNSET_HERE: undefined } });
    const env = result.stdout.split('\n');
    expect(env).toEqual(expect.arrayContaining(['A=1', 'B="two words"', 'FROM_SHELL=shell', 'A2=cli']));
    expect(env.some((line) => line.startsWith('UNSET_HERE'))).toBe(false);
    expectOneLineError(await skiff(['exec', '--env-file', join(file, 'nope'), 'envs', 'true']), /--env-file ".*nope": /);
    writeFileSync(file, 'BAD KEY=1\n');
    expectOneLineError(await skiff(['exec', '--env-file', file, 'envs', 'true']), /bad variable "BAD KEY" on line 1/);
  });
});
