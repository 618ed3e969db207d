// The `skiff` command's entry: as small as possible, because everything here runs before any caching helps.
import module from 'node:module';

// Node >= 22.1 keeps V8's compiled code of every module on disk, so later starts skip parsing and compiling.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

await import('./main.js');
