import { invalidArgument } from '@skiff/plugin/errors';
import { parseBytes } from './resources.js';

/** docker's `--log-opt max-size=10m --log-opt max-file=3` (max-file counts the current file too). */
export function parseLogOptions(entries: string[]): { logMaxBytes?: number; logKeep?: number } {
  const result: { logMaxBytes?: number; logKeep?: number } = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    const key = entry.slice(0, equals);
    const value = entry.slice(equals + 1);
    if (equals > 0 && key === 'max-size' && (result.logMaxBytes = parseBytes(value, '--log-opt max-size')) > 0) continue;
    if (equals > 0 && key === 'max-file' && /^([1-9]\d?|100)$/.test(value)) {
      result.logKeep = Number(value) - 1;
      continue;
    }
    throw invalidArgument(`invalid --log-opt ${JSON.stringify(entry)}: use max-size=SIZE (e.g. 10m, more than 0) or max-file=N (1 to 100)`);
  }
  return result;
}
