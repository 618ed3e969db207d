import { defineConfig } from 'tsup';

export default defineConfig({
  // testsuite is a separate entry so that importing the drivers never loads vitest.
  entry: ['src/index.ts', 'src/testsuite.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
});
