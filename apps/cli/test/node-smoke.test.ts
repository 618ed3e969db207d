// The CLI on the host's Node, whatever runtime the `skiff` command gets here (the rest of the suite runs on that
// one, see cli.ts): a smoke subset, so the Node path (node:child_process for the helper) does not rot.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { sandbox, waitFor } from './cli.js';

const onNode = () => sandbox({ runtime: process.execPath });

describe.runIf(requiresRoot('the smoke tests run containers'))('the CLI on Node (smoke)', () => {
  it('run: output, exit code, stdin with -i, a terminal with -t', async () => {
    const sb = onNode();
    expect(await sb.skiff(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'])).toMatchObject({ exitCode: 3, stdout: 'out', stderr: 'err' });
    expect(await sb.skiff(['run', '--rm', '-i', 'busybox', 'cat'], { input: 'piped\n' })).toMatchObject({ exitCode: 0, stdout: 'piped' });
    const tty = await sb.skiff(['run', '--rm', '-t', 'busybox', 'sh', '-c', 'test -t 0 && echo is-a-tty']);
    expect(String(tty.stdout).replaceAll('\r', '')).toBe('is-a-tty');
    expect(await sb.skiff(['run', '--rm', 'busybox', 'nosuchcmd'])).toMatchObject({ exitCode: 127 });
  });

  it('run -d, exec, logs, stop, rm', async () => {
    const sb = onNode();
    const detached = await sb.skiff(['run', '-d', '--name', 'smoke', 'busybox', 'sh', '-c', 'echo logged; exec sleep 60']);
    expect(detached.exitCode, String(detached.stderr)).toBe(0);
    expect(await sb.skiff(['exec', 'smoke', 'sh', '-c', 'echo in; exit 4'])).toMatchObject({ exitCode: 4, stdout: 'in' });
    // `run -d` returns once the command runs; its output follows.
    await waitFor(async () => (await sb.skiff(['logs', 'smoke'])).stdout === 'logged', 'the output of smoke');
    expect((await sb.skiff(['stop', '-t', '1', 'smoke'])).exitCode).toBe(0);
    expect((await sb.skiff(['rm', 'smoke'])).exitCode).toBe(0);
    expect(sb.containers()).toEqual([]);
  });

  it('a signal to the CLI reaches the container', async () => {
    const sb = onNode();
    const run = sb.skiff(['run', '--rm', '--init', 'busybox', 'sh', '-c', "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.1; done"]);
    let out = '';
    run.stdout!.on('data', (chunk) => (out += chunk));
    for (let i = 0; i < 200 && !out.includes('ready'); i++) await sleep(50);
    run.kill('SIGTERM');
    expect(await run).toMatchObject({ exitCode: 7, stdout: 'ready\ngot-term' });
  });
});
