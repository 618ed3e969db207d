// A peer's worker (runc, crun or the floor): started by peers.mjs under `unshare -m --propagation private`, so
// its overlay mounts never reach the host's mount namespace and vanish with it even if it is killed.
// Line protocol: one JSON request per stdin line, one JSON reply per stdout line (see serve()).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { BUSYBOX } from './config.mjs';
import { alive, killPid, listPids, mountPoints, procInfo } from './host.mjs';
import { writeBundle } from './setup.mjs';
import { clean, describeFailure, nowMs, pool, round, runAsync, sleep } from './util.mjs';

const QUIET = { stdio: ['ignore', 'ignore', 'pipe'] };

function check(result, what) {
  if (result.error || result.status !== 0 || result.signal) throw new Error(`${what}: ${describeFailure(result)}`);
}
function checkAsync(result, what) {
  if (result.code !== 0) throw new Error(`${what}: ${describeFailure(result)}`);
}

/** The worker's state: its task (see peers.mjs), its runtime's --root dir, its overlay dirs, and an id counter. */
function createPeer(task) {
  const peer = { ...task, notes: [], seq: 0 };
  peer.ovlRoot = path.join(task.tmp, `ovl-${task.peer}`);
  peer.stateDir = path.join(task.tmp, `state-${task.peer}`);
  fs.mkdirSync(peer.ovlRoot, { recursive: true });
  fs.mkdirSync(peer.stateDir, { recursive: true });
  peer.newId = () => `${task.tag}-${task.peer}-${peer.seq++}`;
  return peer;
}

/**
 * crun 1.8 refuses a cgroup v1 host that also has a cgroup2 mount ("hybrid"). If a first run fails, unmount the
 * (empty) /sys/fs/cgroup/unified, only in this private mount namespace, and go on.
 */
function fixHybridCgroups(peer) {
  if (!peer.unmountUnified || !mountPoints().includes('/sys/fs/cgroup/unified')) return;
  const id = peer.newId();
  const probe = spawnSync(peer.bin, ['--root', peer.stateDir, 'run', '--bundle', peer.bundle, id], { encoding: 'utf8', ...QUIET });
  if (probe.status === 0) return;
  spawnSync(peer.bin, ['--root', peer.stateDir, 'delete', '-f', id], { stdio: 'ignore' });
  const r = spawnSync('umount', ['/sys/fs/cgroup/unified'], { encoding: 'utf8' });
  if (r.status !== 0) peer.notes.push(`umount /sys/fs/cgroup/unified (private namespace) failed: ${describeFailure(r)}`);
  else
    peer.notes.push(
      `${peer.peer} refused this host as is (${clean(describeFailure(probe), 120)}), so it ran in a private mount namespace with the empty cgroup2 mount /sys/fs/cgroup/unified unmounted`,
    );
}

/** The container command for a root directory (floor) or a bundle directory (runc/crun). */
function command(peer, id, where) {
  if (peer.peer === 'floor') return [peer.unshare, ['--pid', '--mount', '--uts', '--ipc', '--net', '--fork', peer.chroot, where, '/bin/true']];
  return [peer.bin, ['--root', peer.stateDir, 'run', '--bundle', where, id]];
}

const mountArgs = (peer, dir) => ['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${peer.rootfs},upperdir=${dir}/upper,workdir=${dir}/work`, `${dir}/merged`];

/** Per-run overlay dir (bundle + merged mountpoint), prepared outside the timed part. */
function prepareOverlay(peer, id) {
  const dir = path.join(peer.ovlRoot, id);
  fs.mkdirSync(path.join(dir, 'merged'), { recursive: true });
  if (peer.peer !== 'floor') writeBundle(dir, peer.spec, 'merged', ['/bin/true']);
  return dir;
}

/** Where the container command runs: the merged dir (floor) or the bundle dir (runc/crun). */
const overlayTarget = (peer, dir) => (peer.peer === 'floor' ? `${dir}/merged` : dir);

function mountOverlay(peer, dir) {
  fs.mkdirSync(`${dir}/upper`);
  fs.mkdirSync(`${dir}/work`);
  check(spawnSync(BUSYBOX, mountArgs(peer, dir), QUIET), 'mount overlay');
}

function unmountOverlay(dir) {
  check(spawnSync(BUSYBOX, ['umount', `${dir}/merged`], QUIET), 'umount overlay');
  fs.rmSync(`${dir}/upper`, { recursive: true, force: true });
  fs.rmSync(`${dir}/work`, { recursive: true, force: true });
}

/** One timed run of each latency kind; returns ms. */
const once = {
  bare(peer) {
    const [cmd, args] = command(peer, peer.newId(), peer.peer === 'floor' ? peer.rootfs : peer.bundle);
    const t0 = nowMs();
    const r = spawnSync(cmd, args, QUIET);
    const t1 = nowMs();
    check(r, `${peer.peer} run`);
    return t1 - t0;
  },
  overlay(peer) {
    const id = peer.newId();
    const dir = prepareOverlay(peer, id);
    const [cmd, args] = command(peer, id, overlayTarget(peer, dir));
    const t0 = nowMs();
    mountOverlay(peer, dir);
    let r;
    try {
      r = spawnSync(cmd, args, QUIET);
    } finally {
      unmountOverlay(dir);
    }
    const t1 = nowMs();
    check(r, `${peer.peer} run on overlay`);
    fs.rmSync(dir, { recursive: true, force: true });
    return t1 - t0;
  },
  mountOnly(peer) {
    const dir = prepareOverlay(peer, peer.newId());
    const t0 = nowMs();
    mountOverlay(peer, dir);
    unmountOverlay(dir);
    const t1 = nowMs();
    fs.rmSync(dir, { recursive: true, force: true });
    return t1 - t0;
  },
};

/** One overlay run without blocking the event loop, for the throughput pool. */
async function overlayAsync(peer) {
  const id = peer.newId();
  const dir = prepareOverlay(peer, id);
  const [cmd, args] = command(peer, id, overlayTarget(peer, dir));
  await fs.promises.mkdir(`${dir}/upper`);
  await fs.promises.mkdir(`${dir}/work`);
  checkAsync(await runAsync(BUSYBOX, mountArgs(peer, dir)), 'mount overlay');
  let r;
  try {
    r = await runAsync(cmd, args);
  } finally {
    checkAsync(await runAsync(BUSYBOX, ['umount', `${dir}/merged`]), 'umount overlay');
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
  checkAsync(r, `${peer.peer} run on overlay`);
}

async function throughput(peer, { n, width }) {
  const ms = await pool(n, width, () => overlayAsync(peer));
  return { n, width, ms: round(ms), perSecond: round((n * 1000) / ms) };
}

/** `run -d` of a `sleep`; returns the container's pid, or { error }. */
function startDetached(peer, id, dir) {
  writeBundle(dir, peer.spec, peer.rootfs, ['/bin/sleep', '600']);
  // No pipes: with terminal false the container inherits the runtime's stdio, and would hold a pipe open.
  const errFd = fs.openSync(`${dir}/stderr`, 'w');
  const r = spawnSync(peer.bin, ['--root', peer.stateDir, 'run', '-d', '--pid-file', `${dir}/pid`, '--bundle', dir, id], {
    stdio: ['ignore', 'ignore', errFd],
    timeout: 30000,
  });
  fs.closeSync(errFd);
  if (r.status !== 0) return { error: describeFailure({ ...r, stderr: fs.readFileSync(`${dir}/stderr`, 'utf8') }) };
  return { pid: Number(fs.readFileSync(`${dir}/pid`, 'utf8').trim()) };
}

async function stopDetached(peer, id, containerPid) {
  spawnSync(peer.bin, ['--root', peer.stateDir, 'kill', id, 'KILL'], { stdio: 'ignore', timeout: 10000 });
  for (let i = 0; i < 50 && alive(containerPid); i++) await sleep(20);
  spawnSync(peer.bin, ['--root', peer.stateDir, 'delete', '-f', id], { stdio: 'ignore', timeout: 10000 });
  if (alive(containerPid)) killPid(containerPid);
}

/** Does anything of the runtime stay alive per detached container? (runc/crun: expected none, they have no shim) */
async function detached(peer) {
  const id = peer.newId();
  const dir = path.join(peer.ovlRoot, `${id}-detached`);
  const before = new Set(listPids());
  const started = startDetached(peer, id, dir);
  let result = started;
  if (!started.error) {
    await sleep(500);
    const realBin = fs.realpathSync(peer.bin);
    const stayed = listPids()
      .filter((pid) => !before.has(pid) && pid !== started.pid)
      .map(procInfo)
      .filter((p) => p && p.exe && p.exe.startsWith(realBin));
    result = {
      processes: stayed.map((p) => `${p.pid} ${p.name}`),
      pssKiB: stayed.reduce((a, p) => a + (p.pssKiB ?? p.rssKiB), 0),
      rssKiB: stayed.reduce((a, p) => a + p.rssKiB, 0),
      containerAlive: alive(started.pid),
    };
    await stopDetached(peer, id, started.pid);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

/** Deletes what the runtime left in its state dir and unmounts what is left in this namespace; returns notes. */
function finish(peer) {
  const notes = [];
  // Nothing should be left in the runtime's state dir: `run` without -d deletes the container on exit.
  if (peer.peer !== 'floor') {
    const leftovers = fs.existsSync(peer.stateDir) ? fs.readdirSync(peer.stateDir).filter((n) => n.startsWith('skb')) : [];
    for (const id of leftovers) spawnSync(peer.bin, ['--root', peer.stateDir, 'delete', '-f', id], { stdio: 'ignore', timeout: 10000 });
    if (leftovers.length) notes.push(`deleted ${leftovers.length} leftover container(s) from the state dir`);
  }
  const stillMounted = mountPoints().filter((m) => m.startsWith(peer.tmp));
  for (const m of stillMounted.reverse()) spawnSync(BUSYBOX, ['umount', '-l', m], { stdio: 'ignore' });
  if (stillMounted.length) notes.push(`lazily unmounted ${stillMounted.length} leftover mount(s) in the private namespace`);
  return { notes };
}

/** Answers requests until `finish` or until stdin closes (the main process is gone). */
async function serve(peer) {
  // Interrupts are the main process's to handle: it asks for `finish`, or closes stdin.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const reply = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  reply({ ready: true, notes: peer.notes.splice(0) });
  const ops = {
    once: (req) => ({ ms: once[req.kind](peer) }),
    throughput: (req) => throughput(peer, req),
    detached: () => detached(peer),
  };
  const rl = readline.createInterface({ input: process.stdin });
  let finished = false;
  for await (const line of rl) {
    if (!line.trim()) continue;
    const req = JSON.parse(line);
    if (req.op === 'finish') {
      finished = true;
      reply(finish(peer));
      break;
    }
    try {
      reply(ops[req.op] ? await ops[req.op](req) : { error: `unknown op ${req.op}` });
    } catch (error) {
      reply({ error: error.message });
    }
  }
  rl.close();
  if (!finished) finish(peer);
}

const peer = createPeer(JSON.parse(Buffer.from(process.argv[2], 'base64').toString('utf8')));
fixHybridCgroups(peer);
await serve(peer);
