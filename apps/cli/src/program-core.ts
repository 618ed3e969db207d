import { Command } from 'commander';
import { SkiffError } from '@skiff/plugin/errors';
import type { GlobalOptions } from './context.js';
import { collect } from './flags/collect.js';
import { commandName } from './command-name.js';

declare const __SKIFF_VERSION__: string;

import type { Want } from './commands/want.js';

export type { Want };

/** Defines one command (or a group) on the program, if `want` says so. */
export type DefineCommand = (program: Command, globals: () => GlobalOptions, want: Want) => void;

/**
 * The `skiff` command line. Commands are defined here cheaply; each loads the runtime only when it runs, so
 * start-up stays small. Flags follow docker's names and meanings.
 * Only the command typed is defined: run and create have 37 options each, and defining every command costs
 * ~8 ms of each start on this project's VM. With no command, `help`, or a name no command has, all are
 * defined, so help lists them and commander suggests the nearest name.
 */
export function createProgramOf(defines: DefineCommand[], argv: string[] = process.argv): Command {
  const wanted = commandName(argv.slice(2));
  if (wanted !== undefined) {
    const program = defineProgram(defines, (name) => name === wanted);
    if (program.commands.length > 0) {
      unknownSubcommand(program.commands[0]!, argv.slice(argv.indexOf(wanted, 2) + 1));
      return program;
    }
  }
  const program = defineProgram(defines, () => true);
  // As docker: an unknown command fails (exit 1), even with --help after it (which commander would answer with
  // the program's help and 0, fooling a script that probes for a command).
  if (wanted !== undefined && wanted !== 'help' && !program.commands.some((command) => command.name() === wanted || command.aliases().includes(wanted))) {
    throw Object.assign(new SkiffError('INVALID_ARGUMENT', `unknown command: skiff ${wanted}`, { hint: "run 'skiff --help' for the list" }), { exitCode: 1 });
  }
  return program;
}

/** `skiff volume nosuch` (with or without --help) fails as docker's `docker volume nosuch` does: exit 1. */
function unknownSubcommand(group: Command, rest: string[]): void {
  const name = rest.find((arg) => !arg.startsWith('-'));
  if (group.commands.length === 0 || name === undefined || name === 'help') return;
  if (group.commands.some((command) => command.name() === name || command.aliases().includes(name))) return;
  throw Object.assign(new SkiffError('INVALID_ARGUMENT', `unknown command: skiff ${group.name()} ${name}`, { hint: `run 'skiff ${group.name()} --help' for the list` }), { exitCode: 1 });
}

function defineProgram(defines: DefineCommand[], want: Want): Command {
  const program = new Command('skiff')
    .description('a daemonless container runtime')
    .version(__SKIFF_VERSION__, '--version')
    .enablePositionalOptions()
    .exitOverride()
    .option('--root <dir>', 'state root (env SKIFF_ROOT; default /var/lib/skiff)')
    .option('--run-root <dir>', 'runtime state root (env SKIFF_RUN_ROOT; default /run/skiff)')
    .option('--plugin <package>', 'load a driver plugin by npm package name (repeatable; env SKIFF_PLUGINS=a,b; or "plugins" in <root>/config.json)', collect);
  const globals = () => program.opts<GlobalOptions>();
  for (const define of defines) define(program, globals, want);
  // Subcommands inherit exitOverride, so a usage error anywhere exits 125 through skiff.ts.
  for (const command of program.commands) command.exitOverride();
  return program;
}
