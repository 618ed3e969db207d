import { CommanderError, type Command } from 'commander';
import { trace } from '@skiff/core/trace';
import { SkiffError } from '@skiff/plugin/errors';
import { describeError } from './errors.js';
import { normalizeBooleanFlags } from './flags/booleans.js';
import { containerAliases } from './flags/management.js';
import { commandName } from './command-name.js';
import { flushOpened, writeOut } from './write-out.js';

/** Exit status for skiff's own failures (bad flags, missing image...), as docker uses 125. */
const EXIT_SKIFF_ERROR = 125;

/**
 * docker answers "No such container" (or image) with 1 for every command but `run` and `create`, whose own
 * failures are 125: `docker logs|inspect|wait|exec|rm|stop|kill|start NAME` exit 1.
 */
function notFoundExit(error: unknown): number | undefined {
  if (!SkiffError.isInstance(error) || error.code !== 'NOT_FOUND') return undefined;
  const command = commandName(containerAliases(process.argv).slice(2));
  return command === 'run' || command === 'create' ? undefined : 1;
}

/**
 * Runs the `skiff` command line `createProgram` makes of process.argv, and exits: the whole of main.cjs (every
 * command) and of quick.cjs and run.cjs (the commands the entry sends there: command-name.ts) alike.
 */
export async function runCli(createProgram: (argv: string[]) => Command): Promise<void> {
  trace('loaded');
  // Bun ends the process when its event loop looks empty, even while a promise waits on piped stdin (`import -`
  // exited 0 having read nothing, 2 runs in 30): this timer keeps the loop alive until the command is done.
  const alive = setInterval(() => {}, 1 << 30);
  try {
    const argv = containerAliases(process.argv);
    const program = createProgram(argv);
    await program.parseAsync(normalizeBooleanFlags(program, argv));
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_SKIFF_ERROR;
    } else {
      writeOut(2, `skiff: ${describeError(error)}\n`);
      // A container that could not start says why with docker's codes: 126 not executable, 127 not found.
      const code = (error as { exitCode?: unknown }).exitCode;
      process.exitCode = typeof code === 'number' ? code : notFoundExit(error) ?? EXIT_SKIFF_ERROR;
    }
  }
  // Done: leave now rather than wait for stray handles (a follow timer, a lock refresher) to run down, once
  // stdout and stderr are flushed.
  await flushOpened();
  clearInterval(alive);
  process.exit();
}
