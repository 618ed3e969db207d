#!/usr/bin/env node
// skiff benchmark: start latency, throughput, resident memory, volume write speed and skiff's own phases,
// each side by side with runc, crun and a bare unshare+chroot floor on the same busybox root filesystem.
// Plain Node ESM, no build step. Run as root: `node bench/run.mjs` (or `pnpm bench`). See bench/README.md.
//
// Peers that need mounts (overlay) run their loops in a worker process started under
// `unshare -m --propagation private`, so no mount ever reaches the host's mount namespace and all of them
// vanish with the worker even if it is killed.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const BENCH_DIR = path.dirname(SELF);
const REPO = path.resolve(BENCH_DIR, '..');
const BUSYBOX = '/bin/busybox';
const SKIFF_CGROUP_PARENT = `skb${process.pid}-skiff`;

const envInt = (name, fallback) => {
  const value = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const ALL_SECTIONS = ['latency', 'throughput', 'memory', 'volume', 'trace'];

const CONFIG = {
  runs: envInt('BENCH_RUNS', 30),
  warmup: envInt('BENCH_WARMUP', 3),
  throughputN: envInt('BENCH_THROUGHPUT_N', 50),
  parallel: envInt('BENCH_PARALLEL', 8),
  memContainers: envInt('BENCH_MEM_CONTAINERS', 5),
  ddMB: envInt('BENCH_DD_MB', 1024),
  ddReps: envInt('BENCH_DD_REPS', 3),
  traceRuns: envInt('BENCH_TRACE_RUNS', 20),
  image: process.env.SKIFF_BENCH_IMAGE || 'busybox',
  only: (process.env.BENCH_ONLY || ALL_SECTIONS.join(',')).split(',').map((s) => s.trim()).filter((s) => ALL_SECTIONS.includes(s)),
};

// ---------------------------------------------------------------------------------------------------------
// small helpers

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const T0 = nowMs();
const log = (...parts) => process.stderr.write(`[bench ${((nowMs() - T0) / 1000).toFixed(1)}s] ${parts.join(' ')}\n`);
/** A latency row is given up after this many failed runs (a single failure may be transient, e.g. a rebuild). */
const MAX_FAILURES = 3;
/** Set on SIGINT/SIGTERM: loops stop at the next step and the run goes straight to cleanup. */
const STOP = { requested: false };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const tail = (text, max = 400) => {
  const t = String(text ?? '').trim().replace(/\s+\n/g, '\n');
  return t.length > max ? `…${t.slice(-max)}` : t;
};

function which(name) {
  for (const dir of (process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return null;
}

function stats(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {
    n: sorted.length,
    median: round(median),
    p90: round(pick(0.9)),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}
const round = (x, digits = 2) => (x == null || Number.isNaN(x) ? x : Math.round(x * 10 ** digits) / 10 ** digits);

/** Runs a command to completion without blocking the event loop; resolves {code, signal, stdout, stderr}. */
function runAsync(cmd, args, options = {}) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    child.stdout?.on('data', (d) => { if (stdout.length < 65536) stdout += d; });
    child.stderr?.on('data', (d) => { if (stderr.length < 65536) stderr += d; });
    child.on('error', (error) => resolve({ code: -1, signal: null, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function describeFailure(result) {
  if (result.error) return result.error.message;
  const how = result.signal ? `killed by ${result.signal}` : `exit ${result.status ?? result.code}`;
  const err = tail(result.stderr?.toString() || result.stdout?.toString() || '');
  return err ? `${how}: ${err}` : how;
}

/** Runs `count` jobs with at most `width` at a time; returns wall ms. Throws on the first failure. */
async function pool(count, width, job) {
  let next = 0;
  let failure = null;
  const t0 = nowMs();
  const lane = async () => {
    while (!failure && !STOP.requested && next < count) {
      const index = next++;
      try {
        await job(index);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
  if (failure) throw failure;
  return nowMs() - t0;
}

// /proc readers ----------------------------------------------------------------------------------------------

const listPids = () => fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);

function procInfo(pid) {
  const read = (file) => {
    try {
      return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      return null;
    }
  };
  const status = read('status');
  if (status == null) return null;
  const field = (text, key) => {
    const m = text?.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'));
    return m ? Number(m[1]) : null;
  };
  let exe = null;
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {}
  return {
    pid,
    ppid: field(status, 'PPid'),
    name: status.match(/^Name:\s+(.*)$/m)?.[1] ?? '?',
    exe,
    cmdline: (read('cmdline') ?? '').split('\0').filter(Boolean),
    environ: read('environ') ?? '',
    rssKiB: field(status, 'VmRSS') ?? 0,
    pssKiB: field(read('smaps_rollup'), 'Pss') ?? null,
  };
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// mounts and cgroups ---------------------------------------------------------------------------------------

const mountPoints = () =>
  fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ')[4]);

function cgroupDirs() {
  const found = new Set();
  const walk = (dir, depth) => {
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      found.add(full);
      if (depth < 4) walk(full, depth + 1);
    }
  };
  let roots = [];
  try {
    roots = fs.readdirSync('/sys/fs/cgroup', { withFileTypes: true });
  } catch {}
  // cgroup v1: each entry is a hierarchy; cgroup v2: /sys/fs/cgroup itself is the hierarchy.
  const isV2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
  if (isV2) walk('/sys/fs/cgroup', 1);
  else for (const root of roots) if (root.isDirectory()) walk(path.join('/sys/fs/cgroup', root.name), 1);
  return found;
}

// ---------------------------------------------------------------------------------------------------------
// peers: installing, rootfs, OCI bundle

function ensurePackages() {
  const notes = [];
  const want = [];
  if (!which('runc')) want.push('runc');
  if (!which('crun')) want.push('crun');
  if (!fs.existsSync(BUSYBOX)) want.push('busybox-static');
  if (!which('unshare') || !which('chroot')) want.push('util-linux', 'coreutils');
  if (!want.length) return notes;
  log(`installing ${want.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', ...want], { env, encoding: 'utf8' });
  let result = install();
  if (result.status !== 0) {
    log('apt-get install failed; running apt-get update and retrying');
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    result = install();
  }
  if (result.status !== 0) notes.push(`apt-get install ${want.join(' ')} failed: ${describeFailure(result)}`);
  else notes.push(`installed ${want.join(' ')} with apt-get`);
  return notes;
}

function buildRootfs(dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const sub of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  fs.copyFileSync(BUSYBOX, path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  const list = spawnSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`${BUSYBOX} --list-full: ${describeFailure(list)}`);
  for (const applet of list.stdout.split('\n').map((s) => s.trim()).filter(Boolean)) {
    const target = path.join(dir, applet);
    if (fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync('/bin/busybox', target);
  }
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}

/** An OCI config.json from `runc spec` (or `crun spec`): no user namespace, no terminal, the given args. */
function baseSpec(tmp) {
  const dir = path.join(tmp, 'spec');
  fs.mkdirSync(dir, { recursive: true });
  for (const tool of ['runc', 'crun']) {
    const bin = which(tool);
    if (!bin) continue;
    const result = spawnSync(bin, ['spec'], { cwd: dir, encoding: 'utf8' });
    if (result.status === 0 && fs.existsSync(path.join(dir, 'config.json'))) {
      const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      spec.process.terminal = false;
      spec.hostname = 'bench';
      spec.linux.namespaces = [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' }];
      delete spec.linux.uidMappings;
      delete spec.linux.gidMappings;
      return { spec, from: `${tool} spec` };
    }
  }
  return null;
}

function writeBundle(dir, spec, rootPath, args) {
  fs.mkdirSync(dir, { recursive: true });
  const config = structuredClone(spec);
  config.root = { path: rootPath, readonly: false };
  config.process.args = args;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

// ---------------------------------------------------------------------------------------------------------
// worker: runs inside `unshare -m --propagation private` (a private mount namespace)

async function worker(task) {
  const notes = [];
  const { tmp, rootfs } = task;
  const ovlRoot = path.join(tmp, `ovl-${task.peer}`);
  fs.mkdirSync(ovlRoot, { recursive: true });

  const bin = task.bin;
  const stateDir = path.join(tmp, `state-${task.peer}`);
  fs.mkdirSync(stateDir, { recursive: true });
  let seq = 0;
  const newId = () => `${task.tag}-${task.peer}-${seq++}`;

  // crun 1.8 refuses a cgroup v1 host that also has a cgroup2 mount ("hybrid"). If a first run fails, unmount
  // the (empty) /sys/fs/cgroup/unified — only in this private mount namespace — and go on.
  if (task.unmountUnified && mountPoints().includes('/sys/fs/cgroup/unified')) {
    const id = newId();
    const probe = spawnSync(bin, ['--root', stateDir, 'run', '--bundle', task.bundle, id], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (probe.status !== 0) {
      spawnSync(bin, ['--root', stateDir, 'delete', '-f', id], { stdio: 'ignore' });
      const r = spawnSync('umount', ['/sys/fs/cgroup/unified'], { encoding: 'utf8' });
      if (r.status !== 0) notes.push(`umount /sys/fs/cgroup/unified (private namespace) failed: ${describeFailure(r)}`);
      else
        notes.push(
          `${task.peer} refused this host as is (${clean(describeFailure(probe), 120)}), so it ran in a private mount namespace with the empty cgroup2 mount /sys/fs/cgroup/unified unmounted`,
        );
    }
  }

  /** The container command for a root directory (floor) or a bundle directory (runc/crun). */
  const command = (id, where) =>
    task.peer === 'floor'
      ? [task.unshare, ['--pid', '--mount', '--uts', '--ipc', '--net', '--fork', task.chroot, where, '/bin/true']]
      : [bin, ['--root', stateDir, 'run', '--bundle', where, id]];

  const mountArgs = (dir) => [
    'mount', '-t', 'overlay', 'overlay',
    '-o', `lowerdir=${rootfs},upperdir=${dir}/upper,workdir=${dir}/work`,
    `${dir}/merged`,
  ];

  /** Per-run overlay dir (bundle + merged mountpoint) prepared outside the timed part. */
  const prepareOverlay = (id) => {
    const dir = path.join(ovlRoot, id);
    fs.mkdirSync(path.join(dir, 'merged'), { recursive: true });
    if (task.peer !== 'floor') writeBundle(dir, task.spec, 'merged', ['/bin/true']);
    return dir;
  };

  const check = (result, what) => {
    if (result.error || result.status !== 0 || result.signal) throw new Error(`${what}: ${describeFailure(result)}`);
  };
  const checkAsync = (result, what) => {
    if (result.code !== 0) throw new Error(`${what}: ${describeFailure(result)}`);
  };

  const once = {
    bare: () => {
      const id = newId();
      const [cmd, args] = command(id, task.peer === 'floor' ? rootfs : task.bundle);
      const t0 = nowMs();
      const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      const t1 = nowMs();
      check(r, `${task.peer} run`);
      return t1 - t0;
    },
    overlay: () => {
      const id = newId();
      const dir = prepareOverlay(id);
      const [cmd, args] = command(id, task.peer === 'floor' ? `${dir}/merged` : dir);
      const t0 = nowMs();
      fs.mkdirSync(`${dir}/upper`);
      fs.mkdirSync(`${dir}/work`);
      check(spawnSync(BUSYBOX, mountArgs(dir), { stdio: ['ignore', 'ignore', 'pipe'] }), 'mount overlay');
      let r;
      try {
        r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      } finally {
        check(spawnSync(BUSYBOX, ['umount', `${dir}/merged`], { stdio: ['ignore', 'ignore', 'pipe'] }), 'umount overlay');
        fs.rmSync(`${dir}/upper`, { recursive: true, force: true });
        fs.rmSync(`${dir}/work`, { recursive: true, force: true });
      }
      const t1 = nowMs();
      check(r, `${task.peer} run on overlay`);
      fs.rmSync(dir, { recursive: true, force: true });
      return t1 - t0;
    },
    mountOnly: () => {
      const id = newId();
      const dir = prepareOverlay(id);
      const t0 = nowMs();
      fs.mkdirSync(`${dir}/upper`);
      fs.mkdirSync(`${dir}/work`);
      check(spawnSync(BUSYBOX, mountArgs(dir), { stdio: ['ignore', 'ignore', 'pipe'] }), 'mount overlay');
      check(spawnSync(BUSYBOX, ['umount', `${dir}/merged`], { stdio: ['ignore', 'ignore', 'pipe'] }), 'umount overlay');
      fs.rmSync(`${dir}/upper`, { recursive: true, force: true });
      fs.rmSync(`${dir}/work`, { recursive: true, force: true });
      const t1 = nowMs();
      fs.rmSync(dir, { recursive: true, force: true });
      return t1 - t0;
    },
  };

  const overlayAsync = async () => {
    const id = newId();
    const dir = prepareOverlay(id);
    const [cmd, args] = command(id, task.peer === 'floor' ? `${dir}/merged` : dir);
    await fs.promises.mkdir(`${dir}/upper`);
    await fs.promises.mkdir(`${dir}/work`);
    checkAsync(await runAsync(BUSYBOX, mountArgs(dir)), 'mount overlay');
    let r;
    try {
      r = await runAsync(cmd, args);
    } finally {
      checkAsync(await runAsync(BUSYBOX, ['umount', `${dir}/merged`]), 'umount overlay');
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
    checkAsync(r, `${task.peer} run on overlay`);
  };

  // Does anything of the runtime stay alive per detached container? (runc/crun: expected none)
  const detached = async () => {
    const id = newId();
    const dir = path.join(ovlRoot, `${id}-detached`);
    writeBundle(dir, task.spec, task.rootfs, ['/bin/sleep', '600']);
    const before = new Set(listPids());
    // No pipes: with terminal false the container inherits runc's stdio, and would hold a pipe open.
    const errFd = fs.openSync(`${dir}/stderr`, 'w');
    const r = spawnSync(bin, ['--root', stateDir, 'run', '-d', '--pid-file', `${dir}/pid`, '--bundle', dir, id], {
      stdio: ['ignore', 'ignore', errFd],
      timeout: 30000,
    });
    fs.closeSync(errFd);
    let result;
    if (r.status !== 0) {
      result = { error: describeFailure({ ...r, stderr: fs.readFileSync(`${dir}/stderr`, 'utf8') }) };
    } else {
      await sleep(500);
      const containerPid = Number(fs.readFileSync(`${dir}/pid`, 'utf8').trim());
      const realBin = fs.realpathSync(bin);
      const stayed = listPids()
        .filter((pid) => !before.has(pid) && pid !== containerPid)
        .map(procInfo)
        .filter((p) => p && p.exe && p.exe.startsWith(realBin));
      result = {
        processes: stayed.map((p) => `${p.pid} ${p.name}`),
        pssKiB: stayed.reduce((a, p) => a + (p.pssKiB ?? p.rssKiB), 0),
        rssKiB: stayed.reduce((a, p) => a + p.rssKiB, 0),
        containerAlive: alive(containerPid),
      };
      spawnSync(bin, ['--root', stateDir, 'kill', id, 'KILL'], { stdio: 'ignore', timeout: 10000 });
      for (let i = 0; i < 50 && alive(containerPid); i++) await sleep(20);
      spawnSync(bin, ['--root', stateDir, 'delete', '-f', id], { stdio: 'ignore', timeout: 10000 });
      if (alive(containerPid)) {
        try {
          process.kill(containerPid, 'SIGKILL');
        } catch {}
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return result;
  };

  const finish = () => {
    // Nothing should be left in the runtime's state dir: `run` without -d deletes the container on exit.
    if (task.peer !== 'floor') {
      const leftovers = fs.existsSync(stateDir) ? fs.readdirSync(stateDir).filter((n) => n.startsWith('skb')) : [];
      for (const id of leftovers) spawnSync(bin, ['--root', stateDir, 'delete', '-f', id], { stdio: 'ignore', timeout: 10000 });
      if (leftovers.length) notes.push(`deleted ${leftovers.length} leftover container(s) from the state dir`);
    }
    const stillMounted = mountPoints().filter((m) => m.startsWith(tmp));
    for (const m of stillMounted.reverse()) spawnSync(BUSYBOX, ['umount', '-l', m], { stdio: 'ignore' });
    if (stillMounted.length) notes.push(`lazily unmounted ${stillMounted.length} leftover mount(s) in the private namespace`);
    return { notes };
  };

  // Line protocol: one JSON request per stdin line, one JSON reply per stdout line.
  // Interrupts are the main process's to handle: it asks for `finish`, or closes stdin.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const reply = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  reply({ ready: true, notes: [...notes] });
  notes.length = 0;
  const rl = readline.createInterface({ input: process.stdin });
  let finished = false;
  for await (const line of rl) {
    if (!line.trim()) continue;
    const req = JSON.parse(line);
    try {
      if (req.op === 'once') reply({ ms: once[req.kind]() });
      else if (req.op === 'throughput') {
        const ms = await pool(req.n, req.width, overlayAsync);
        reply({ n: req.n, width: req.width, ms: round(ms), perSecond: round((req.n * 1000) / ms) });
      } else if (req.op === 'detached') reply(await detached());
      else if (req.op === 'finish') {
        finished = true;
        reply(finish());
        break;
      } else reply({ error: `unknown op ${req.op}` });
    } catch (error) {
      reply({ error: error.message });
    }
  }
  rl.close();
  if (!finished) finish(); // stdin closed: the main process is gone
}

/** Starts a worker in a private mount namespace; returns { call(request) → Promise<reply>, close() }. */
function startWorker(task) {
  const unshare = which('unshare');
  const payload = Buffer.from(JSON.stringify(task)).toString('base64');
  const child = spawn(unshare, ['-m', '--propagation', 'private', process.execPath, SELF, '--worker', payload], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = [];
  let dead = null;
  const rl = readline.createInterface({ input: child.stdout });
  rl.on('line', (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = { error: `worker said: ${line}` };
    }
    waiting.shift()?.(msg);
  });
  child.on('close', (code, signal) => {
    dead = `worker for ${task.peer} exited (${signal ?? `exit ${code}`})`;
    while (waiting.length) waiting.shift()({ error: dead });
  });
  child.on('error', (error) => {
    dead = `worker for ${task.peer} could not start: ${error.message}`;
    while (waiting.length) waiting.shift()({ error: dead });
  });
  const next = () => new Promise((resolve) => (dead ? resolve({ error: dead }) : waiting.push(resolve)));
  const ready = next();
  return {
    ready,
    call(request) {
      if (dead) return Promise.resolve({ error: dead });
      const p = next();
      child.stdin.write(`${JSON.stringify(request)}\n`);
      return p;
    },
    async close() {
      const r = dead ? { notes: [] } : await this.call({ op: 'finish' });
      child.stdin.end();
      if (!dead) await new Promise((resolve) => child.once('close', resolve));
      return r;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// skiff

function skiffCommand() {
  if (process.env.SKIFF_BENCH_CMD) {
    const parts = process.env.SKIFF_BENCH_CMD.trim().split(/\s+/);
    return { cmd: parts[0], pre: parts.slice(1), how: `SKIFF_BENCH_CMD=${process.env.SKIFF_BENCH_CMD}` };
  }
  const onPath = which('skiff');
  if (onPath) return { cmd: onPath, pre: [], how: onPath };
  const dist = path.join(REPO, 'apps/cli/dist/skiff.cjs');
  if (fs.existsSync(dist)) return { cmd: process.execPath, pre: [dist], how: `node ${dist}` };
  return { error: `no \`skiff\` on PATH and ${path.relative(REPO, dist)} is not built (run ./scripts/setup or pnpm build)` };
}

/** The node binary skiff runs on, for the "Node start" baseline. */
function nodeOfSkiff(skiff) {
  if (/node/.test(path.basename(skiff.cmd))) return skiff.cmd;
  try {
    const file = skiff.cmd.includes('/') ? skiff.cmd : which(skiff.cmd);
    const first = fs.readFileSync(fs.realpathSync(file), 'utf8').split('\n')[0];
    const m = first.match(/^#!\s*(\S+)(?:\s+(?:-S\s+)?(\S+))?/);
    const interpreter = m && path.basename(m[1]) === 'env' ? m[2] && which(m[2]) : m?.[1];
    if (interpreter && /node/.test(path.basename(interpreter))) return interpreter;
  } catch {}
  return process.execPath;
}

function makeSkiff(tmp) {
  const base = skiffCommand();
  if (base.error) return base;
  const env = {
    ...process.env,
    SKIFF_ROOT: path.join(tmp, 'skiff-root'),
    SKIFF_RUN_ROOT: path.join(tmp, 'skiff-run'),
    // its own cgroup parent, so the end-of-run check can tell this run's cgroups from anyone else's
    SKIFF_CGROUP_PARENT,
  };
  delete env.SKIFF_TRACE;
  const skiff = {
    ...base,
    env,
    tmp,
    node: nodeOfSkiff(base),
    sync: (args, extra = {}) =>
      spawnSync(base.cmd, [...base.pre, ...args], { env, encoding: 'utf8', timeout: 120000, stdio: ['ignore', 'pipe', 'pipe'], ...extra }),
    async: (args, extra = {}) => runAsync(base.cmd, [...base.pre, ...args], { env, ...extra }),
  };
  const probe = skiff.sync(['run', '--rm', CONFIG.image, 'true']);
  if (probe.status !== 0) return { ...base, error: `\`${base.how} run --rm ${CONFIG.image} true\` failed (${describeFailure(probe)})` };
  return skiff;
}

function skiffOnce(skiff) {
  const t0 = nowMs();
  const r = spawnSync(skiff.cmd, [...skiff.pre, 'run', '--rm', CONFIG.image, 'true'], { env: skiff.env, stdio: ['ignore', 'ignore', 'pipe'] });
  const t1 = nowMs();
  if (r.status !== 0) return { error: `skiff run --rm ${CONFIG.image} true: ${describeFailure(r)}` };
  return { ms: t1 - t0 };
}

/**
 * Start latency, round-robin: each iteration runs every subject once (in a rotating order), so load from
 * anything else on the machine falls on all of them alike. A subject that fails once is dropped with the reason.
 */
async function latencyRoundRobin(subjects) {
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
  return Object.fromEntries(
    subjects.map((s) => {
      const failed = failures[s.key];
      if (failed.length >= MAX_FAILURES || !samples[s.key].length) return [s.key, { error: failed.at(-1) ?? 'no run completed' }];
      return [s.key, { ...stats(samples[s.key]), ...(failed.length ? { failures: failed.length, lastError: failed.at(-1) } : {}) }];
    }),
  );
}

async function skiffThroughput(skiff) {
  const out = {};
  for (const [key, width] of [['seq', 1], ['par', CONFIG.parallel]]) {
    try {
      const ms = await pool(CONFIG.throughputN, width, async () => {
        const r = await skiff.async(['run', '--rm', CONFIG.image, 'true']);
        if (r.code !== 0) throw new Error(`skiff run --rm: ${describeFailure(r)}`);
      });
      out[key] = { n: CONFIG.throughputN, width, ms: round(ms), perSecond: round((CONFIG.throughputN * 1000) / ms) };
      log(`skiff throughput x${width}: ${out[key].perSecond}/s`);
    } catch (error) {
      out[key] = { error: error.message };
    }
  }
  return out;
}

/** An unusual duration, so the containers' `sleep` processes are told apart from anyone else's. */
const SLEEP_SECS = '3607';

async function skiffMemory(skiff) {
  const helper = path.join(REPO, 'packages/native/bin/skiff-helper');
  const helperReal = fs.existsSync(helper) ? fs.realpathSync(helper) : helper;
  const before = new Set(listPids());
  const ids = [];
  const result = { containers: 0 };
  const marker = `SKIFF_ROOT=${skiff.env.SKIFF_ROOT}`;
  let found = [];
  let sleepers = [];
  try {
    for (let i = 0; i < CONFIG.memContainers; i++) {
      // stdout/stderr to files, not pipes: a detached container that kept a pipe open would hang spawnSync
      const outFile = path.join(skiff.tmp, `run-d-${i}.out`);
      const fds = [fs.openSync(outFile, 'w'), fs.openSync(`${outFile}.err`, 'w')];
      const r = skiff.sync(['run', '-d', CONFIG.image, 'sleep', SLEEP_SECS], { timeout: 30000, stdio: ['ignore', ...fds] });
      fds.forEach((fd) => fs.closeSync(fd));
      r.stdout = fs.readFileSync(outFile, 'utf8');
      r.stderr = fs.readFileSync(`${outFile}.err`, 'utf8');
      if (r.status !== 0) throw new Error(`\`skiff run -d ${CONFIG.image} sleep ${SLEEP_SECS}\` failed (${describeFailure(r)})`);
      const id = r.stdout.trim().split('\n').pop()?.trim();
      if (id) ids.push(id);
      result.containers++;
    }
    await sleep(1000);
    const fresh = listPids().filter((pid) => !before.has(pid) && pid !== process.pid).map(procInfo).filter(Boolean);
    const byPid = new Map(fresh.map((p) => [p.pid, p]));
    sleepers = fresh.filter((p) => p.cmdline[0]?.endsWith('sleep') && p.cmdline[1] === SLEEP_SECS);
    // Ours: new processes that are ancestors of the containers' sleep, or carry our SKIFF_ROOT, or refer to our
    // temp dir (command line, cwd, open files). A skiff-looking process that is none of these is someone else's.
    const ancestors = new Set();
    for (const s of sleepers) {
      for (let p = byPid.get(s.ppid); p && !ancestors.has(p.pid); p = byPid.get(p.ppid)) ancestors.add(p.pid);
    }
    const refersToTmp = (p) => {
      if (p.cmdline.join(' ').includes(skiff.tmp)) return true;
      try {
        if (fs.readlinkSync(`/proc/${p.pid}/cwd`).startsWith(skiff.tmp)) return true;
        return fs.readdirSync(`/proc/${p.pid}/fd`).some((fd) => {
          try {
            return fs.readlinkSync(`/proc/${p.pid}/fd/${fd}`).startsWith(skiff.tmp);
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    };
    found = fresh.filter(
      (p) => !sleepers.includes(p) && (ancestors.has(p.pid) || p.environ.split('\0').includes(marker) || refersToTmp(p)),
    );
    const skiffLooking = fresh.filter(
      (p) => !found.includes(p) && !sleepers.includes(p) && ((p.exe && (p.exe === helperReal || path.basename(p.exe) === 'skiff-helper')) || p.cmdline.join(' ').includes('skiff')),
    );
    const pss = found.reduce((a, p) => a + (p.pssKiB ?? p.rssKiB), 0);
    const rss = found.reduce((a, p) => a + p.rssKiB, 0);
    Object.assign(result, {
      sleepers: sleepers.length,
      processes: found.map((p) => `${p.pid} ${p.name} (${p.cmdline.slice(0, 3).join(' ')}) Pss ${p.pssKiB ?? '?'} KiB RSS ${p.rssKiB} KiB`),
      pssKiBTotal: pss,
      rssKiBTotal: rss,
      pssMiBPerContainer: round(pss / 1024 / CONFIG.memContainers),
      rssMiBPerContainer: round(rss / 1024 / CONFIG.memContainers),
    });
    if (skiffLooking.length) result.notCounted = skiffLooking.map((p) => `${p.pid} ${p.name} (${p.cmdline.slice(0, 3).join(' ')})`);
    if (sleepers.length !== CONFIG.memContainers) result.note = `found ${sleepers.length} container sleep process(es) for ${CONFIG.memContainers} containers`;
  } catch (error) {
    result.error = error.message;
  } finally {
    for (const id of ids) skiff.sync(['rm', '-f', id], { timeout: 30000 });
    // anything still alive of what this test started: by PID only
    const tracked = [...found, ...sleepers].map((p) => p.pid);
    await sleep(300);
    const lingering = tracked.filter(alive);
    for (const pid of lingering) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    if (lingering.length) result.killed = `killed ${lingering.length} process(es) by PID after \`skiff rm -f\`: ${lingering.join(' ')}`;
  }
  return result;
}

/**
 * `dd` overwrite of a pre-written file, timed inside the container from /proc/uptime (10 ms resolution, about
 * 1.5% of a 1 GiB run here). busybox `date` has no nanoseconds, and `adjtimex` is refused by the default
 * seccomp filter (clock_adjtime), as it is under docker's.
 */
const DD_SCRIPT = (file, mb) =>
  `read a _ < /proc/uptime; dd if=/dev/zero of=${file} bs=1M count=${mb} conv=notrunc,fsync 2>/dev/null || exit 3; read b _ < /proc/uptime; echo "uptime $a $b"`;

function parseDd(stdout) {
  const m = /uptime ([\d.]+) ([\d.]+)/.exec(stdout);
  return m ? (Number(m[2]) - Number(m[1])) * 1000 : null;
}

function skiffVolume(skiff, tmp) {
  const mb = CONFIG.ddMB;
  const targets = {
    host: { dir: path.join(tmp, 'dd-host'), samples: [] },
    bind: { dir: path.join(tmp, 'dd-bind'), samples: [] },
    overlay: { dir: path.join(tmp, 'dd-overlay'), samples: [] },
  };
  for (const t of Object.values(targets)) {
    fs.mkdirSync(t.dir, { recursive: true });
    const w = spawnSync(BUSYBOX, ['dd', 'if=/dev/zero', `of=${t.dir}/f`, 'bs=1M', `count=${mb}`, 'conv=fsync'], { stdio: 'ignore' });
    if (w.status !== 0) return { error: `pre-writing ${t.dir}/f failed` };
  }
  const runOne = (key) => {
    const t = targets[key];
    let r;
    if (key === 'host') r = spawnSync(BUSYBOX, ['sh', '-c', DD_SCRIPT(`${t.dir}/f`, mb)], { encoding: 'utf8' });
    else {
      const vol = key === 'bind' ? `${t.dir}:/v` : `${t.dir}:/v:driver=overlay`;
      r = skiff.sync(['run', '--rm', '-v', vol, CONFIG.image, 'sh', '-c', DD_SCRIPT('/v/f', mb)], { timeout: 600000 });
    }
    if (r.status !== 0) throw new Error(`${key}: ${describeFailure(r)}`);
    const ms = parseDd(r.stdout);
    if (ms == null) throw new Error(`${key}: could not read /proc/uptime around dd (output: ${tail(r.stdout, 200)})`);
    t.samples.push((mb * 1048576) / 1e6 / (ms / 1000));
  };
  const out = { mb, reps: CONFIG.ddReps };
  for (let rep = 0; rep < CONFIG.ddReps && !STOP.requested; rep++) {
    for (const key of Object.keys(targets)) {
      try {
        runOne(key);
      } catch (error) {
        targets[key].errors = [...(targets[key].errors ?? []), error.message];
      }
    }
  }
  const host = stats(targets.host.samples)?.median;
  for (const [key, t] of Object.entries(targets)) {
    if (!t.samples.length) out[key] = { error: t.errors?.at(-1) ?? 'not run' };
    else {
      const s = stats(t.samples);
      out[key] = { mbPerSec: s.median, samples: t.samples.map((x) => round(x)), ratio: host ? round(s.median / host, 3) : null };
      if (t.errors) Object.assign(out[key], { failures: t.errors.length, lastError: t.errors.at(-1) });
    }
    fs.rmSync(t.dir, { recursive: true, force: true });
  }
  return out;
}

function nodeBaseline(node) {
  const samples = [];
  for (let i = 0; i < CONFIG.warmup + CONFIG.traceRuns; i++) {
    const t0 = nowMs();
    const r = spawnSync(node, ['-e', '0'], { stdio: 'ignore' });
    const t1 = nowMs();
    if (r.status !== 0) return { error: describeFailure(r) };
    if (i >= CONFIG.warmup) samples.push(t1 - t0);
  }
  return { node, ...stats(samples) };
}

/** A bare node's own `loaded` mark: it prints when it is ready to run a script, in skiff-trace's format. */
const NODE_READY = "process.stderr.write('skiff-trace ready ' + performance.now().toFixed(2) + '\\n')";

function skiffTrace(skiff) {
  const failures = [];
  const phases = new Map();
  const walls = [];
  const nodeStarts = [];
  const nodeReady = [];
  for (let i = 0; i < CONFIG.warmup + CONFIG.traceRuns; i++) {
    // a bare node beside each traced run, so the Node baseline is taken under the same load: its whole wall time,
    // and when it is ready to run a script, on the clock skiff's phases use (performance.now: ms since start)
    const n0 = nowMs();
    const n = spawnSync(skiff.node, ['-e', NODE_READY], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    const ready = /^skiff-trace ready ([\d.]+)/m.exec(n.stderr ?? '');
    if (n.status === 0 && ready && i >= CONFIG.warmup) {
      nodeStarts.push(nowMs() - n0);
      nodeReady.push(Number(ready[1]));
    }
    const t0 = nowMs();
    const r = spawnSync(skiff.cmd, [...skiff.pre, 'run', '--rm', CONFIG.image, 'true'], {
      env: { ...skiff.env, SKIFF_TRACE: '1' },
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const t1 = nowMs();
    if (r.status !== 0) {
      failures.push(describeFailure(r));
      if (failures.length >= MAX_FAILURES) return { error: `SKIFF_TRACE=1 skiff run --rm: ${failures.at(-1)}` };
      continue;
    }
    if (i < CONFIG.warmup) continue;
    walls.push(t1 - t0);
    for (const m of r.stderr.matchAll(/^skiff-trace (\S+) ([\d.]+)\s*$/gm)) {
      if (!phases.has(m[1])) phases.set(m[1], []);
      phases.get(m[1]).push(Number(m[2]));
    }
  }
  if (!phases.size) return { error: 'SKIFF_TRACE=1 printed no `skiff-trace <phase> <ms>` lines on stderr', wall: stats(walls) };
  return {
    phases: [...phases].map(([phase, values]) => ({ phase, seen: values.length, ...stats(values) })),
    wall: stats(walls),
    node: nodeStarts.length ? { node: skiff.node, ...stats(nodeStarts), ready: stats(nodeReady) } : null,
    ...(failures.length ? { failures: failures.length, lastError: failures.at(-1) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// report

const fmt = (x) => (x == null || Number.isNaN(x) ? '—' : typeof x === 'number' ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(2)) : String(x));
const clean = (text, max = 240) => String(text).replace(/\|/g, '/').replace(/\s*\n\s*/g, ' ').slice(0, max);

const LATENCY_ROWS = [
  ['skiff', '**skiff** `run --rm busybox true` (its overlay storage)'],
  ['runc', 'runc `run` (bare rootfs dir)'],
  ['runc+overlay', 'runc `run` + overlay mount/umount'],
  ['crun', 'crun `run` (bare rootfs dir)'],
  ['crun+overlay', 'crun `run` + overlay mount/umount'],
  ['floor', 'floor: `unshare -pmuin --fork chroot DIR /bin/true`'],
  ['floor+overlay', 'floor + overlay mount/umount'],
  ['overlay-only', 'overlay mount + umount + rm alone (no container)'],
  ['node', "`node -e 0` (Node start; skiff's node)"],
];

function report(results) {
  const lines = [];
  const L = (s = '') => lines.push(s);
  const m = results.machine;
  L(`# skiff benchmark — ${m.date}`);
  L();
  L(`Linux ${m.kernel}, cgroups ${m.cgroups}, ${m.cpus}× ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}; ${m.runc ?? 'no runc'}; ${m.crun ?? 'no crun'}; BusyBox ${m.busybox}; skiff ${m.skiff ?? 'not run'}. Load average at start ${m.loadStart}, at end ${m.loadEnd}.`);
  L();
  L(`Every figure uses a busybox root filesystem built from the host's \`${BUSYBOX}\` (skiff: its \`${CONFIG.image}\` image, made from the same binary).`);
  L();
  if (results.latency) {
    const rows = results.latency;
    L(`## 1. Start latency: a container running \`/bin/true\`, created and removed (ms; ${CONFIG.runs} runs after ${CONFIG.warmup} warm-up, runtimes interleaved)`);
    L();
    L('| runtime | median | p90 | min | max |');
    L('| --- | ---: | ---: | ---: | ---: |');
    for (const [key, label] of LATENCY_ROWS) {
      const s = rows[key];
      if (!s) continue;
      if (s.error) L(`| ${label} | skipped: ${clean(s.error)} | | | |`);
      else L(`| ${label}${s.failures ? ` (${s.failures} failed run(s) left out)` : ''} | ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.min)} | ${fmt(s.max)} |`);
    }
    L();
    for (const [key, label] of LATENCY_ROWS) {
      if (rows[key]?.failures) L(`- ${label}: ${rows[key].failures} run(s) failed, last with: ${clean(rows[key].lastError)}`);
    }
    if (LATENCY_ROWS.some(([key]) => rows[key]?.failures)) L();
    L('"+ overlay": fresh upper/work dirs, `mount -t overlay` (lowerdir = the busybox dir; static busybox `mount`), the run, `umount`, removing upper/work — all inside the timed span. The runc/crun OCI bundle is written before the clock starts.');
    L();
  }
  if (results.throughput) {
    const t = results.throughput;
    const cell = (x) => (!x ? '—' : x.error ? `skipped: ${clean(x.error, 160)}` : `${fmt(x.perSecond)}/s (${fmt(x.ms / 1000)} s)`);
    L(`## 2. Throughput: ${CONFIG.throughputN} containers running \`/bin/true\`, each created and removed`);
    L();
    L(`| runtime | sequential | ${CONFIG.parallel} in parallel |`);
    L('| --- | ---: | ---: |');
    for (const [key, label] of [['skiff', '**skiff**'], ['runc+overlay', 'runc + overlay'], ['crun+overlay', 'crun + overlay']]) {
      const x = t[key];
      if (!x || x.error) L(`| ${label} | skipped: ${clean(x?.error ?? 'not run', 160)} | |`);
      else L(`| ${label} | ${cell(x.seq)} | ${cell(x.par)} |`);
    }
    L();
  }
  if (results.memory) {
    const mem = results.memory;
    L('## 3. Resident memory per detached `sleep` container: runtime processes that stay alive (the container\'s own `sleep` excluded)');
    L();
    L('| runtime | Pss per container (MiB) | RSS per container (MiB) | how |');
    L('| --- | ---: | ---: | --- |');
    const s = mem.skiff;
    if (!s || s.error) L(`| **skiff** | — | — | skipped: ${clean(s?.error ?? 'not run')} |`);
    else L(`| **skiff** | ${fmt(s.pssMiBPerContainer)} | ${fmt(s.rssMiBPerContainer)} | measured: ${s.containers} × \`skiff run -d ${CONFIG.image} sleep ${SLEEP_SECS}\`; ${s.processes.length} skiff process(es) stayed alive${s.note ? `; ${s.note}` : ''}${s.notCounted ? `; not counted (no link to this run): ${clean(s.notCounted.join(', '), 120)}` : ''} |`);
    for (const peer of ['runc', 'crun']) {
      const d = mem[peer];
      if (!d || d.error) L(`| ${peer} | 0 | 0 | not measured${d?.error ? ` (\`${peer} run -d\` failed: ${clean(d.error, 160)})` : ''}; ${peer} has no shim: nothing of it stays besides the container |`);
      else L(`| ${peer} | ${fmt(d.pssKiB / 1024)} | ${fmt(d.rssKiB / 1024)} | measured: \`${peer} run -d\` leaves ${d.processes.length} ${peer} process(es) behind — no shim, only the container |`);
    }
    L('| podman (conmon) | 2.0 | — | reference figure measured earlier on this machine, **not** by this script |');
    L('| docker (containerd-shim) | 12.8 | — | reference figure measured earlier on this machine, **not** by this script |');
    L();
  }
  if (results.volume) {
    const v = results.volume;
    L(`## 4. Volume write: \`dd if=/dev/zero bs=1M count=${CONFIG.ddMB} conv=notrunc,fsync\` overwriting a pre-written file (median of ${CONFIG.ddReps})`);
    L();
    L('| target | MB/s | ratio to host dir |');
    L('| --- | ---: | ---: |');
    if (v.error) L(`| all | skipped: ${clean(v.error)} | |`);
    else {
      const row = (label, x) =>
        L(x?.error ? `| ${label} | skipped: ${clean(x.error)} | |` : `| ${label}${x?.failures ? ` (${x.failures} failed run(s) left out; last: ${clean(x.lastError, 120)})` : ''} | ${fmt(x?.mbPerSec)} | ${fmt(x?.ratio)} |`);
      row('host directory (the same busybox dd, on the host)', v.host);
      row('**skiff** bind volume `-v DIR:/v`', v.bind);
      row('**skiff** overlay volume `-v DIR:/v:driver=overlay`', v.overlay);
    }
    L();
  }
  if (results.trace) {
    const tr = results.trace;
    L(`## 5. Where the time goes in \`skiff run --rm ${CONFIG.image} true\` (SKIFF_TRACE=1; median of ${CONFIG.traceRuns}; ms since the skiff process started)`);
    L();
    L('| phase | at (median) | since previous | p90 |');
    L('| --- | ---: | ---: | ---: |');
    const nb = tr.node ?? results.nodeBaseline;
    L(`| Node baseline, run beside each traced run: a bare \`node -e\` ready to run its script | ${fmt(nb?.ready?.median)} | | ${fmt(nb?.ready?.p90)} |`);
    L(`| … and gone (its whole wall time) | ${fmt(nb?.median)} | | ${fmt(nb?.p90)} |`);
    if (tr.error) L(`| skipped: ${clean(tr.error)} | | | |`);
    else {
      let prev = 0;
      for (const ph of tr.phases) {
        L(`| ${ph.phase}${ph.seen < CONFIG.traceRuns ? ` (in ${ph.seen} of ${CONFIG.traceRuns} runs)` : ''} | ${fmt(ph.median)} | ${fmt(ph.median - prev)} | ${fmt(ph.p90)} |`);
        prev = ph.median;
      }
      L(`| process gone (wall time, measured by the bench) | ${fmt(tr.wall?.median)} | ${fmt(tr.wall?.median - prev)} | ${fmt(tr.wall?.p90)} |`);
      const first = tr.phases[0];
      const last = tr.phases.at(-1);
      if (first && last && nb?.ready?.median && nb?.median) {
        const nodeTail = nb.median - nb.ready.median;
        lines.push(
          '',
          `Before the first phase (\`${first.phase}\`, ${fmt(first.median)} ms): a bare node is ready to run a script at ${fmt(nb.ready.median)} ms, which leaves about ${fmt(first.median - nb.ready.median)} ms of loading skiff's modules. ` +
            `After \`${last.phase}\`, skiff takes ${fmt(tr.wall.median - last.median)} ms until it is gone; a bare node takes ${fmt(nodeTail)} ms from ready to gone (starting up before its clock begins, and exiting), so about ${fmt(tr.wall.median - last.median - nodeTail)} ms of that is skiff's own exit.`,
        );
      }
    }
    L();
  }
  L('## Notes');
  L();
  for (const n of results.notes) L(`- ${n}`);
  for (const [what, why] of Object.entries(results.skipped)) L(`- skipped ${what}: ${why}`);
  L(`- cleanup: ${results.cleanup.summary}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// main

async function main() {
  if (process.getuid?.() !== 0) {
    console.error('bench: run as root (containers need namespaces, mounts and cgroups)');
    process.exit(1);
  }
  const started = nowMs();
  const results = { machine: {}, config: CONFIG, notes: [], skipped: {}, cleanup: {} };
  results.notes.push(...ensurePackages());
  if (!fs.existsSync(BUSYBOX)) {
    console.error(`bench: ${BUSYBOX} is missing (apt-get install busybox-static)`);
    process.exit(1);
  }

  const version = (bin, args = ['--version']) => (bin ? spawnSync(bin, args, { encoding: 'utf8' }).stdout?.split('\n')[0].trim() : null);
  const cpus = os.cpus();
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  results.machine = {
    date: new Date().toISOString(),
    kernel: `${os.release()} ${os.version()}`,
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? '?',
    memGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    runc: version(which('runc')),
    crun: version(which('crun')),
    busybox: (spawnSync(BUSYBOX, [], { encoding: 'utf8' }).stdout ?? '').match(/BusyBox v(\S+)/)?.[1] ?? '?',
    cgroups: fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : fs.existsSync('/sys/fs/cgroup/unified') ? 'v1 (hybrid)' : 'v1',
    gitCommit: spawnSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || null,
    loadStart: load(),
  };

  const mountsBefore = new Set(mountPoints());
  const cgroupsBefore = cgroupDirs();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-'));
  log(`temp dir ${tmp}`);
  const onSignal = (signal) => {
    if (STOP.requested) return;
    STOP.requested = true;
    log(`${signal}: finishing the current step, then cleaning up`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const want = (section) => CONFIG.only.includes(section);
  const workers = {};

  try {
    const rootfs = path.join(tmp, 'rootfs');
    buildRootfs(rootfs);
    const base = baseSpec(tmp);
    const bundle = path.join(tmp, 'bundle');
    if (base) {
      writeBundle(bundle, base.spec, rootfs, ['/bin/true']);
      results.notes.push(`runc and crun share one OCI config.json from \`${base.from}\`: terminal false, namespaces pid/mount/uts/ipc/network (no user or cgroup namespace), root = the busybox dir (writable), the default mounts (/proc, /dev tmpfs, /dev/pts, /dev/shm, /dev/mqueue, /sys, /sys/fs/cgroup), no resource limits; each run has a unique container id and its own --root state dir in the temp dir`);
    }

    // skiff
    const skiff = makeSkiff(tmp);
    if (skiff.error) {
      results.skipped.skiff = `${skiff.error} — skiff rows are skipped; set SKIFF_BENCH_CMD to point at a working skiff`;
      log(`skiff: skipped — ${skiff.error}`);
    } else results.machine.skiff = skiff.how;
    const skiffOk = !skiff.error;

    // peers: one worker each, in its own private mount namespace
    const peerErrors = {};
    if ((want('latency') || want('throughput') || want('memory')) && !STOP.requested) {
      const common = { tag: `skb${process.pid}`, tmp, rootfs, bundle, spec: base?.spec, unshare: which('unshare'), chroot: which('chroot') };
      workers.floor = startWorker({ ...common, peer: 'floor' });
      for (const peer of ['runc', 'crun']) {
        const bin = which(peer);
        if (!bin) peerErrors[peer] = `${peer} is not installed (apt-get install ${peer} failed)`;
        else if (!base) peerErrors[peer] = 'could not generate an OCI config with `runc spec` or `crun spec`';
        else workers[peer] = startWorker({ ...common, peer, bin, unmountUnified: peer === 'crun' });
      }
      for (const [peer, w] of Object.entries(workers)) {
        const r = await w.ready;
        if (r.error) {
          peerErrors[peer] = r.error;
          delete workers[peer];
        } else for (const n of r.notes ?? []) results.notes.push(`${peer}: ${n}`);
      }
    }
    const peerError = (peer) => peerErrors[peer] ?? `${peer} unavailable`;

    const nodeBin = skiff.cmd ? nodeOfSkiff(skiff) : process.execPath;
    if (want('latency') && !STOP.requested) {
      const subjects = [];
      const rows = {};
      if (skiffOk) subjects.push({ key: 'skiff', run: async () => skiffOnce(skiff) });
      else rows.skiff = { error: 'skiff unavailable (see notes)' };
      for (const peer of ['runc', 'crun', 'floor']) {
        const w = workers[peer];
        const kinds = [[peer, 'bare'], [`${peer}+overlay`, 'overlay']];
        if (peer === 'floor') kinds.push(['overlay-only', 'mountOnly']);
        for (const [key, kind] of kinds) {
          if (w) subjects.push({ key, run: () => w.call({ op: 'once', kind }) });
          else rows[key] = { error: peerError(peer) };
        }
      }
      subjects.push({
        key: 'node',
        run: async () => {
          const t0 = nowMs();
          const r = spawnSync(nodeBin, ['-e', '0'], { stdio: 'ignore' });
          return r.status === 0 ? { ms: nowMs() - t0 } : { error: describeFailure(r) };
        },
      });
      log(`latency: ${subjects.map((s) => s.key).join(', ')}`);
      Object.assign(rows, await latencyRoundRobin(subjects));
      results.latency = rows;
      results.nodeBaseline = rows.node;
    }

    if (want('throughput') && !STOP.requested) {
      const t = {};
      t.skiff = skiffOk ? await skiffThroughput(skiff) : { error: 'skiff unavailable (see notes)' };
      for (const peer of ['runc', 'crun']) {
        const w = workers[peer];
        if (!w) {
          t[`${peer}+overlay`] = { error: peerError(peer) };
          continue;
        }
        const seq = await w.call({ op: 'throughput', n: CONFIG.throughputN, width: 1 });
        const par = await w.call({ op: 'throughput', n: CONFIG.throughputN, width: CONFIG.parallel });
        log(`${peer}+overlay throughput: ${seq.perSecond ?? seq.error}/s sequential, ${par.perSecond ?? par.error}/s x${CONFIG.parallel}`);
        t[`${peer}+overlay`] = { seq, par };
      }
      results.throughput = t;
    }

    if (want('memory') && !STOP.requested) {
      const mem = {};
      if (skiffOk) {
        log('memory: skiff run -d');
        mem.skiff = await skiffMemory(skiff);
      } else mem.skiff = { error: 'skiff unavailable (see notes)' };
      for (const peer of ['runc', 'crun']) mem[peer] = workers[peer] ? await workers[peer].call({ op: 'detached' }) : { error: peerError(peer) };
      results.memory = mem;
    }

    if (want('volume') && !STOP.requested) {
      if (skiffOk) log(`volumes: dd ${CONFIG.ddMB} MB × ${CONFIG.ddReps} on host, bind, overlay`);
      results.volume = skiffOk ? skiffVolume(skiff, tmp) : { error: 'skiff unavailable (see notes)' };
    }

    if (want('trace') && !STOP.requested) {
      if (skiffOk) log('trace: SKIFF_TRACE=1');
      results.trace = skiffOk ? skiffTrace(skiff) : { error: 'skiff unavailable (see notes)' };
      if (!results.nodeBaseline) results.nodeBaseline = nodeBaseline(nodeBin);
    }
    if (STOP.requested) results.notes.push('interrupted: some sections were not run');
  } catch (error) {
    results.notes.push(`bench error: ${error.stack ?? error.message}`);
  } finally {
    for (const [peer, w] of Object.entries(workers)) {
      const r = await w.close();
      for (const n of r.notes ?? []) results.notes.push(`${peer}: ${n}`);
    }
    results.cleanup = cleanup(tmp, mountsBefore, cgroupsBefore);
  }
  results.machine.loadEnd = load();
  results.elapsedSeconds = round((nowMs() - started) / 1000, 1);
  results.notes.push(`whole run took ${results.elapsedSeconds} s`);
  if (Number.parseFloat(results.machine.loadStart) > 0.5 || Number.parseFloat(results.machine.loadEnd) > 1.5)
    results.notes.push(`the machine was busy with other work (load average ${results.machine.loadStart} → ${results.machine.loadEnd}): absolute figures are noisy; the runtimes were interleaved run by run so their ratios are fairer than their absolute values`);

  const markdown = report(results);
  process.stdout.write(`${markdown}\n`);
  const outDir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  // Only a complete run replaces latest.json; an interrupted or BENCH_ONLY run goes beside it.
  const partial = CONFIG.only.length < ALL_SECTIONS.length;
  const outFile = path.join(outDir, STOP.requested ? 'interrupted.json' : partial ? 'partial.json' : 'latest.json');
  fs.writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${outFile}`);
}

/** Verifies nothing is left behind: no mount under the temp dir, no process of ours, no new cgroup of ours. */
function cleanup(tmp, mountsBefore, cgroupsBefore) {
  const out = { problems: [] };
  // processes: anything still running that refers to our temp dir (cmdline, exe or environment)
  const ours = listPids()
    .filter((pid) => pid !== process.pid)
    .map(procInfo)
    .filter((p) => p && (p.cmdline.join(' ').includes(tmp) || p.exe?.startsWith(tmp) || p.environ.includes(tmp)));
  for (const p of ours) {
    out.problems.push(`process ${p.pid} (${p.cmdline.join(' ').slice(0, 80)}) was still running: killed`);
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {}
  }
  // mounts in the host namespace under the temp dir
  let left = mountPoints().filter((m) => m === tmp || m.startsWith(`${tmp}/`));
  for (const m of [...left].reverse()) spawnSync('umount', [m], { stdio: 'ignore' });
  const stillLeft = mountPoints().filter((m) => m === tmp || m.startsWith(`${tmp}/`));
  if (left.length) out.problems.push(`${left.length} mount(s) under ${tmp} were left in the host namespace: ${left.join(', ')}${stillLeft.length ? ' (could not unmount)' : ' (unmounted)'}`);
  const newMounts = mountPoints().filter((m) => !mountsBefore.has(m) && !m.startsWith(tmp));
  if (newMounts.length) out.problems.push(`new mounts appeared elsewhere during the run (maybe not ours): ${newMounts.slice(0, 10).join(', ')}`);
  // cgroups: everything of this run is named skb<pid>-*: runc/crun containers skb<pid>-runc-N / -crun-N, and
  // skiff's containers under the parent skb<pid>-skiff (SKIFF_CGROUP_PARENT). Others' are only mentioned.
  const prefix = `skb${process.pid}-`;
  const fresh = [...cgroupDirs()].filter((d) => !cgroupsBefore.has(d));
  const mine = fresh.filter((d) => d.includes(`/${prefix}`));
  const skiffParent = (d) => path.basename(d) === SKIFF_CGROUP_PARENT;
  const leaked = mine.filter((d) => !skiffParent(d));
  for (const d of mine.sort((a, b) => b.length - a.length)) {
    try {
      fs.rmdirSync(d);
    } catch {}
  }
  const notRemovable = mine.filter((d) => fs.existsSync(d));
  if (leaked.length) {
    const names = [...new Set(leaked.map((d) => d.replace(/^\/sys\/fs\/cgroup\/[^/]+/, '')))];
    out.problems.push(`cgroups were left behind by the runtimes: ${names.slice(0, 6).join(', ')}${names.length > 6 ? ' …' : ''} (in ${leaked.length} hierarchy dirs; the bench removed ${leaked.length - notRemovable.filter((d) => !skiffParent(d)).length})`);
  }
  if (notRemovable.length) out.problems.push(`could not remove cgroup dirs (processes still in them?): ${notRemovable.slice(0, 6).join(', ')}`);
  const others = fresh.filter((d) => !mine.includes(d) && fs.existsSync(d));
  if (others.length) out.othersCgroups = `${others.length} cgroup dirs appeared during the run that are not this run's (other work on this machine), e.g. ${others.slice(0, 3).join(', ')}`;
  // the temp dir itself: only removed when nothing is mounted under it
  if (!stillLeft.length) fs.rmSync(tmp, { recursive: true, force: true });
  else out.problems.push(`kept ${tmp} because mounts remain under it`);
  out.verified = {
    mountsUnderTmp: mountPoints().filter((m) => m.startsWith(tmp)).length,
    processesOfOurs: ours.filter((p) => alive(p.pid)).length,
    tmpRemoved: !fs.existsSync(tmp),
  };
  out.summary = out.problems.length
    ? out.problems.join('; ')
    : `verified: no mount under ${tmp} in /proc/self/mountinfo, no process of this run left, no cgroup of this run left (skiff's under the parent ${SKIFF_CGROUP_PARENT}, removed), temp dir removed`;
  return out;
}

if (process.argv[2] === '--worker') {
  await worker(JSON.parse(Buffer.from(process.argv[3], 'base64').toString('utf8')));
} else {
  await main();
}
