/**
 * skiff from TypeScript: the same wiring the `skiff` command uses (built-in drivers, plugins, the image
 * store), returning core's typed `Runtime`.
 *
 *   const { runtime } = await createSkiff();
 *   const { id } = await runtime.run({ image: 'busybox', args: ['echo', 'hi'], detach: true });
 */
export { createContext as createSkiff, type Context as Skiff, type GlobalOptions as SkiffOptions } from './context.js';
export type { Runtime, RunOptions, RunResult, CreateOptions, ExecOptions, LogLine, ContainerInspect, ContainerRecord } from '@skiff/core';
