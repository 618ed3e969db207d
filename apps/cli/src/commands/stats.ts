import type { Command } from 'commander';
import type { ContainerRecord, StatsSample } from '@skiff/core';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

interface StatsOptions {
  all?: boolean;
  stream: boolean;
  format?: string;
  trunc: boolean;
}

/** Between the two readings CPU % is measured over (docker's API samples a second apart). */
const SAMPLE_MS = 500;

/**
 * docker stats: CPU %, memory, block I/O and pids from each container's cgroup. Streams (redrawing the table
 * every second) until interrupted, or prints once with --no-stream.
 */
export function defineStats(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('stats'))
    program
      .command('stats')
      .description("show containers' resource usage (running ones, or those named)")
      .argument('[container...]')
      .option('-a, --all', 'show all containers (default: running ones)')
      .option('--format <format>', 'table, json, table TEMPLATE or a Go template: {{.ID}} {{.Name}} {{.Container}} {{.CPUPerc}} {{.MemUsage}} {{.MemPerc}} {{.NetIO}} {{.BlockIO}} {{.PIDs}}')
      .option('--no-stream', 'print one reading and exit')
      .option('--no-trunc', 'do not truncate ids')
      .action(async (references: string[], options: StatsOptions) => {
        const { createContext } = await import('../context.js');
        const { runtime } = await createContext(globals());
        const records = async (): Promise<ContainerRecord[]> => {
          if (references.length) return Promise.all(references.map((reference) => runtime.store.resolve(reference)));
          const all = (await runtime.list()).sort((a, b) => b.created.localeCompare(a.created));
          return all.filter((record) => options.all || record.status === 'running');
        };
        const { STATS_HEADER, STATS_TABLE, statsRow } = await import('./stats-rows.js');
        const { formatList } = await import('../template/index.js');
        const render = (rows: unknown[]) => formatList(options.format ?? 'table', rows, { table: STATS_TABLE, header: STATS_HEADER });
        // A template error shows before any waiting.
        render([]);
        const reading = async (list: ContainerRecord[]) => {
          const sample = (record: ContainerRecord) => runtime.stats(record.id).catch((): StatsSample | undefined => undefined);
          const first = await Promise.all(list.map(sample));
          await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
          const second = await Promise.all(list.map(sample));
          return list.map((record, index) => statsRow(record, first[index], second[index], options.trunc));
        };
        if (!options.stream) {
          process.stdout.write(render(await reading(await records())));
          return;
        }
        for (;;) {
          const rows = await reading(await records());
          // Clear the screen and go home, as docker's streaming table does.
          process.stdout.write(`\x1b[2J\x1b[H${render(rows)}`);
          await new Promise((resolve) => setTimeout(resolve, 1000 - SAMPLE_MS));
        }
      });
}
