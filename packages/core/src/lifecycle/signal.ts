import { constants } from 'node:os';
import { SkiffError, invalidArgument, pollUntil } from '@skiff/plugin';
import { isSameProcess, parentPid, processStartTime } from '../state/proc.js';
import type { ContainerRecord, Starter } from '../state/record.js';
import { isAlive } from './host.js';

/**
 * Signal text as docker writes it, `KILL`, `SIGKILL` or `9`, for an image's StopSignal (and the CLI's `kill -s`,
 * whose flag file re-exports this). Returns the canonical SIG name or throws one clear line.
 */
export function parseSignal(value: string): NodeJS.Signals {
  const trimmed = value.trim();
  // ASCII only, checked before upper-casing: toUpperCase() would turn 'ſigkill' into SIGKILL.
  const upper = /^[A-Za-z0-9]{1,16}$/.test(trimmed) ? trimmed.toUpperCase() : '';
  if (/^\d+$/.test(upper)) {
    const entry = Object.entries(constants.signals).find(([, number]) => number === Number(upper));
    if (entry) return entry[0] as NodeJS.Signals;
  } else if (upper) {
    const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as NodeJS.Signals;
    if (name in constants.signals) return name;
  }
  throw invalidArgument(`invalid signal ${JSON.stringify(value)}: use a name like TERM, SIGKILL, HUP or a number like 9`);
}

/** A signal Node knows by name (`SIGKILL`), or one INVALID_ARGUMENT: the library's guard on typed input. */
export function validateSignal(signal: NodeJS.Signals): NodeJS.Signals {
  if (typeof signal !== 'string' || !Object.hasOwn(constants.signals, signal)) {
    throw invalidArgument(`invalid signal ${JSON.stringify(signal)}: use a name such as SIGTERM or SIGKILL`);
  }
  return signal;
}

/** Signals the container's init, if it is still the process it was (pid + start time). */
export async function killContainer(record: ContainerRecord, signal: NodeJS.Signals): Promise<void> {
  if (!isAlive(record)) throw new SkiffError('FAILED_PRECONDITION', `container ${record.name} is not running`);
  try {
    // By number: Bun's process.kill knows fewer names than os.constants.signals (SIGPWR, for one).
    process.kill(record.pid!, constants.signals[signal]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Resolves true once the init is gone, false after `timeoutMs`. */
export const waitGone = (record: ContainerRecord, timeoutMs: number): Promise<boolean> => pollUntil(() => !isAlive(record), timeoutMs);

/**
 * A detached container's supervisor (its init's parent, by pid and start time), read while the init lives; else
 * undefined. When the init dies the supervisor execs the exit command (`skiff cleanup`) under the same pid, so
 * `supervisorGone` is also the end of that command: `rm -f` and `stop` wait for it, lest it still be writing the
 * state root after they return.
 */
export function supervisorOf(record: ContainerRecord): Starter | undefined {
  if (!record.detached || !isAlive(record)) return undefined;
  const pid = parentPid(record.pid!);
  const startTime = pid === undefined ? undefined : processStartTime(pid);
  return pid && startTime && isAlive(record) ? { pid, startTime } : undefined;
}

/** How long rm -f and stop wait for a detached container's exit command before going on without it. */
export const SUPERVISOR_GRACE_MS = 10_000;

/** Resolves true once `supervisor` (from supervisorOf) is gone, false after `timeoutMs`. */
export const supervisorGone = (supervisor: Starter | undefined, timeoutMs: number): Promise<boolean> =>
  supervisor ? pollUntil(() => !isSameProcess(supervisor.pid, supervisor.startTime), timeoutMs) : Promise.resolve(true);
