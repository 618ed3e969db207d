import { createInterface } from 'node:readline/promises';
import { invalidArgument } from '@skiff/plugin';
import type { Runtime } from '@skiff/core';
import { createContext, type GlobalOptions } from '../context.js';
import { labelMatches } from '../flags/filters.js';
import { parseTimestamp } from '../flags/timestamp.js';
import { humanSize } from '../format.js';

/** Removes every stopped (or created) container the filters keep; asks first unless `force`. */
export async function pruneContainers(globals: GlobalOptions, force: boolean, filterWords: string[]): Promise<void> {
  // Bad filters are refused before the question.
  parsePruneFilters(filterWords);
  if (!force) {
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await prompt.question('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ').catch(() => '');
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) return;
  }
  const { runtime } = await createContext(globals);
  const { removed, reclaimed } = await pruneStopped(runtime, filterWords);
  if (removed.length) process.stdout.write(`Deleted Containers:\n${removed.map((id) => `${id}\n`).join('')}\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}

/** docker container prune's filters: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE]. */
function parsePruneFilters(filterWords: string[]): { key: string; value: string | number }[] {
  return filterWords.map((word) => {
    const match = /^(until|label!?)=(.*)$/s.exec(word);
    if (!match) throw invalidArgument(`invalid filter ${JSON.stringify(word)}: container prune takes until=…, label=… and label!=…`);
    return { key: match[1]!, value: match[1] === 'until' ? parseTimestamp(match[2]!, 'filter until') : match[2]! };
  });
}

/**
 * Removes the stopped containers the filter words keep (each `KEY=VALUE`, as `--filter`); what went and the bytes
 * of their writable layers. Shared by `skiff container prune` and the Docker API's /containers/prune.
 */
export async function pruneStopped(runtime: Runtime, filterWords: string[]): Promise<{ removed: string[]; reclaimed: number }> {
  const filters = parsePruneFilters(filterWords);
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
  return { removed, reclaimed };
}
