// The peers skiff is compared with: runc, crun and the floor (unshare + chroot), one worker process each in its
// own private mount namespace (peer-worker.mjs). podman and docker are reference figures only (see report.mjs).
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { LIB_DIR, RUN_TAG } from './config.mjs';
import { which } from './util.mjs';

export const PEERS = ['runc', 'crun'];

/** Starts a worker; returns { ready, call(request) → Promise<reply>, close() → Promise<{ notes }> }. */
function startWorker(task) {
  const payload = Buffer.from(JSON.stringify(task)).toString('base64');
  const child = spawn(which('unshare'), ['-m', '--propagation', 'private', process.execPath, path.join(LIB_DIR, 'peer-worker.mjs'), payload], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = [];
  let dead = null;
  const die = (why) => {
    dead = why;
    while (waiting.length) waiting.shift()({ error: dead });
  };
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = { error: `worker said: ${line}` };
    }
    waiting.shift()?.(msg);
  });
  child.on('close', (code, signal) => die(`worker for ${task.peer} exited (${signal ?? `exit ${code}`})`));
  child.on('error', (error) => die(`worker for ${task.peer} could not start: ${error.message}`));
  const next = () => new Promise((resolve) => (dead ? resolve({ error: dead }) : waiting.push(resolve)));
  const ready = next();
  return {
    ready,
    call(request) {
      if (dead) return Promise.resolve({ error: dead });
      const reply = next();
      child.stdin.write(`${JSON.stringify(request)}\n`);
      return reply;
    },
    async close() {
      const reply = dead ? { notes: [] } : await this.call({ op: 'finish' });
      child.stdin.end();
      if (!dead) await new Promise((resolve) => child.once('close', resolve));
      return reply;
    },
  };
}

/**
 * Starts the floor and every installed peer on the shared rootfs and bundle. Returns { workers, errors, notes }:
 * a peer that cannot run has an error (the reason) instead of a worker.
 */
export async function startPeers({ tmp, rootfs, bundle, spec }) {
  const common = { tag: RUN_TAG, tmp, rootfs, bundle, spec, unshare: which('unshare'), chroot: which('chroot') };
  const workers = { floor: startWorker({ ...common, peer: 'floor' }) };
  const errors = {};
  const notes = [];
  for (const peer of PEERS) {
    const bin = which(peer);
    if (!bin) errors[peer] = `${peer} is not installed (apt-get install ${peer} failed)`;
    else if (!spec) errors[peer] = 'could not generate an OCI config with `runc spec` or `crun spec`';
    else workers[peer] = startWorker({ ...common, peer, bin, unmountUnified: peer === 'crun' });
  }
  for (const [peer, worker] of Object.entries(workers)) {
    const r = await worker.ready;
    if (r.error) {
      errors[peer] = r.error;
      delete workers[peer];
    } else for (const n of r.notes ?? []) notes.push(`${peer}: ${n}`);
  }
  return { workers, errors, notes };
}

/** Closes every worker; returns their notes. */
export async function closePeers(workers) {
  const notes = [];
  for (const [peer, worker] of Object.entries(workers)) {
    const r = await worker.close();
    for (const n of r.notes ?? []) notes.push(`${peer}: ${n}`);
  }
  return notes;
}
