import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { OciError } from './errors.js';

/** The helper travels beside the bundle (dist/skiff-helper), as for `skiff`. */
export const helperPath = (): string => process.env.SKIFF_HELPER ?? fileURLToPath(new URL('./skiff-helper', import.meta.url));

export interface HelperRun {
  /** The pid the helper reports on fd 4 once the init waits (create) or the command runs (exec). */
  pid: Promise<number | undefined>;
  /** Why it failed, as the helper reports it on fd 4 ("error TEXT"), once fd 4 is closed. */
  error: Promise<string | undefined>;
  /** The helper's exit code. */
  exited: Promise<number>;
}

/**
 * Spawns `skiff-helper MODE` with our own stdio (handed to the container, as an OCI runtime does), the plan on
 * fd 3 and the pid pipe on fd 4.
 */
export function spawnHelper(mode: 'run' | 'exec', plan: Buffer): HelperRun {
  const child = spawn(helperPath(), [mode], { stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'] });
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(new OciError(`cannot start the native helper ${helperPath()}: ${error.message}`)));
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 125)));
  });
  const planPipe = child.stdio[3] as Writable;
  planPipe.on('error', () => {});
  planPipe.end(plan);
  let text = '';
  const report = child.stdio[4] as Readable;
  const closed = new Promise<void>((resolve) => {
    report.on('error', () => resolve());
    report.on('close', () => resolve());
  });
  const pid = new Promise<number | undefined>((resolve) => {
    report.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /^pid (\d+)$/m.exec(text);
      if (match) resolve(Number(match[1]));
    });
    void closed.then(() => resolve(undefined));
  });
  const error = closed.then(() => /^error (.*)$/m.exec(text)?.[1]);
  exited.catch(() => {});
  return { pid, error, exited };
}
