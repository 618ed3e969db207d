// The bundle of every command (main.cjs): see cli.ts.
import { runCli } from './cli.js';
import { createProgram } from './program.js';

void runCli(createProgram);
