import { Command } from 'commander';
import { defineExec } from './commands/exec.js';
import { defineExport } from './commands/export.js';
import { defineImages } from './commands/images.js';
import { defineInspect } from './commands/inspect.js';
import { defineLifecycle } from './commands/lifecycle.js';
import { defineLogs } from './commands/logs.js';
import { definePs } from './commands/ps.js';
import { defineRun } from './commands/run.js';
import { defineSystem } from './commands/system.js';
import type { GlobalOptions } from './context.js';
import { collect } from './options.js';

declare const __SKIFF_VERSION__: string;

/**
 * The `skiff` command line. Commands are defined here cheaply; each loads the runtime only when it runs, so
 * start-up stays small. Flags follow docker's names and meanings.
 */
export function createProgram(): Command {
  const program = new Command('skiff')
    .description('a daemonless container runtime')
    .version(__SKIFF_VERSION__, '--version')
    .enablePositionalOptions()
    .exitOverride()
    .option('--root <dir>', 'state root (env SKIFF_ROOT; default /var/lib/skiff)')
    .option('--run-root <dir>', 'runtime state root (env SKIFF_RUN_ROOT; default /run/skiff)')
    .option('--plugin <package>', 'load a driver plugin by npm package name (repeatable; env SKIFF_PLUGINS=a,b; or "plugins" in <root>/config.json)', collect);
  const globals = () => program.opts<GlobalOptions>();
  for (const define of [defineRun, defineLifecycle, definePs, defineLogs, defineExec, defineInspect, defineImages, defineExport, defineSystem]) {
    define(program, globals);
  }
  // Subcommands inherit exitOverride, so a usage error anywhere exits 125 through skiff.ts.
  for (const command of program.commands) command.exitOverride();
  return program;
}
