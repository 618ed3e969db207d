// The `skiff` command's entry: as small as possible, because everything here runs before any caching helps.
import { BUNDLE_OF, commandName } from './command-name.js';
import { loadBundle } from './entry.js';

declare const __SKIFF_VERSION__: string;

// `skiff --version` alone needs nothing of the bundle (commander answers it the same way, after loading it all).
// console.log, not process.stdout: under Bun making that stream costs more than the rest of this start.
if (process.argv.length === 3 && process.argv[2] === '--version') console.log(__SKIFF_VERSION__);
// The bundle proper, a file apart so the compile cache covers it (built as CommonJS: see tsup.config.ts); for
// `ps` and `inspect`, `run` and `create`, a bundle of those alone (src/quick.ts, src/run-bundle.ts).
else loadBundle(BUNDLE_OF.get(commandName(process.argv.slice(2)) ?? '') ?? 'main');
