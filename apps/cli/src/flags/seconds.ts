import { invalidArgument, SkiffError } from '@skiff/plugin/errors';

/** A whole number of seconds, for `stop -t` and `restart -t`. */
export function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw invalidArgument(`invalid time ${JSON.stringify(value)}: expected whole seconds`);
  return Number(value);
}

/**
 * docker's check for `-it`: a terminal is relayed from stdin, so stdin must be one (else the container waits
 * forever for input that never comes). Exit 1, docker's message.
 */
export function requireTerminalStdin(flags: { tty?: boolean; interactive?: boolean }): void {
  if (flags.tty && flags.interactive && !process.stdin.isTTY) {
    throw Object.assign(new SkiffError('INVALID_ARGUMENT', 'the input device is not a TTY', { hint: 'drop -t (or -i), or run it from a terminal' }), { exitCode: 1 });
  }
}
