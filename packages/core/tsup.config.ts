import { defineConfig } from 'tsup';

export default defineConfig({
  // trace apart: the CLI marks its start with it before it loads the rest.
  entry: { index: 'src/index.ts', trace: 'src/lifecycle/trace.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
});
