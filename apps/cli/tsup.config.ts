import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

const shared: Options = {
  target: 'node20',
  define: { __SKIFF_VERSION__: JSON.stringify(version) },
  // `pnpm build` empties dist/ first: two builds write into it side by side.
  clean: false,
};

/**
 * Built-in modules loaded only when first used. The bundle's packages import built-ins at their top level, and
 * a package's code is one module in the bundle, so `skiff run` loaded node:stream, net, dgram, readline,
 * crypto... for code it never calls. Under Bun, built-ins are JavaScript and cost milliseconds each (stream ~8,
 * net ~4, child_process ~3 on this VM; measured with `bun FILE` beside an empty file). esbuild turns each named
 * import into `import_x=require("x")` and reads `import_x.name` where it is used: `__lzy("x")` instead returns
 * an object that requires "x" on the first such read. Padded to the same length, so the source map still holds.
 * fs, path, events, process and module are not listed: nearly every command uses them at once.
 */
const LAZY = ['buffer', 'child_process', 'crypto', 'dgram', 'fs/promises', 'http', 'https', 'net', 'os', 'readline', 'readline/promises', 'stream', 'stream/promises', 'string_decoder', 'timers/promises', 'tty', 'url', 'util', 'v8', 'zlib'];
const LAZY_BUILTIN = `function __lzy(id){let m;const load=()=>m??=require(id);return new Proxy({},{get:(_,k)=>load()[k],has:(_,k)=>k in load(),ownKeys:()=>Reflect.ownKeys(load()),getOwnPropertyDescriptor:(_,k)=>{const d=Reflect.getOwnPropertyDescriptor(load(),k);if(d)d.configurable=true;return d}})}`;

function lazyBuiltins(file: string): void {
  const names = LAZY.map((name) => name.replace('/', '\\/')).join('|');
  const code = readFileSync(file, 'utf8').replace(new RegExp(`=require\\("(${names})"\\)`, 'g'), (_, id: string) => `=__lzy("${id}")  `);
  writeFileSync(file, code);
}

export default defineConfig([
  {
    // The `skiff` command: CommonJS, everything bundled (skiff's packages and libraries alike). As ES modules,
    // each Node built-in imported costs a module facade that reads every export: `import ... from 'node:fs'`
    // alone loads Node's streams. require() does not; measured ~15 ms per `skiff run` on this VM.
    // skiff.cjs only turns on the compile cache, then requires main.cjs (kept apart so the cache covers it).
    // The libraries only some commands use stay out (tar for import/export/commit, import-meta-resolve for
    // plugins): the bundle is read whole at every start, and they are 180 kB of its 530.
    ...shared,
    // quick.cjs: `ps` and `inspect` alone (src/quick.ts); run.cjs: `run` and `create` (src/run-bundle.ts).
    // skiff-runc.cjs + oci-main.cjs: the OCI runtime mode (src/oci/), the same way.
    entry: { skiff: 'src/skiff.ts', main: 'src/main.ts', quick: 'src/quick.ts', run: 'src/run-bundle.ts', execa: 'src/execa-bundle.ts', 'skiff-runc': 'src/skiff-runc.ts', 'oci-main': 'src/oci/main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    external: ['./main.cjs', './quick.cjs', './run.cjs', './oci-main.cjs', './execa.cjs', 'tar', 'import-meta-resolve'],
    noExternal: [/^(?!(tar|import-meta-resolve)$)/],
    // execa in execa.cjs (src/execa-bundle.ts) alone: the other bundles require it there, when first used.
    esbuildPlugins: [
      {
        name: 'execa-apart',
        setup(build) {
          build.onResolve({ filter: /^execa$/ }, (args) => (args.importer.endsWith('execa-bundle.ts') ? undefined : { path: './execa.cjs', external: true }));
        },
      },
    ],
    // import.meta.url in CommonJS: the bundle's own file URL (context.ts finds skiff.cjs beside it).
    shims: true,
    // process.stdout and process.stderr through getters that note their use (src/stdio-used.ts).
    esbuildOptions: (options) => {
      options.inject = [...(options.inject ?? []), 'src/stdio-used.ts'];
      options.define = { ...options.define, 'process.stdout': 'skiffStdio.stdout', 'process.stderr': 'skiffStdio.stderr' };
    },
    // Node reads and hashes the whole bundle at every start: without comments and indentation it is a third
    // smaller (and plain ASCII, so V8 keeps it as a one-byte string), ~8 ms less per start here. Names are
    // kept; `node --enable-source-maps` maps stack traces back to the sources.
    minifyWhitespace: true,
    sourcemap: true,
    // `--`: node must not take skiff's `--env-file` as its own (see scripts/setup).
    banner: { js: '#!/usr/bin/env -S node --' },
    // Hoisted, so usable from the first line: see lazyBuiltins below.
    footer: { js: LAZY_BUILTIN },
    // The native helper travels with the bundle (dist/skiff-helper): finding it through @skiff/native's package
    // exports at every start costs ~4 ms of module resolution.
    onSuccess: async () => {
      const require = createRequire(import.meta.url);
      copyFileSync(require.resolve('@skiff/native/bin/skiff-helper'), 'dist/skiff-helper');
      // The DNS responder of user networks, found beside the helper.
      copyFileSync(require.resolve('@skiff/native/bin/skiff-dns'), 'dist/skiff-dns');
      for (const bundle of ['dist/main.cjs', 'dist/quick.cjs', 'dist/run.cjs', 'dist/oci-main.cjs']) lazyBuiltins(bundle);
    },
  },
]);
