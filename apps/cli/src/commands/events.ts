import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import { collect } from '../flags/collect.js';
import type { Want } from './want.js';

export interface EventsOptions {
  since?: string;
  until?: string;
  filter?: string[];
  format?: string;
}

/**
 * docker events, from the journal every skiff command appends to (<root>/events.log): past events with --since,
 * then new ones as they are written (until interrupted, or until --until).
 */
export function defineEvents(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('events'))
    program
      .command('events')
      .description('show container events (create, start, die, kill, stop, rename, update, destroy…) as they happen')
      .option('--since <time>', 'also show events since this time (timestamp, unix seconds, or a duration such as 10m)')
      .option('--until <time>', 'stop at this time (without it, follow until interrupted)')
      .option('-f, --filter <key=value>', 'container=NAME|ID, event=ACTION, type=container|image|volume, image=NAME, label=KEY[=VALUE] (repeatable)', collect)
      .option('--format <format>', 'json or a Go template: {{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}} {{.Time}} {{.TimeNano}} {{.Status}} {{.ID}} {{.From}}')
      .action(async (options: EventsOptions) => {
        const { followEvents } = await import('./events-read.js');
        const { resolveRoots } = await import('@skiff/core');
        const { root, runRoot } = globals();
        await followEvents(resolveRoots({ root, runRoot }), options);
      });
}
