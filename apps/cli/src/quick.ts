// quick.cjs: the bundle of `ps` and `inspect` alone, which skiff.ts loads for them instead of main.cjs. They
// read state and print; without the other commands' code (and what it imports) they start ~6 ms sooner under
// Bun on this VM (a ~0.49 MB bundle instead of ~0.73; execa lives in execa.cjs).
import { runCli } from './cli.js';
import { definePs } from './commands/ps.js';
import { defineInspect } from './commands/inspect.js';
import { createProgramOf } from './program-core.js';

// BUNDLE_OF (command-name.ts) sends these here.
void runCli((argv) => createProgramOf([definePs, defineInspect], argv));
