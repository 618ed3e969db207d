import { CommanderError } from 'commander';
import { trace } from '@skiff/core';
import { describeError } from './errors.js';
import { createProgram } from './program.js';

/** Exit status for skiff's own failures (bad flags, missing image...), as docker uses 125. */
const EXIT_SKIFF_ERROR = 125;

trace('loaded');
void main();

async function main(): Promise<void> {
  try {
    await createProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_SKIFF_ERROR;
    } else {
      process.stderr.write(`skiff: ${describeError(error)}\n`);
      // A container that could not start says why with docker's codes: 126 not executable, 127 not found.
      const code = (error as { exitCode?: unknown }).exitCode;
      process.exitCode = typeof code === 'number' ? code : EXIT_SKIFF_ERROR;
    }
  }
  // Done: leave now rather than wait for stray handles (a follow timer, a lock refresher) to run down.
  // stdout and stderr are synchronous for files, pipes and terminals on Linux, so nothing written is lost.
  process.exit();
}
