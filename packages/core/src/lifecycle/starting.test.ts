import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../state/proc.js';
import type { ContainerRecord } from '../state/record.js';
import { testRecord } from '../state/test-record.js';
import type { Host } from './host.js';
import { afterStart, startedElsewhere, thisStarter } from './starting.js';

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A live process other than this one, as a record's `starting` names it. */
function otherProcess() {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return { child, starter: { pid: child.pid!, startTime: processStartTime(child.pid!)! } };
}

/** A Host whose store holds one record, replaced by `saved` from outside. */
function storeOf(record: ContainerRecord) {
  const store = { current: record as ContainerRecord | undefined };
  const host = {
    store: {
      get: async () => store.current,
      resolve: async () => {
        if (!store.current) throw new Error('no such container');
        return store.current;
      },
    },
  } as unknown as Host;
  return { host, store };
}

describe('a start marked `starting` (no container lock)', () => {
  it('names this process by pid and start time; its own start is not waited for', async () => {
    expect(thisStarter()).toEqual({ pid: process.pid, startTime: processStartTime(process.pid) });
    const record = { ...testRecord('mine'), starting: thisStarter() };
    expect(startedElsewhere(record)).toBe(false);
    expect(await afterStart(storeOf(record).host, record)).toBe(record);
  });

  it('a live other starter is waited for until it records the start; a dead one (or a reused pid) is not', async () => {
    const { child, starter } = otherProcess();
    const record = { ...testRecord('theirs'), starting: starter };
    expect(startedElsewhere(record)).toBe(true);
    expect(startedElsewhere({ ...record, starting: { ...starter, startTime: '1' } })).toBe(false);

    const { host, store } = storeOf(record);
    const waited = afterStart(host, record);
    setTimeout(() => (store.current = { ...record, status: 'running', starting: undefined }), 100);
    expect(await waited).toMatchObject({ status: 'running', starting: undefined });

    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(startedElsewhere(record)).toBe(false);
  });
});
