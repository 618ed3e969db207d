import type { RestartPolicy } from '@skiff/core';
import { invalidArgument } from '@skiff/plugin/errors';

/** docker's --restart: no, always, unless-stopped, on-failure[:N]. */
export function parseRestart(text: string): RestartPolicy {
  const [name, count, ...rest] = text.split(':');
  if (rest.length || !['no', 'always', 'unless-stopped', 'on-failure'].includes(name!)) {
    throw invalidArgument(`invalid restart policy "${text}"`, { hint: 'use no, always, unless-stopped or on-failure[:max-retries]' });
  }
  if (count === undefined) return { name: name as RestartPolicy['name'], maximumRetryCount: 0 };
  if (name !== 'on-failure') throw invalidArgument(`invalid restart policy "${text}": maximum retry count can only be used with 'on-failure'`);
  if (!/^\d{1,7}$/.test(count) || Number(count) > 1_000_000) {
    throw invalidArgument(`invalid restart policy "${text}": maximum retry count must be a number from 0 to 1000000`);
  }
  return { name: 'on-failure', maximumRetryCount: Number(count) };
}
