// The command a `skiff` command line names: read by the entry (skiff.ts, before any bundle loads) and by main.

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
 * The commands the entry runs from a bundle of their own instead of main.cjs (every command), when typed as the
 * command (`container ls`, `container run`... go to main.cjs, which knows the aliases): quick.cjs
 * (src/quick.ts) and run.cjs (src/run-bundle.ts) define these and no other.
 */
export const BUNDLE_OF: ReadonlyMap<string, string> = new Map([
  ['ps', 'quick'],
  ['inspect', 'quick'],
  ['run', 'run'],
  ['create', 'run'],
]);
