// Regression: Node resumes a child's unread stdout/stderr on the tick after it exits (flushStdio), so a start
// failure's message was dropped when the helper exited before startFailure read it ("the helper exited with
// 127" instead of the reason; 2 runs in 30 via the library, always with docker through the API service).
import { spawn } from 'node:child_process';
import { setImmediate as nextLoop } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { helperStdio, readPid, startFailure } from './attach.js';

describe('readPid and startFailure', () => {
  it('keep the message of a helper that exited before anyone read its stderr', async () => {
    const child = spawn('sh', ['-c', `echo 'skiff: exec: "nope": executable file not found in $PATH' >&2; exit 127`], { stdio: helperStdio('pipe') });
    const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
    const pid = readPid(child);
    await new Promise((resolve) => child.once('exit', resolve));
    await nextLoop(); // Node's flush of unread stdio has run by now
    expect(await pid).toBeUndefined();
    const failure = await startFailure(child, exited);
    expect(failure.message).toBe('exec: "nope": executable file not found in $PATH');
    expect(failure.exitCode).toBe(127);
  });

  it("take the reason the helper gave on fd 4 ('error TEXT') over its stderr", async () => {
    const child = spawn('sh', ['-c', 'echo "error exec: \\"nope\\": permission denied" >&4; echo noise >&2; exit 126'], { stdio: helperStdio('pipe') });
    const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
    expect(await readPid(child)).toBeUndefined();
    expect(await startFailure(child, exited)).toMatchObject({ message: 'exec: "nope": permission denied', exitCode: 126 });
  });

  it('keep the output of a command that exits before its reader is attached', async () => {
    const child = spawn('sh', ['-c', 'echo "pid 1" >&4; echo out; echo err >&2'], { stdio: helperStdio('pipe') });
    const closed = new Promise((resolve) => child.once('close', resolve));
    expect(await readPid(child)).toBe(1);
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    await nextLoop();
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += String(chunk)));
    child.stderr!.on('data', (chunk: Buffer) => (err += String(chunk)));
    await closed;
    expect({ out, err }).toEqual({ out: 'out\n', err: 'err\n' });
  });
});
