// Settings (from the environment; see bench/README.md) and the paths every module uses.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LIB_DIR = path.dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = path.dirname(LIB_DIR);
export const REPO = path.resolve(BENCH_DIR, '..');
export const BUSYBOX = '/bin/busybox';
/** Everything of this run is named skb<pid>-*: runc/crun container ids, and skiff's cgroup parent. */
export const RUN_TAG = `skb${process.pid}`;
export const SKIFF_CGROUP_PARENT = `${RUN_TAG}-skiff`;

export const ALL_SECTIONS = ['latency', 'throughput', 'memory', 'volume', 'stdio', 'trace', 'commands', 'managers', 'api', 'network'];

const envInt = (name, fallback) => {
  const value = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

export const CONFIG = {
  runs: envInt('BENCH_RUNS', 30),
  warmup: envInt('BENCH_WARMUP', 3),
  throughputN: envInt('BENCH_THROUGHPUT_N', 50),
  parallel: envInt('BENCH_PARALLEL', 8),
  memContainers: envInt('BENCH_MEM_CONTAINERS', 5),
  ddMB: envInt('BENCH_DD_MB', 1024),
  ddReps: envInt('BENCH_DD_REPS', 3),
  stdioMB: envInt('BENCH_STDIO_MB', 100),
  stdioReps: envInt('BENCH_STDIO_REPS', 3),
  traceRuns: envInt('BENCH_TRACE_RUNS', 20),
  image: process.env.SKIFF_BENCH_IMAGE || 'busybox',
  only: (process.env.BENCH_ONLY || ALL_SECTIONS.join(',')).split(',').map((s) => s.trim()).filter((s) => ALL_SECTIONS.includes(s)),
};

/** A latency row is given up after this many failed runs (a single failure may be transient, e.g. a rebuild). */
export const MAX_FAILURES = 3;
