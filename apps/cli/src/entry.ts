// What skiff.ts and skiff-runc.ts share: load the bundle proper.
import module from 'node:module';

/**
 * Loads `NAME.cjs` beside this entry, with the runtime's compile cache on: Node >= 22.1 and Bun (1.4 here) keep
 * the compiled code of every module on disk (Bun's as JavaScriptCore bytecode), so later starts skip parsing and
 * compiling the ~0.9 MB bundle. (A bytecode file built ahead with `bun build --bytecode` was measured on top of it
 * and saved nothing on Bun: its cache already holds the same.)
 */
export function loadBundle(name: string): void {
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  module.createRequire(import.meta.url)(`./${name}.cjs`);
}
