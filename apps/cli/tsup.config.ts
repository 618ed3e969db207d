import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// Two entries: the `skiff` command (commands load lazily, so `skiff run` pays only for what it uses) and the
// programmatic API (`createSkiff`).
export default defineConfig({
  // skiff.ts only turns on the compile cache, then loads main.js (kept external so the cache covers it).
  entry: ['src/skiff.ts', 'src/main.ts', 'src/index.ts'],
  external: ['./main.js'],
  format: ['esm'],
  // Chunks, so what a command does not use (tar, plugin resolution, and the Node built-ins they pull in: zlib,
  // assert, streams) is never loaded: measured ~10 ms faster per `run` than one file on this machine.
  splitting: true,
  dts: { entry: 'src/index.ts' },
  clean: true,
  target: 'node20',
  define: { __SKIFF_VERSION__: JSON.stringify(version) },
  // skiff's own packages and the small libraries are bundled into a few chunks: one file read instead of a
  // node_modules walk per module. @skiff/native stays external: it finds its helper binary next to itself.
  noExternal: [/^@skiff\/(?!native)/, 'commander', 'proper-lockfile', 'import-meta-resolve', 'tar'],
  // proper-lockfile gets skiff's own synchronous fs (core's state/lock.ts), so the graceful-fs it would
  // otherwise load (which patches fs and pulls in streams: ~4 ms of every start) is plain node:fs here.
  esbuildOptions(options) {
    options.alias = { ...options.alias, 'graceful-fs': 'node:fs' };
  },
  // Bundled CommonJS (proper-lockfile) calls require() for Node's built-ins.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __skiffCreateRequire } from 'node:module';\nconst require = __skiffCreateRequire(import.meta.url);" },
});
