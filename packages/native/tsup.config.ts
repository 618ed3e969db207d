import { defineConfig } from 'tsup';

export default defineConfig({
  // security apart: the CLI's flags read the capability names without loading the rest.
  entry: { index: 'src/index.ts', security: 'src/security.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
});
