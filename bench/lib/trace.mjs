// 6. Where skiff's time goes: SKIFF_TRACE=1 runs print `skiff-trace <phase> <ms since process start>` marks, and
// may print `skiff-trace-span <name> <ms>` durations of work whose clock is not the CLI's (the C helper's).
// A bare node runs beside each traced run, so the Node baseline is taken under the same load.
import { spawnSync } from 'node:child_process';
import { CONFIG, MAX_FAILURES } from './config.mjs';
import { nodeOnce } from './latency.mjs';
import { SKIFF_UNAVAILABLE } from './skiff.mjs';
import { describeFailure, log, nowMs, stats } from './util.mjs';

/**
 * Spans the report always shows, measured or not. skiff-helper prints them under SKIFF_TRACE=1 (c/trace.c):
 * `helper-reexec`, from before its memfd_create to the start of the sealed copy (copy, seal, execveat; issue 11's
 * CVE-2019-5736 fix, c/reexec.c), and `helper-seccomp-build`, libseccomp building the allow-list filter from the
 * plan's syscall records (c/seccomp.c). A skiff that does not print one gets a "not reported" row.
 */
export const EXPECTED_SPANS = [
  ['helper-reexec', 'helper re-exec (memfd copy, seal, re-exec)'],
  ['helper-seccomp-build', 'helper builds the seccomp allow list (libseccomp)'],
];

/** A bare node's own `loaded` mark: it prints when it is ready to run a script, in skiff-trace's format. */
const NODE_READY = "process.stderr.write('skiff-trace ready ' + performance.now().toFixed(2) + '\\n')";

/** A bare node: its whole wall time, and when it was ready to run a script on its own clock. Null if it failed. */
function nodeReady(node) {
  const t0 = nowMs();
  const n = spawnSync(node, ['-e', NODE_READY], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const ready = /^skiff-trace ready ([\d.]+)/m.exec(n.stderr ?? '');
  return n.status === 0 && ready ? { wall: nowMs() - t0, ready: Number(ready[1]) } : null;
}

/** One `SKIFF_TRACE=1 skiff run --rm IMAGE true`: { wall, marks: [[phase, ms]], spans: [[name, ms]] } or { error }. */
function tracedRun(skiff) {
  const t0 = nowMs();
  const r = spawnSync(skiff.cmd, skiff.args(['run', '--rm', CONFIG.image, 'true']), {
    env: { ...skiff.env, SKIFF_TRACE: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wall = nowMs() - t0;
  if (r.status !== 0) return { error: describeFailure(r) };
  const lines = (pattern) => [...r.stderr.matchAll(pattern)].map((m) => [m[1], Number(m[2])]);
  return { wall, marks: lines(/^skiff-trace (\S+) ([\d.]+)\s*$/gm), spans: lines(/^skiff-trace-span (\S+) ([\d.]+)\s*$/gm) };
}

const collect = (into, pairs) => {
  for (const [name, ms] of pairs) into.set(name, [...(into.get(name) ?? []), ms]);
};

function skiffTrace(skiff) {
  const failures = [];
  const phases = new Map();
  const spans = new Map();
  const walls = [];
  const nodeRuns = [];
  for (let i = 0; i < CONFIG.warmup + CONFIG.traceRuns; i++) {
    const counted = i >= CONFIG.warmup;
    const bare = nodeReady(skiff.node);
    if (bare && counted) nodeRuns.push(bare);
    const run = tracedRun(skiff);
    if (run.error) {
      failures.push(run.error);
      if (failures.length >= MAX_FAILURES) return { error: `SKIFF_TRACE=1 skiff run --rm: ${failures.at(-1)}` };
      continue;
    }
    if (!counted) continue;
    walls.push(run.wall);
    collect(phases, run.marks);
    collect(spans, run.spans);
  }
  if (!phases.size) return { error: 'SKIFF_TRACE=1 printed no `skiff-trace <phase> <ms>` lines on stderr', wall: stats(walls) };
  return {
    phases: [...phases].map(([phase, values]) => ({ phase, seen: values.length, ...stats(values) })),
    wall: stats(walls),
    node: nodeRuns.length ? { node: skiff.node, ...stats(nodeRuns.map((n) => n.wall)), ready: stats(nodeRuns.map((n) => n.ready)) } : null,
    spans: [...spans].map(([name, values]) => ({ name, seen: values.length, ...stats(values) })),
    ...(failures.length ? { failures: failures.length, lastError: failures.at(-1) } : {}),
  };
}

/** `node -e 0` alone, when the latency section did not take it. */
export function nodeBaseline(node) {
  const samples = [];
  for (let i = 0; i < CONFIG.warmup + CONFIG.traceRuns; i++) {
    const r = nodeOnce(node);
    if (r.error) return { error: r.error };
    if (i >= CONFIG.warmup) samples.push(r.ms);
  }
  return { node, ...stats(samples) };
}

/** Section 6: { phases, wall, node, spans } or { error }. */
export async function measureTrace({ skiff }) {
  if (skiff.error) return SKIFF_UNAVAILABLE;
  log('trace: SKIFF_TRACE=1');
  return skiffTrace(skiff);
}
