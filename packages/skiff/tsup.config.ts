import { defineConfig } from 'tsup';

export default defineConfig({
  // wiring: what the `skiff` command shares with createSkiff (drivers, plugins, images); cleanup: the command a
  // detached container's supervisor runs when it exits (the library has no CLI to call).
  entry: ['src/index.ts', 'src/wiring.ts', 'src/cleanup.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/wiring.ts'] },
  clean: true,
  target: 'node20',
});
