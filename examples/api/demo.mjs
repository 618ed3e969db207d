// Runs a detached container from code, waits for it, prints its logs, removes it.
// As root, after `pnpm build`:  node examples/api/demo.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSkiff } from '@skiff/cli';

const state = await mkdtemp(join(tmpdir(), 'skiff-demo-'));
const { runtime } = await createSkiff({ root: join(state, 'root'), runRoot: join(state, 'run') });

const { id } = await runtime.run({
  image: 'busybox',
  args: ['sh', '-c', 'echo "hello from $(hostname)"; echo "to stderr" >&2'],
  detach: true,
});
const exitCode = await runtime.wait(id);
for await (const line of runtime.logs(id)) process.stdout.write(`[${line.stream}] ${line.data}`);
console.log(`exit code ${exitCode}, state ${(await runtime.inspect(id)).State.Status}`);
await runtime.remove(id);
await rm(state, { recursive: true });
