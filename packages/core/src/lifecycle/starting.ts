/**
 * The start of a container `run` has just made takes no container lock: nobody else has acted on it yet, and
 * the lock costs a socket bind per run. Instead its record carries `starting` (the starting process, by pid and
 * start time) from its creation until the start is recorded (running) or given up. Any other process's rm,
 * stop, start or adoption waits for that first, or for the starter to die (a killed `run` leaves a plain
 * created container behind).
 */
import { pollUntil, SkiffError } from '@skiff/plugin';
import { isSameProcess, processStartTime } from '../state/proc.js';
import type { ContainerRecord, Starter } from '../state/record.js';
import type { Host } from './host.js';

/** How long another command waits for a start to be recorded (as long as it would have waited for the lock). */
const WAIT_MS = 60_000;

let self: Starter | undefined;

/** This process, as a record's `starting` names it. */
export function thisStarter(): Starter {
  self ??= { pid: process.pid, startTime: processStartTime(process.pid) ?? '' };
  return self;
}

const isThisProcess = (starter: Starter) => starter.pid === process.pid && starter.startTime === thisStarter().startTime;

/** A start by another live process is under way. */
export function startedElsewhere(record: ContainerRecord): boolean {
  const starter = record.starting;
  return starter !== undefined && !isThisProcess(starter) && isSameProcess(starter.pid, starter.startTime);
}

/** `record` as it is once no other process is starting it (re-read from the store); NOT_FOUND if it went. */
export async function afterStart(host: Host, record: ContainerRecord): Promise<ContainerRecord> {
  if (!startedElsewhere(record)) return record;
  let current: ContainerRecord | undefined = record;
  const done = await pollUntil(async () => {
    current = await host.store.get(record.id);
    return current === undefined || !startedElsewhere(current);
  }, WAIT_MS);
  if (!done) throw new SkiffError('UNAVAILABLE', `container ${record.name} is still starting; try again`);
  return host.store.resolve(record.id);
}
