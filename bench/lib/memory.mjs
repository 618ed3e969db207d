// 3. Resident memory per detached container: what of the runtime stays alive beside each container.
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG, REPO } from './config.mjs';
import { alive, killPid, listPids, procInfo } from './host.mjs';
import { PEERS } from './peers.mjs';
import { SKIFF_UNAVAILABLE } from './skiff.mjs';
import { describeFailure, log, round, sleep } from './util.mjs';

/** An unusual duration, so the containers' `sleep` processes are told apart from anyone else's. */
export const SLEEP_SECS = '3607';

/** `skiff run -d IMAGE sleep SLEEP_SECS`; returns the container id. */
function runDetached(skiff, i) {
  // stdout/stderr to files, not pipes: a detached container that kept a pipe open would hang spawnSync
  const outFile = path.join(skiff.tmp, `run-d-${i}.out`);
  const fds = [fs.openSync(outFile, 'w'), fs.openSync(`${outFile}.err`, 'w')];
  const r = skiff.sync(['run', '-d', CONFIG.image, 'sleep', SLEEP_SECS], { timeout: 30000, stdio: ['ignore', ...fds] });
  fds.forEach((fd) => fs.closeSync(fd));
  r.stdout = fs.readFileSync(outFile, 'utf8');
  r.stderr = fs.readFileSync(`${outFile}.err`, 'utf8');
  if (r.status !== 0) throw new Error(`\`skiff run -d ${CONFIG.image} sleep ${SLEEP_SECS}\` failed (${describeFailure(r)})`);
  return r.stdout.trim().split('\n').pop()?.trim();
}

/** Does process `p` refer to `dir` (command line, cwd, open files)? */
function refersTo(p, dir) {
  if (p.cmdline.join(' ').includes(dir)) return true;
  try {
    if (fs.readlinkSync(`/proc/${p.pid}/cwd`).startsWith(dir)) return true;
    return fs.readdirSync(`/proc/${p.pid}/fd`).some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${p.pid}/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Splits the processes that appeared since `before` into the containers' `sleep`s, skiff's processes for them
 * (ancestors of a sleep, or carrying this run's SKIFF_ROOT, or referring to its temp dir), and skiff-looking
 * processes with no link to this run (someone else's; listed, not counted).
 */
function classify(skiff, before) {
  const fresh = listPids().filter((pid) => !before.has(pid) && pid !== process.pid).map(procInfo).filter(Boolean);
  const byPid = new Map(fresh.map((p) => [p.pid, p]));
  const sleepers = fresh.filter((p) => p.cmdline[0]?.endsWith('sleep') && p.cmdline[1] === SLEEP_SECS);
  const ancestors = new Set();
  for (const s of sleepers) {
    for (let p = byPid.get(s.ppid); p && !ancestors.has(p.pid); p = byPid.get(p.ppid)) ancestors.add(p.pid);
  }
  const marker = `SKIFF_ROOT=${skiff.env.SKIFF_ROOT}`;
  const ours = fresh.filter(
    (p) => !sleepers.includes(p) && (ancestors.has(p.pid) || p.environ.split('\0').includes(marker) || refersTo(p, skiff.tmp)),
  );
  const helper = path.join(REPO, 'packages/native/bin/skiff-helper');
  const helperReal = fs.existsSync(helper) ? fs.realpathSync(helper) : helper;
  const isHelper = (p) => p.exe && (p.exe === helperReal || path.basename(p.exe) === 'skiff-helper');
  const others = fresh.filter((p) => !ours.includes(p) && !sleepers.includes(p) && (isHelper(p) || p.cmdline.join(' ').includes('skiff')));
  return { sleepers, ours, others };
}

const describeProcess = (p) => `${p.pid} ${p.name} (${p.cmdline.slice(0, 3).join(' ')})`;

function summarize({ sleepers, ours, others }) {
  const pss = ours.reduce((a, p) => a + (p.pssKiB ?? p.rssKiB), 0);
  const rss = ours.reduce((a, p) => a + p.rssKiB, 0);
  return {
    sleepers: sleepers.length,
    processes: ours.map((p) => `${describeProcess(p)} Pss ${p.pssKiB ?? '?'} KiB RSS ${p.rssKiB} KiB`),
    pssKiBTotal: pss,
    rssKiBTotal: rss,
    pssMiBPerContainer: round(pss / 1024 / CONFIG.memContainers),
    rssMiBPerContainer: round(rss / 1024 / CONFIG.memContainers),
    ...(others.length ? { notCounted: others.map(describeProcess) } : {}),
    ...(sleepers.length !== CONFIG.memContainers ? { note: `found ${sleepers.length} container sleep process(es) for ${CONFIG.memContainers} containers` } : {}),
  };
}

/** `skiff rm -f` each container, then SIGKILL by PID whatever of them is still alive; returns a note or undefined. */
async function removeAll(skiff, ids, tracked) {
  for (const id of ids) skiff.sync(['rm', '-f', id], { timeout: 30000 });
  await sleep(300);
  const lingering = tracked.filter(alive);
  lingering.forEach(killPid);
  return lingering.length ? `killed ${lingering.length} process(es) by PID after \`skiff rm -f\`: ${lingering.join(' ')}` : undefined;
}

async function skiffMemory(skiff) {
  const before = new Set(listPids());
  const ids = [];
  const result = { containers: 0 };
  let found = { sleepers: [], ours: [], others: [] };
  try {
    for (let i = 0; i < CONFIG.memContainers; i++) {
      const id = runDetached(skiff, i);
      if (id) ids.push(id);
      result.containers++;
    }
    await sleep(1000);
    found = classify(skiff, before);
    Object.assign(result, summarize(found));
  } catch (error) {
    result.error = error.message;
  } finally {
    const killed = await removeAll(skiff, ids, [...found.ours, ...found.sleepers].map((p) => p.pid));
    if (killed) result.killed = killed;
  }
  return result;
}

/** Section 3: { skiff, runc, crun }. */
export async function measureMemory({ skiff, peers }) {
  const out = {};
  if (skiff.error) out.skiff = SKIFF_UNAVAILABLE;
  else {
    log('memory: skiff run -d');
    out.skiff = await skiffMemory(skiff);
  }
  for (const peer of PEERS) out[peer] = peers.workers[peer] ? await peers.workers[peer].call({ op: 'detached' }) : { error: peers.error(peer) };
  return out;
}
