import { labelMatches } from '@skiff/core';
import { invalidArgument } from '@skiff/plugin';

export { labelMatches };

/**
 * docker's `--filter KEY=VALUE` (`-f`): the same key given twice matches either value, different keys must all
 * match. `keys` are the ones a command accepts; another key is docker's `invalid filter 'KEY'`.
 */
export type Filters = Map<string, string[]>;

export function parseFilters(words: string[], keys: readonly string[]): Filters {
  const filters: Filters = new Map();
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals <= 0) throw invalidArgument(`bad format of filter (expected name=value): ${JSON.stringify(word)}`);
    const key = word.slice(0, equals).toLowerCase();
    if (!keys.includes(key)) throw invalidArgument(`invalid filter '${JSON.stringify(key).slice(1, -1)}'; filters here: ${keys.join(', ')}`);
    filters.set(key, [...(filters.get(key) ?? []), word.slice(equals + 1)]);
  }
  return filters;
}

/** A boolean filter value (`dangling=true`), docker's spellings. */
export function filterBoolean(key: string, value: string): boolean {
  if (['true', '1'].includes(value.toLowerCase())) return true;
  if (['false', '0'].includes(value.toLowerCase())) return false;
  throw invalidArgument(`invalid filter '${key}=${JSON.stringify(value).slice(1, -1)}': expected true or false`);
}

/** `label=KEY` (present) or `label=KEY=VALUE` (equal) against a label set. */
/** Every label filter must match (docker ANDs repeated label filters, unlike other keys). */
export const labelsMatch = (labels: Record<string, string> | undefined, wanted: string[] | undefined) =>
  (wanted ?? []).every((label) => labelMatches(labels, label));

/** docker's glob for `reference=`: `*` and `?` never cross a `/`. */
export function globMatch(pattern: string, text: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${source}$`).test(text);
}
