import { invalidArgument } from '@skiff/plugin';
import { tabwrite } from '../template/index.js';

/**
 * The rows of `ps` output whose PID is one of `pids`, aligned as docker prints them. Each row is split into as
 * many fields as the header has; the last (the command) keeps its spaces.
 */
export function topTable(output: string, pids: Set<number>): string {
  const [header = '', ...lines] = output.split('\n').filter((line) => line.trim() !== '');
  const titles = header.trim().split(/\s+/);
  const pidColumn = titles.indexOf('PID');
  if (pidColumn < 0) throw invalidArgument("Couldn't find PID field in ps output");
  const rows = lines
    .map((line) => {
      const fields = line.trim().split(/\s+/);
      return [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
    })
    .filter((fields) => pids.has(Number(fields[pidColumn])));
  // docker's top table: min width 20, padding 3.
  return tabwrite([titles, ...rows].map((fields) => `${fields.join('\t')}\n`).join(''), 20);
}
