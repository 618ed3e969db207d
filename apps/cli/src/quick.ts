// quick.cjs: the bundle of `run`, `create`, `ps` and `inspect` alone, which skiff.ts loads for them instead of
// main.cjs. Without the other commands' code (and what it imports) `ps` and `inspect` start ~6 ms sooner under
// Bun on this VM, `run` is loaded ~2 ms sooner (a ~0.78 MB bundle instead of ~0.97).
import { runCli } from './cli.js';
import { definePs } from './commands/ps.js';
import { defineInspect } from './commands/inspect.js';
import { defineRun } from './commands/run.js';
import { createProgramOf } from './program-core.js';

// QUICK_COMMANDS (command-name.ts) lists what is defined here.
void runCli((argv) => createProgramOf([defineRun, definePs, defineInspect], argv));
