import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// Two entries: the `skiff` command (commands load lazily, so `skiff run` pays only for what it uses) and the
// programmatic API (`createSkiff`).
export default defineConfig({
  entry: ['src/skiff.ts', 'src/index.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  target: 'node20',
  define: { __SKIFF_VERSION__: JSON.stringify(version) },
  banner: { js: '#!/usr/bin/env node' },
});
