import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import { collect } from '../flags/collect.js';
import type { Want } from './want.js';

/** `container prune`: docker's `container` management command (its other verbs are the top-level ones). */
export function defineContainer(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (!want('container')) return;
  const container = program.command('container').description('manage containers (container ls|inspect|rm|logs|exec|… are the top-level commands: ps, inspect --type container, rm, …)');
  container
    .command('prune')
    .description('remove all stopped containers')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <key=value>', 'until=TIMESTAMP|DURATION (created before), label=KEY[=VALUE], label!=KEY[=VALUE] (repeatable)', collect)
    .action(async (options: { force?: boolean; filter?: string[] }) => {
      const { pruneContainers } = await import('./container-prune.js');
      await pruneContainers(globals(), options.force ?? false, options.filter ?? []);
    });
  for (const command of container.commands) command.exitOverride();
  container.exitOverride();
}
