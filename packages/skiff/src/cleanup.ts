// What a detached container's supervisor runs once the container has exited, for containers a program
// started through this library: `node cleanup.js --root R --run-root RR [--plugin P]... cleanup ID`
// (the same arguments as `skiff ... cleanup ID`). It tears the container down: cgroup, mounts, --rm.
import { parseArgs } from 'node:util';
import { createContext } from './wiring.js';

const { values, positionals } = parseArgs({
  options: { root: { type: 'string' }, 'run-root': { type: 'string' }, plugin: { type: 'string', multiple: true } },
  allowPositionals: true,
});
const [command, id] = positionals;
if (command !== 'cleanup' || !id || positionals.length !== 2) {
  process.stderr.write('usage: cleanup.js --root R --run-root RR [--plugin P]... cleanup ID\n');
  process.exit(125);
}
const { runtime } = await createContext({ root: values.root, runRoot: values['run-root'], plugin: values.plugin });
await runtime.finish(id);
