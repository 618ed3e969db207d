import { Command } from 'commander';
import { SkiffError } from '@skiff/plugin/errors';
import { defineArchive } from './commands/archive.js';
import { defineAttach } from './commands/attach.js';
import { defineGenerate } from './commands/generate.js';
import { defineExec } from './commands/exec.js';
import { defineExport } from './commands/export.js';
import { defineHistory } from './commands/history.js';
import { defineImage } from './commands/image.js';
import { defineImages } from './commands/images.js';
import { defineInspect } from './commands/inspect.js';
import { defineLifecycle } from './commands/lifecycle.js';
import { defineLogin } from './commands/login.js';
import { defineLogs } from './commands/logs.js';
import { defineNetwork, definePort } from './commands/network.js';
import { definePs } from './commands/ps.js';
import { definePull } from './commands/pull.js';
import { definePush } from './commands/push.js';
import { defineRmi } from './commands/rmi.js';
import { defineRun } from './commands/run.js';
import { defineSystem } from './commands/system.js';
import { defineTag } from './commands/tag.js';
import { defineVolume } from './commands/volume.js';
import { defineContainer } from './commands/container.js';
import { defineCp } from './commands/cp.js';
import { defineInfo } from './commands/info.js';
import { defineEvents } from './commands/events.js';
import { defineRename } from './commands/rename.js';
import { defineStats } from './commands/stats.js';
import { defineTop } from './commands/top.js';
import { defineUpdate } from './commands/update.js';
import type { GlobalOptions } from './context.js';
import { collect } from './flags/collect.js';

declare const __SKIFF_VERSION__: string;

/** Whether a command of this name is to be defined (see createProgram). */
export type Want = (name: string) => boolean;

/** Global options that take a value: skipped, with their value, when looking for the command's name. */
const GLOBALS_WITH_VALUE = new Set(['--root', '--run-root', '--plugin']);

/**
 * The command the user typed: the first argument that is neither a global option nor a global option's value.
 * None when help is asked for first (`skiff -h run` shows the whole program's help).
 */
export function commandName(args: string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '-h' || arg === '--help') return undefined;
    if (!arg.startsWith('-')) return arg;
    if (GLOBALS_WITH_VALUE.has(arg)) index++;
  }
  return undefined;
}

/**
 * The `skiff` command line. Commands are defined here cheaply; each loads the runtime only when it runs, so
 * start-up stays small. Flags follow docker's names and meanings.
 * Only the command typed is defined: run and create have 37 options each, and defining every command costs
 * ~8 ms of each start on this project's VM. With no command, `help`, or a name no command has, all are
 * defined, so help lists them and commander suggests the nearest name.
 */
export function createProgram(argv: string[] = process.argv): Command {
  const wanted = commandName(argv.slice(2));
  if (wanted !== undefined) {
    const program = defineProgram((name) => name === wanted);
    if (program.commands.length > 0) {
      unknownSubcommand(program.commands[0]!, argv.slice(argv.indexOf(wanted, 2) + 1));
      return program;
    }
  }
  const program = defineProgram(() => true);
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

function defineProgram(want: Want): Command {
  const program = new Command('skiff')
    .description('a daemonless container runtime')
    .version(__SKIFF_VERSION__, '--version')
    .enablePositionalOptions()
    .exitOverride()
    .option('--root <dir>', 'state root (env SKIFF_ROOT; default /var/lib/skiff)')
    .option('--run-root <dir>', 'runtime state root (env SKIFF_RUN_ROOT; default /run/skiff)')
    .option('--plugin <package>', 'load a driver plugin by npm package name (repeatable; env SKIFF_PLUGINS=a,b; or "plugins" in <root>/config.json)', collect);
  const globals = () => program.opts<GlobalOptions>();
  for (const define of [defineRun, defineLifecycle, definePs, defineLogs, defineExec, defineInspect, defineImages, definePull, defineExport, defineSystem, defineVolume, defineTag, defineRmi, defineImage, defineHistory, defineLogin, defineArchive, definePush, defineNetwork, definePort, defineAttach, defineGenerate]) {
    define(program, globals, want);
  }
  // Issue 15's everyday commands.
  for (const define of [defineRename, defineTop, defineStats, defineUpdate, defineContainer, defineCp, defineInfo, defineEvents]) define(program, globals, want);
  // Subcommands inherit exitOverride, so a usage error anywhere exits 125 through skiff.ts.
  for (const command of program.commands) command.exitOverride();
  return program;
}
