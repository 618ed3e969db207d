/** commander reducer for repeatable options: every value, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];
