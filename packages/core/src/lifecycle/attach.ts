import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { SkiffError } from '@skiff/plugin';

/**
 * An attached container or exec'd process, as streams (what dockerode's attach gives, demultiplexed): the
 * native helper relays them to the container's pipes or pty, so they never reach into the container.
 */
export interface Attachment {
  /** The container's stdin (with `interactive`); end() passes EOF on. Without `interactive` it is discarded. */
  stdin: Writable;
  /** The container's stdout (with `tty`: everything the pty prints). */
  stdout: Readable;
  /** The container's stderr (empty with `tty`). */
  stderr: Readable;
  /** Sets the pty's size (with `tty`; ignored without). */
  resize(cols: number, rows: number): void;
  /** The exit code (128+N for signal N), once the process has exited and (for a run) the container is torn down. */
  exit: Promise<number>;
}

/** How the helper is spawned: the caller's own stdio, or pipes for an Attachment. */
export type AttachStdio = 'inherit' | 'pipe';

/** The helper's fds: 0-2 stdio, 3 the plan, 4 "pid N", 5 (piped) resize lines "COLS ROWS\n". */
export function helperStdio(
  stdio: AttachStdio,
  stdin: 'inherit' | 'ignore' = 'inherit',
  streams: ('stdin' | 'stdout' | 'stderr')[] = ['stdin', 'stdout', 'stderr'],
): StdioOptions {
  if (stdio === 'pipe') return ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'];
  // docker's -a: a stream not attached is /dev/null for the helper (the container's output still goes to its log).
  const pick = (name: 'stdin' | 'stdout' | 'stderr', own: 'inherit' | 'ignore') => (streams.includes(name) ? own : 'ignore');
  return [pick('stdin', stdin), pick('stdout', 'inherit'), pick('stderr', 'inherit'), 'pipe', 'pipe'];
}

/** The Attachment of a helper spawned with helperStdio('pipe'). */
export function attachment(child: ChildProcess, exit: Promise<number>, output?: { stdout: Readable; stderr: Readable }): Attachment {
  const resizePipe = (child.stdio as unknown as Writable[])[5]!;
  resizePipe.on('error', () => {}); // the helper has exited: nothing left to resize
  const stdin = child.stdin!;
  stdin.on('error', () => {}); // the container stopped reading (EPIPE): what it did not read is dropped, as with docker
  return {
    stdin,
    stdout: output?.stdout ?? child.stdout!,
    stderr: output?.stderr ?? child.stderr!,
    resize(cols, rows) {
      if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols <= 0 || rows <= 0 || cols > 65535 || rows > 65535) {
        throw new SkiffError('INVALID_ARGUMENT', `bad terminal size ${cols}x${rows}`, { hint: 'columns and rows are integers from 1 to 65535' });
      }
      if (!resizePipe.destroyed) resizePipe.write(`${cols} ${rows}\n`);
    },
    exit,
  };
}

/** The reason a helper gave on fd 4 ("error TEXT"), once readPid has seen fd 4 closed. */
const reported = new WeakMap<ChildProcess, string>();

/**
 * A piped helper that exited without reporting a pid failed to start the command: the line that says why is its
 * "error TEXT" on fd 4, and on its stderr (nothing of the container's has been relayed yet).
 */
export async function startFailure(child: ChildProcess, exited: Promise<number>, output?: { stdout: Readable; stderr: Readable }): Promise<SkiffError> {
  let text = '';
  (output?.stdout ?? child.stdout)?.resume();
  const stderr = output?.stderr ?? child.stderr;
  if (stderr) for await (const chunk of stderr) text += String(chunk);
  const exitCode = await exited.catch(() => 125);
  const message = reported.get(child) ?? (text.trim().replace(/^skiff: /, '') || `the helper exited with ${exitCode}`);
  return new SkiffError('FAILED_PRECONDITION', message, { exitCode: exitCode || 125 });
}

/** Kills the helper (and so the container or exec'd process) when `signal` aborts. Returns the unsubscriber. */
export function killOnAbort(child: { kill(signal: NodeJS.Signals): unknown }, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => {};
  const kill = () => child.kill('SIGKILL');
  if (signal.aborted) kill();
  signal.addEventListener('abort', kill, { once: true });
  return () => signal.removeEventListener('abort', kill);
}

/**
 * Node resumes a child's unread stdout and stderr on the tick after it exits (child_process's flushStdio), which
 * drops whatever nobody has read yet: the start failure's message on stderr (startFailure reads it a few ticks
 * later), or the first output of a command that exits at once before the Attachment's reader is attached. The
 * helper's output belongs to that reader: this skips that one resume, so the data waits for it.
 */
function keepUnread(child: ChildProcess): void {
  const streams = [child.stdout, child.stderr].filter((stream): stream is Readable => stream !== null);
  if (streams.length === 0) return;
  child.once('exit', () => {
    const kept = streams.filter((stream) => stream.readableFlowing === null);
    for (const stream of kept) stream.resume = () => stream; // own property over Readable.prototype.resume
    // flushStdio is queued after the 'exit' listeners return: a tick queued from inside the next one runs after it.
    process.nextTick(() => process.nextTick(() => kept.forEach((stream) => delete (stream as Partial<Readable>).resume)));
  });
}

/**
 * The helper's fd 4: `pid N\n` once the command runs (undefined if it exits without; an `error TEXT` line is kept
 * for startFailure), then, for a `run -it` with detach keys, `detached\n` if they are typed (`detached` resolves
 * true; false once fd 4 closes).
 */
export function readStatusPipe(child: ChildProcess): { pid: Promise<number | undefined>; detached: Promise<boolean> } {
  keepUnread(child);
  let text = '';
  let onPid: (pid: number | undefined) => void = () => {};
  let onDetached: (detached: boolean) => void = () => {};
  const pid = new Promise<number | undefined>((resolve) => (onPid = resolve));
  const detached = new Promise<boolean>((resolve) => (onDetached = resolve));
  const pipe = child.stdio[4] as Readable;
  pipe.setEncoding('utf8');
  pipe.on('data', (chunk: string) => {
    text += chunk;
    const match = /^pid (\d+)$/m.exec(text);
    if (match) onPid(Number(match[1]));
    if (/^detached$/m.test(text)) onDetached(true);
  });
  const end = () => {
    const error = /^error (.*)$/m.exec(text)?.[1];
    if (error) reported.set(child, error);
    onPid(undefined);
    onDetached(false);
  };
  pipe.on('error', end);
  pipe.on('close', end);
  return { pid, detached };
}

/** The helper writes `pid N\n` on fd 4 once the command runs (or `error TEXT`); undefined if it exits without a pid. */
export function readPid(child: ChildProcess): Promise<number | undefined> {
  return readStatusPipe(child).pid;
}
