import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSameProcess, processStartTime } from './proc.js';

describe('process identity', () => {
  it('knows a live process by pid and start time, and a reused pid as another process', () => {
    const start = processStartTime(process.pid);
    expect(start).toMatch(/^\d+$/);
    expect(isSameProcess(process.pid, start)).toBe(true);
    expect(isSameProcess(process.pid, '1')).toBe(false);
    expect(isSameProcess(undefined, start)).toBe(false);
  });

  it('treats a zombie (dead, not yet reaped) as dead', async () => {
    // `sh` starts a short child, then execs `sleep`, which never reaps it: the child stays a zombie.
    const parent = spawn('sh', ['-c', 'true & exec sleep 2'], { stdio: 'ignore' });
    try {
      let zombie: number | undefined;
      for (let i = 0; i < 100 && zombie === undefined; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const children = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim();
        const pid = Number(children.split(' ')[0]);
        if (pid && readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) zombie = pid;
      }
      expect(zombie).toBeDefined();
      expect(processStartTime(zombie!)).toBeUndefined();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
