import { defineConfig } from 'tsup';

export default defineConfig({
  // testing is a separate entry so that importing the contract never loads vitest.
  entry: ['src/index.ts', 'src/testing/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
});
