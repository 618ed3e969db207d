#!/usr/bin/env node
// skiff benchmark: start latency, throughput, resident memory, volume write speed, stdio relay throughput and
// skiff's own phases, each side by side with runc, crun, a bare unshare+chroot floor or a host pipe, on the same
// busybox root filesystem. Plain Node ESM, no build step. Run as root: `node bench/run.mjs` (or `pnpm bench`).
// See bench/README.md; the sections live in bench/lib/, one module each.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureApi } from './lib/api.mjs';
import { cleanup } from './lib/cleanup.mjs';
import { measureCommands } from './lib/commands.mjs';
import { ALL_SECTIONS, BENCH_DIR, BUSYBOX, CONFIG } from './lib/config.mjs';
import { cgroupDirs, mountPoints } from './lib/host.mjs';
import { measureLatency } from './lib/latency.mjs';
import { measureManagers } from './lib/managers.mjs';
import { describeMachine, loadAverage } from './lib/machine.mjs';
import { measureMemory } from './lib/memory.mjs';
import { closePeers, startPeers } from './lib/peers.mjs';
import { report } from './lib/report.mjs';
import { BUNDLE_NOTE, baseSpec, buildRootfs, ensurePackages, writeBundle } from './lib/setup.mjs';
import { makeSkiff, nodeOfSkiff } from './lib/skiff.mjs';
import { measureStdio } from './lib/stdio.mjs';
import { measureThroughput } from './lib/throughput.mjs';
import { measureTrace, nodeBaseline } from './lib/trace.mjs';
import { log, nowMs, round, STOP } from './lib/util.mjs';
import { measureVolumes } from './lib/volumes.mjs';
import { measureNetwork } from './lib/network.mjs';

/** Sections in run order; each takes the run's context and returns its part of results.json. */
const SECTIONS = [
  ['latency', measureLatency],
  ['throughput', measureThroughput],
  ['memory', measureMemory],
  ['volume', measureVolumes],
  ['stdio', measureStdio],
  ['trace', measureTrace],
  ['commands', measureCommands],
  ['managers', measureManagers],
  ['api', measureApi],
  ['network', measureNetwork],
];
const NEEDS_PEERS = ['latency', 'throughput', 'memory'];
const want = (section) => CONFIG.only.includes(section);

function preflight(results) {
  if (process.getuid?.() !== 0) {
    console.error('bench: run as root (containers need namespaces, mounts and cgroups)');
    process.exit(1);
  }
  results.notes.push(...ensurePackages());
  if (!fs.existsSync(BUSYBOX)) {
    console.error(`bench: ${BUSYBOX} is missing (apt-get install busybox-static)`);
    process.exit(1);
  }
}

function stopOnSignal() {
  const onSignal = (signal) => {
    if (STOP.requested) return;
    STOP.requested = true;
    log(`${signal}: finishing the current step, then cleaning up`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** The rootfs, the OCI bundle, skiff and the peers' workers: everything the sections measure. */
async function prepare(tmp, results) {
  const rootfs = path.join(tmp, 'rootfs');
  buildRootfs(rootfs);
  const base = baseSpec(tmp);
  const bundle = path.join(tmp, 'bundle');
  if (base) {
    writeBundle(bundle, base.spec, rootfs, ['/bin/true']);
    results.notes.push(BUNDLE_NOTE.replace('FROM', base.from));
  }
  const skiff = makeSkiff(tmp);
  if (skiff.error) {
    results.skipped.skiff = `${skiff.error} — skiff rows are skipped; set SKIFF_BENCH_CMD to point at a working skiff`;
    log(`skiff: skipped — ${skiff.error}`);
  } else results.machine.skiff = skiff.how;
  const peers = { workers: {}, errors: {} };
  if (NEEDS_PEERS.some(want) && !STOP.requested) {
    const started = await startPeers({ tmp, rootfs, bundle, spec: base?.spec });
    Object.assign(peers, started);
    results.notes.push(...started.notes);
  }
  peers.error = (peer) => peers.errors[peer] ?? `${peer} unavailable`;
  const node = skiff.cmd ? nodeOfSkiff(skiff) : process.execPath;
  return { tmp, rootfs, skiff, peers, node };
}

async function measure(context, results) {
  for (const [key, run] of SECTIONS) {
    if (!want(key) || STOP.requested) continue;
    results[key] = await run(context);
    if (key === 'latency') results.nodeBaseline = results.latency.node;
  }
  if (want('trace') && !STOP.requested && !results.nodeBaseline) results.nodeBaseline = nodeBaseline(context.node);
  if (STOP.requested) results.notes.push('interrupted: some sections were not run');
}

function closingNotes(results, started) {
  results.machine.loadEnd = loadAverage();
  results.elapsedSeconds = round((nowMs() - started) / 1000, 1);
  results.notes.push(`whole run took ${results.elapsedSeconds} s`);
  if (Number.parseFloat(results.machine.loadStart) > 0.5 || Number.parseFloat(results.machine.loadEnd) > 1.5)
    results.notes.push(
      `the machine was busy with other work (load average ${results.machine.loadStart} → ${results.machine.loadEnd}): absolute figures are noisy; the runtimes were interleaved run by run so their ratios are fairer than their absolute values`,
    );
}

/** Only a complete run replaces latest.json; an interrupted or BENCH_ONLY run goes beside it. */
function save(results) {
  const outDir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const partial = CONFIG.only.length < ALL_SECTIONS.length;
  const outFile = path.join(outDir, STOP.requested ? 'interrupted.json' : partial ? 'partial.json' : 'latest.json');
  fs.writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${outFile}`);
}

async function main() {
  const started = nowMs();
  const results = { machine: {}, config: CONFIG, notes: [], skipped: {}, cleanup: {} };
  preflight(results);
  results.machine = describeMachine();
  const mountsBefore = new Set(mountPoints());
  const cgroupsBefore = cgroupDirs();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-'));
  log(`temp dir ${tmp}`);
  stopOnSignal();
  let workers = {};
  try {
    const context = await prepare(tmp, results);
    workers = context.peers.workers;
    await measure(context, results);
  } catch (error) {
    results.notes.push(`bench error: ${error.stack ?? error.message}`);
  } finally {
    results.notes.push(...(await closePeers(workers)));
    results.cleanup = cleanup(tmp, mountsBefore, cgroupsBefore);
  }
  closingNotes(results, started);
  process.stdout.write(`${report(results)}\n`);
  save(results);
}

await main();
