// 6. Where skiff's time goes: SKIFF_TRACE=1 runs print `skiff-trace <phase> <ms since process start>` marks, and
// may print `skiff-trace-span <name> <ms>` durations of work whose clock is not the CLI's (the C helper's).
// A bare node runs beside each traced run, so the Node baseline is taken under the same load.
import { spawnSync } from 'node:child_process';
import { CONFIG, MAX_FAILURES } from './config.mjs';
import { nodeOnce } from './latency.mjs';
import { SKIFF_UNAVAILABLE, skiffVariants } from './skiff.mjs';
import { describeFailure, log, nowMs, stats } from './util.mjs';

/**
 * Spans the report always shows, measured or not. skiff-helper prints them under SKIFF_TRACE=1 (c/trace.c):
 * `helper-reexec`, from before its memfd_create to the start of the sealed copy (copy, seal, execveat; issue 11's
 * CVE-2019-5736 fix, c/reexec.c), and `helper-seccomp-build`, libseccomp building the allow-list filter from the
 * plan's syscall records (c/seccomp.c), or `helper-seccomp-cached` in its place, the same filter read back from
 * the helper's cache of built filters (c/seccomp-cache.c), and `helper-cgroup-teardown`, the helper that saw the init exit killing what
 * is left in the container's cgroups and removing them (c/teardown.c). A skiff that does not print one gets a
 * "not reported" row.
 */
export const EXPECTED_SPANS = [
  ['helper-reexec', 'helper re-exec (memfd copy, seal, re-exec)'],
  ['helper-seccomp-build', 'helper builds the seccomp allow list (libseccomp)'],
  ['helper-seccomp-cached', 'helper takes the seccomp filter from its cache (<run-root>/seccomp)'],
  ['helper-cgroup-teardown', "helper removes the container's cgroups after its exit"],
];

/**
 * A bare node's own `loaded` mark: it prints when it is ready to run a script, in skiff-trace's format. The time is
 * taken first: making process.stderr (evaluated before the arguments of its write) takes Bun ~10 ms; console.error
 * is the cheapest way out on both runtimes (require('fs') costs Bun ~2.5 ms more).
 */
const NODE_READY = "const ready = performance.now(); console.error('skiff-trace ready ' + ready.toFixed(2))";

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

/** One variant's traced runs so far. */
const tally = () => ({ failures: [], phases: new Map(), spans: new Map(), walls: [], bare: [] });

function summary(t, node) {
  if (!t.phases.size) return { error: t.failures.at(-1) ?? 'SKIFF_TRACE=1 printed no `skiff-trace <phase> <ms>` lines on stderr', wall: stats(t.walls) };
  return {
    phases: [...t.phases].map(([phase, values]) => ({ phase, seen: values.length, ...stats(values) })),
    wall: stats(t.walls),
    node: t.bare.length ? { node, ...stats(t.bare.map((n) => n.wall)), ready: stats(t.bare.map((n) => n.ready)) } : null,
    spans: [...t.spans].map(([name, values]) => ({ name, seen: values.length, ...stats(values) })),
    ...(t.failures.length ? { failures: t.failures.length, lastError: t.failures.at(-1) } : {}),
  };
}

/**
 * Traced runs of every variant (skiffVariants), interleaved run by run in a rotating order, each beside a bare
 * start of its own runtime. The first variant is the skiff under test; the others are compared phase by phase.
 */
function skiffTrace(skiff) {
  const variants = skiffVariants(skiff).map((v) => ({ ...v, t: tally() }));
  for (let i = 0; i < CONFIG.warmup + CONFIG.traceRuns; i++) {
    const counted = i >= CONFIG.warmup;
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + i) % variants.length];
      if (v.t.failures.length >= MAX_FAILURES) continue;
      const bare = nodeReady(v.skiff.node);
      if (bare && counted) v.t.bare.push(bare);
      const run = tracedRun(v.skiff);
      if (run.error) {
        v.t.failures.push(`SKIFF_TRACE=1 ${v.label} run --rm: ${run.error}`);
        continue;
      }
      if (!counted) continue;
      v.t.walls.push(run.wall);
      collect(v.t.phases, run.marks);
      collect(v.t.spans, run.spans);
    }
  }
  const [main, ...others] = variants;
  const result = summary(main.t, main.skiff.node);
  if (result.error) return result;
  return { ...result, variants: variants.map((v) => ({ key: v.key, label: v.label, ...summary(v.t, v.skiff.node) })), compared: others.length > 0 };
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
