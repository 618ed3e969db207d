// The README's "From TypeScript" example: run a container, stream its output, wait for it, remove it; an
// AbortSignal bounds the whole thing. As root, after `pnpm build`:  node examples/api/demo.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSkiff } from 'skiff';

const state = await mkdtemp(join(tmpdir(), 'skiff-demo-'));
const skiff = await createSkiff({ root: join(state, 'root'), runRoot: join(state, 'run') });
const signal = AbortSignal.timeout(30_000); // kills the container if it runs longer

const { id } = await skiff.create({ image: 'busybox', args: ['sh', '-c', 'echo "hello from $(hostname)"; read line; echo "got $line" >&2'], interactive: true });
const exited = skiff.wait(id, { signal }); // before start: no exit is missed
const run = await skiff.attachStart(id, { signal });
run.stdout.on('data', (chunk) => process.stdout.write(`[stdout] ${chunk}`));
run.stderr.on('data', (chunk) => process.stdout.write(`[stderr] ${chunk}`));
run.stdin.end('bye\n');
const exitCode = await run.exit;
console.log(`exit code ${exitCode} (wait: ${await exited}), state ${(await skiff.inspect(id)).State.Status}`);
for await (const line of skiff.logs(id, { signal })) process.stdout.write(`[log ${line.stream}] ${line.data}`);
await skiff.remove(id);
await rm(state, { recursive: true });
