// run.cjs: the bundle of `run` and `create` alone, which skiff.ts loads for them instead of main.cjs: loaded
// ~2 ms sooner under Bun on this VM (a ~0.5 MB bundle instead of ~0.73). Apart from quick.cjs, whose `ps` and
// `inspect` would load ~1.3 ms later with run's code beside them.
import { runCli } from './cli.js';
import { defineRun } from './commands/run.js';
import { createProgramOf } from './program-core.js';

// BUNDLE_OF (command-name.ts) sends these here.
void runCli((argv) => createProgramOf([defineRun], argv));
