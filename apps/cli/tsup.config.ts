import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// The CLI is one ESM entry; commands are loaded lazily (dynamic import) so `skiff run` pays only for what it uses.
export default defineConfig({
  entry: ['src/skiff.ts'],
  format: ['esm'],
  dts: false,
  clean: true,
  target: 'node20',
  define: { __SKIFF_VERSION__: JSON.stringify(version) },
  banner: { js: '#!/usr/bin/env node' },
});
