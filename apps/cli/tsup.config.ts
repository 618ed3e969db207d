import { copyFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

const shared: Options = {
  target: 'node20',
  define: { __SKIFF_VERSION__: JSON.stringify(version) },
  // `pnpm build` empties dist/ first: two builds write into it side by side.
  clean: false,
};

export default defineConfig([
  {
    // The `skiff` command: CommonJS, everything bundled (skiff's packages and libraries alike). As ES modules,
    // each Node built-in imported costs a module facade that reads every export: `import ... from 'node:fs'`
    // alone loads Node's streams. require() does not; measured ~15 ms per `skiff run` on this VM.
    // skiff.cjs only turns on the compile cache, then requires main.cjs (kept apart so the cache covers it).
    // The libraries only some commands use stay out (tar for import/export/commit, import-meta-resolve for
    // plugins): the bundle is read whole at every start, and they are 180 kB of its 530.
    ...shared,
    // skiff-runc.cjs + oci-main.cjs: the OCI runtime mode (src/oci/), the same way.
    entry: { skiff: 'src/skiff.ts', main: 'src/main.ts', 'skiff-runc': 'src/skiff-runc.ts', 'oci-main': 'src/oci/main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    external: ['./main.cjs', './oci-main.cjs', 'tar', 'import-meta-resolve'],
    noExternal: [/^(?!(tar|import-meta-resolve)$)/],
    // import.meta.url in CommonJS: the bundle's own file URL (context.ts finds skiff.cjs beside it).
    shims: true,
    // Node reads and hashes the whole bundle at every start: without comments and indentation it is a third
    // smaller (and plain ASCII, so V8 keeps it as a one-byte string), ~8 ms less per start here. Names are
    // kept; `node --enable-source-maps` maps stack traces back to the sources.
    minifyWhitespace: true,
    sourcemap: true,
    // `--`: node must not take skiff's `--env-file` as its own (see scripts/setup).
    banner: { js: '#!/usr/bin/env -S node --' },
    // The native helper travels with the bundle (dist/skiff-helper): finding it through @skiff/native's package
    // exports at every start costs ~4 ms of module resolution.
    onSuccess: async () => {
      const require = createRequire(import.meta.url);
      copyFileSync(require.resolve('@skiff/native/bin/skiff-helper'), 'dist/skiff-helper');
      // The DNS responder of user networks, found beside the helper.
      copyFileSync(require.resolve('@skiff/native/bin/skiff-dns'), 'dist/skiff-dns');
    },
  },
]);
