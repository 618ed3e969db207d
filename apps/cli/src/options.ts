import { invalidArgument } from '@skiff/plugin';

/** commander reducer for repeatable options. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A whole number of seconds, for `stop -t` and `restart -t`. */
export function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw invalidArgument(`invalid time ${JSON.stringify(value)}: expected whole seconds`);
  return Number(value);
}
