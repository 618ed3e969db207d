// `skiff-helper tied PID COMMAND`: the host tools networking runs die with the CLI that started them.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helperPath } from '../src/index.js';

const alive = (pid: number) => {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('skiff-helper tied', () => {
  it('runs the command, which dies with the caller it names (kill -9 of the caller included)', async () => {
    // A caller (node) that starts `tied ITS-PID sleep 60`, says sleep's pid, and waits.
    const script = `const c = require('child_process').spawn(${JSON.stringify(helperPath())}, ['tied', String(process.pid), 'sleep', '60'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`;
    const caller = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const tool = Number(await new Promise<string>((resolve) => caller.stdout!.once('data', (chunk: Buffer) => resolve(String(chunk)))));
    for (let i = 0; i < 100 && !readFileSync(`/proc/${tool}/cmdline`, 'utf8').startsWith('sleep'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(`/proc/${tool}/cmdline`, 'utf8')).toBe('sleep\x0060\x00');
    caller.kill('SIGKILL');
    for (let i = 0; i < 250 && alive(tool); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive(tool), 'the tool outlived its caller').toBe(false);
  });

  it('runs nothing when the caller named is not its parent, and says so; 127 for a missing tool', () => {
    const stranger = spawnSync(helperPath(), ['tied', String(process.ppid), 'echo', 'must not run'], { encoding: 'utf8' });
    expect(stranger).toMatchObject({ status: 125, stdout: '', stderr: 'skiff: the caller exited before echo started\n' });
    const missing = spawnSync(helperPath(), ['tied', String(process.pid), 'no-such-tool-here'], { encoding: 'utf8' });
    expect(missing).toMatchObject({ status: 127, stderr: 'skiff: cannot run no-such-tool-here: No such file or directory\n' });
    expect(spawnSync(helperPath(), ['tied', String(process.pid), 'echo', 'ran'], { encoding: 'utf8' }).stdout).toBe('ran\n');
  });
});
