import { defineConfig } from 'tsup';

export default defineConfig({
  // testing is a separate entry so that importing the contract never loads vitest; errors one so that the CLI's
  // start (flags, messages) loads the error types and volume names without the rest (locks load node:net, ...).
  entry: ['src/index.ts', 'src/testing/index.ts', 'src/errors.ts', 'src/volume.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
});
