/**
 * Starting the native helper with the plan on fd 3 and "pid N" coming back on fd 4. Under Bun (the `skiff`
 * command's runtime where setup could give it one) a start on the caller's own stdio goes through Bun.spawn, a
 * vfork: ~1 ms, where Bun's node:child_process takes 12–20 ms for its first spawn. Everything else (piped stdio
 * for an Attachment, and any start under Node) uses node:child_process.
 *
 * Bun hands the extra fds back as raw numbers of non-blocking socketpair ends: the plan is written with
 * writeSync, retried while the socket is full (EAGAIN), and "pid N" is read from a stream over the fd.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { SkiffError } from '@skiff/plugin';
import { readStatusPipe } from './attach.js';

export interface HelperProcess {
  /** The node:child_process child (always with piped stdio; never under Bun.spawn). */
  child?: ChildProcess;
  kill(signal?: NodeJS.Signals): void;
  /** The helper's exit code (128+N for signal N); rejects if it could not be started. */
  exited: Promise<number>;
  /** The command's host pid once it runs; undefined if the helper exits without one. */
  pid: Promise<number | undefined>;
  /** `run -it` with detach keys: true once they were typed (the helper is now the supervisor); false at fd 4's end. */
  detached: Promise<boolean>;
  /**
   * With piped stdio: the helper's stdout and stderr, read from the moment it is spawned. node:child_process
   * discards whatever nobody reads when the helper exits (its flushStdio), and a short command can be done before
   * its pid is even reported; these keep it for the attachment's reader. (readPid's keepUnread covers Node, not
   * Bun, whose child_process loses that output all the same: `skiff cp` on Bun saw empty archives without this.)
   */
  output?: { stdout: Readable; stderr: Readable };
}

/** The little of Bun's API used here (no Bun types in a package built for Node). */
interface BunSubprocess {
  readonly stdio: (number | null | undefined)[];
  readonly exited: Promise<number>;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals | number): void;
}
interface BunRuntime {
  spawn(command: string[], options: { stdio: string[] }): BunSubprocess;
  file(fd: number): { stream(): AsyncIterable<Uint8Array> };
}

const bun = (globalThis as { Bun?: BunRuntime }).Bun;

/** The encoded plan, or the promise of it. */
export type PlanBytes = Uint8Array | Promise<Uint8Array>;

/**
 * Starts `helper SUBCOMMAND OUR-PID` with `plan` on fd 3 (our pid: the helper dies with us, even if we die before
 * it first looks at its parent). `stdio` is the helper's 0-2 and then 'pipe' for fd 3, 4 (and
 * more): with 0-2 the caller's own ('inherit'/'ignore') and exactly fds 3 and 4, Bun.spawn is used under Bun.
 * A plan still being made may be given as a promise: the helper starts (execs, re-execs its sealed copy) while
 * it is, and waits for it on fd 3; if it rejects, fd 3 closes empty and the helper exits 125 without a word.
 */
export function spawnHelper(helper: string, subcommand: string, plan: PlanBytes, stdio: StdioOptions): HelperProcess {
  const std = Array.isArray(stdio) ? stdio : [];
  const own = std.length === 5 && std.slice(0, 3).every((s) => s === 'inherit' || s === 'ignore');
  return bun && own ? spawnWithBun(bun, helper, subcommand, plan, std as string[]) : spawnWithNode(helper, subcommand, plan, stdio);
}

function spawnWithNode(helper: string, subcommand: string, plan: PlanBytes, stdio: StdioOptions): HelperProcess {
  const child = spawn(helper, [subcommand, String(process.pid)], { stdio });
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(cannotStart(helper, error)));
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  exited.catch(() => {}); // awaited later, after the pid: until then a spawn error must not count as unhandled
  const planPipe = child.stdio[3] as Writable;
  planPipe.on('error', () => {}); // the helper may exit before reading it all; its exit code says why
  Promise.resolve(plan).then(
    (bytes) => planPipe.end(bytes),
    () => planPipe.end(),
  );
  const output = child.stdout && child.stderr ? { stdout: child.stdout.pipe(new PassThrough()), stderr: child.stderr.pipe(new PassThrough()) } : undefined;
  return { child, kill: (signal) => child.kill(signal), exited, ...readStatusPipe(child), output };
}

function spawnWithBun(bun: BunRuntime, helper: string, subcommand: string, plan: PlanBytes, stdio: string[]): HelperProcess {
  let proc: BunSubprocess;
  try {
    proc = bun.spawn([helper, subcommand, String(process.pid)], { stdio });
  } catch (error) {
    const exited = Promise.reject(cannotStart(helper, error as Error));
    exited.catch(() => {});
    return { kill: () => {}, exited, pid: Promise.resolve(undefined), detached: Promise.resolve(false) };
  }
  const exited = proc.exited.then((code) => (proc.signalCode ? 128 + constants.signals[proc.signalCode] : code));
  void writePlan(proc.stdio[3]!, plan);
  // By number: Bun knows fewer signal names than os.constants.signals (SIGPWR, for one).
  return { kill: (signal = 'SIGTERM') => proc.kill(constants.signals[signal]), exited, ...readStatusFd(bun, proc.stdio[4]!) };
}

/** The whole plan into a non-blocking fd, then EOF; a helper gone early (EPIPE) is its exit code's to explain. */
async function writePlan(fd: number, planBytes: PlanBytes): Promise<void> {
  try {
    const plan = await planBytes;
    for (let offset = 0; offset < plan.length; ) {
      try {
        offset += writeSync(fd, plan, offset);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
  } catch {
    // EPIPE and the like: see above; or no plan (it could not be made): the helper sees fd 3 end empty
  } finally {
    closeSync(fd);
  }
}

/** As readStatusPipe, over Bun's raw fd: the pid as soon as its line comes (fd 4 may stay open, see `detached`). */
function readStatusFd(bun: BunRuntime, fd: number): { pid: Promise<number | undefined>; detached: Promise<boolean> } {
  let onPid: (pid: number | undefined) => void = () => {};
  let onDetached: (detached: boolean) => void = () => {};
  const pid = new Promise<number | undefined>((resolve) => (onPid = resolve));
  const detached = new Promise<boolean>((resolve) => (onDetached = resolve));
  void (async () => {
    let text = '';
    try {
      for await (const chunk of bun.file(fd).stream()) {
        text += Buffer.from(chunk).toString('utf8');
        const match = /^pid (\d+)$/m.exec(text);
        if (match) onPid(Number(match[1]));
        if (/^detached$/m.test(text)) onDetached(true);
      }
    } catch {
      // the end of fd 4, as EOF
    }
    onPid(undefined);
    onDetached(false);
  })();
  return { pid, detached };
}

const cannotStart = (helper: string, error: Error) =>
  new SkiffError('INTERNAL', `cannot start the native helper ${helper}: ${error.message}`, { cause: error });
