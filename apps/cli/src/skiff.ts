// The `skiff` command's entry: as small as possible, because everything here runs before any caching helps.
import module from 'node:module';

// Node >= 22.1 keeps V8's compiled code of every module on disk, so later starts skip parsing and compiling.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// The bundle proper, a file apart so the compile cache covers it (built as CommonJS: see tsup.config.ts).
module.createRequire(import.meta.url)('./main.cjs');
