import { parseBytes } from '@skiff/cgroups';
import { invalidArgument } from '@skiff/core/plugin';

/** docker's `--log-opt max-size=10m --log-opt max-file=3` (max-file counts the current file too). */
export function parseLogOptions(entries: string[]): { logMaxBytes?: number; logKeep?: number } {
  const result: { logMaxBytes?: number; logKeep?: number } = {};
  for (const entry of entries) {
    const [key, value = ''] = entry.split('=', 2);
    if (key === 'max-size') result.logMaxBytes = parseBytes(value, '--log-opt max-size');
    else if (key === 'max-file' && /^[1-9]\d*$/.test(value)) result.logKeep = Number(value) - 1;
    else throw invalidArgument(`invalid --log-opt "${entry}": use max-size=SIZE (e.g. 10m) or max-file=N (N >= 1)`);
  }
  return result;
}
