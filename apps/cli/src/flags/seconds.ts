import { invalidArgument } from '@skiff/plugin';

/** A whole number of seconds, for `stop -t` and `restart -t`. */
export function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw invalidArgument(`invalid time ${JSON.stringify(value)}: expected whole seconds`);
  return Number(value);
}
