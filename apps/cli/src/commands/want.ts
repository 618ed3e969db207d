/**
 * Whether a command of this name is to be defined: createProgram (program.ts) defines only the command being
 * run, so a `skiff run` loads none of the other commands' code.
 */
export type Want = (name: string) => boolean;
