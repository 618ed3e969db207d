// 1. Start latency of a container running /bin/true, every runtime taking a turn in each round.
import { spawnSync } from 'node:child_process';
import { CONFIG, MAX_FAILURES } from './config.mjs';
import { PEERS } from './peers.mjs';
import { SKIFF_UNAVAILABLE, skiffOnce } from './skiff.mjs';
import { describeFailure, log, nowMs, STOP, stats } from './util.mjs';

/** Row keys in report order, with their labels. */
export const LATENCY_ROWS = [
  ['skiff', '**skiff** `run --rm busybox true` (its overlay storage)'],
  ['runc', 'runc `run` (bare rootfs dir)'],
  ['runc+overlay', 'runc `run` + overlay mount/umount'],
  ['crun', 'crun `run` (bare rootfs dir)'],
  ['crun+overlay', 'crun `run` + overlay mount/umount'],
  ['floor', 'floor: `unshare -pmuin --fork chroot DIR /bin/true`'],
  ['floor+overlay', 'floor + overlay mount/umount'],
  ['overlay-only', 'overlay mount + umount + rm alone (no container)'],
  ['node', "`-e 0` of skiff's runtime (node or bun) alone"],
];

/** `node -e 0`, timed: { ms } or { error }. */
export function nodeOnce(node) {
  const t0 = nowMs();
  const r = spawnSync(node, ['-e', '0'], { stdio: 'ignore' });
  return r.status === 0 ? { ms: nowMs() - t0 } : { error: describeFailure(r) };
}

/**
 * Runs every subject once per round (in a rotating order), so load from anything else on the machine falls on
 * all of them alike. A subject that fails MAX_FAILURES times is dropped with the reason.
 */
async function roundRobin(subjects) {
  const samples = Object.fromEntries(subjects.map((s) => [s.key, []]));
  const failures = Object.fromEntries(subjects.map((s) => [s.key, []]));
  const total = CONFIG.warmup + CONFIG.runs;
  for (let i = 0; i < total && !STOP.requested; i++) {
    const order = subjects.map((_, k) => subjects[(k + i) % subjects.length]);
    for (const s of order) {
      if (failures[s.key].length >= MAX_FAILURES) continue;
      const r = await s.run();
      if (r.error) {
        failures[s.key].push(r.error);
        log(`latency ${s.key}: run failed (${failures[s.key].length}/${MAX_FAILURES}): ${r.error}`);
      } else if (i >= CONFIG.warmup) samples[s.key].push(r.ms);
    }
    if ((i + 1) % 10 === 0 || i + 1 === total) log(`latency: ${i + 1}/${total} rounds`);
  }
  return Object.fromEntries(subjects.map((s) => [s.key, summarize(samples[s.key], failures[s.key])]));
}

function summarize(samples, failed) {
  if (failed.length >= MAX_FAILURES || !samples.length) return { error: failed.at(-1) ?? 'no run completed' };
  return { ...stats(samples), ...(failed.length ? { failures: failed.length, lastError: failed.at(-1) } : {}) };
}

/** The subjects: skiff, each peer bare and on an overlay, the overlay alone, and node. Unavailable ones become rows with their error. */
function subjectsOf({ skiff, peers, node }) {
  const subjects = [];
  const rows = {};
  if (!skiff.error) subjects.push({ key: 'skiff', run: async () => skiffOnce(skiff) });
  else rows.skiff = SKIFF_UNAVAILABLE;
  for (const peer of [...PEERS, 'floor']) {
    const worker = peers.workers[peer];
    const kinds = [[peer, 'bare'], [`${peer}+overlay`, 'overlay']];
    if (peer === 'floor') kinds.push(['overlay-only', 'mountOnly']);
    for (const [key, kind] of kinds) {
      if (worker) subjects.push({ key, run: () => worker.call({ op: 'once', kind }) });
      else rows[key] = { error: peers.error(peer) };
    }
  }
  subjects.push({ key: 'node', run: async () => nodeOnce(node) });
  return { subjects, rows };
}

/** Section 1: { <row key>: stats or { error } }. */
export async function measureLatency(context) {
  const { subjects, rows } = subjectsOf(context);
  log(`latency: ${subjects.map((s) => s.key).join(', ')}`);
  return { ...rows, ...(await roundRobin(subjects)) };
}
