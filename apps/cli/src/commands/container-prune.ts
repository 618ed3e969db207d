import { createInterface } from 'node:readline/promises';
import { invalidArgument } from '@skiff/plugin';
import { createContext, type GlobalOptions } from '../context.js';
import { labelMatches } from '../flags/filters.js';
import { humanSize } from '../format.js';

/** docker's `until=`: a timestamp (RFC 3339, a date, or unix seconds) or a duration before now (`10m`, `1h30m`). */
export function parseUntil(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (duration && value !== '') return now - ((Number(duration[1] ?? 0) * 60 + Number(duration[2] ?? 0)) * 60 + Number(duration[3] ?? 0)) * 1000;
  const time = Date.parse(value);
  if (!Number.isNaN(time)) return time;
  throw invalidArgument(`invalid filter 'until=${JSON.stringify(value).slice(1, -1)}': expected a timestamp or a duration such as 10m`);
}

/** Removes every stopped (or created) container the filters keep; asks first unless `force`. */
export async function pruneContainers(globals: GlobalOptions, force: boolean, filterWords: string[]): Promise<void> {
  const filters = filterWords.map((word) => {
    const match = /^(until|label!?)=(.*)$/s.exec(word);
    if (!match) throw invalidArgument(`invalid filter ${JSON.stringify(word)}: container prune takes until=…, label=… and label!=…`);
    return { key: match[1]!, value: match[1] === 'until' ? parseUntil(match[2]!) : match[2]! };
  });
  if (!force) {
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await prompt.question('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ').catch(() => '');
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) return;
  }
  const { runtime } = await createContext(globals);
  const removed: string[] = [];
  let reclaimed = 0;
  for (const record of await runtime.list()) {
    if (record.status === 'running') continue;
    const keep = filters.some(({ key, value }) =>
      key === 'until' ? Date.parse(record.created) >= (value as number) : (key === 'label') !== labelMatches(record.config.labels, value as string),
    );
    if (keep) continue;
    const size = await runtime.writableSize(record.id).catch(() => 0);
    try {
      await runtime.remove(record.id, { force: false, volumes: false });
      removed.push(record.id);
      reclaimed += size;
    } catch {
      // started again meanwhile, or removed by someone else: not ours to report
    }
  }
  if (removed.length) process.stdout.write(`Deleted Containers:\n${removed.map((id) => `${id}\n`).join('')}\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}
