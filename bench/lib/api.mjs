// 7. The Docker Engine API service: `skiff system service` beside `podman system service`, each on its own unix
// socket in the run's temp dir. Resident memory of the service process (idle after start, and after the timed
// requests), and request latency: `GET /_ping` on a kept-alive connection, and create + start + wait of a
// container running `true` (the container is removed after each, outside the timed span).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CONFIG } from './config.mjs';
import { SKIFF_UNAVAILABLE } from './skiff.mjs';
import { log, nowMs, sleep, stats, which } from './util.mjs';

export const PING_RUNS = 200;
/** podman with runc on this host needs these limits (see DESIGN.md's machine facts). */
const PODMAN_ULIMITS = [
  { Name: 'nofile', Soft: 1024, Hard: 1024 },
  { Name: 'nproc', Soft: 1024, Hard: 1024 },
];

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

function request(agent, socketPath, method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, agent, method, path: urlPath, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => (res.statusCode >= 400 ? reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text.trim()}`)) : resolve(text)));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

async function waitForSocket(socketPath, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    if (fs.existsSync(socketPath)) {
      try {
        await request(undefined, socketPath, 'GET', '/_ping');
        return;
      } catch {}
    }
    await sleep(50);
  }
  throw new Error('the service did not answer within 10 s');
}

/** The everyday endpoints beyond run, timed on one running container: `docker top`, `stats --no-stream`'s one-shot, `cp` out, `diff`. */
export const ENDPOINTS = [
  ['top', 'GET', '/top'],
  ['stats one-shot', 'GET', '/stats?stream=false&one-shot=true'],
  ['archive (cp out of /etc/passwd)', 'GET', '/archive?path=/etc/passwd'],
  ['changes (diff)', 'GET', '/changes'],
];

async function measureEndpoints(agent, socketPath, image, extraHostConfig) {
  const { Id } = JSON.parse(await request(agent, socketPath, 'POST', '/v1.41/containers/create', { Image: image, Cmd: ['sleep', '600'], HostConfig: extraHostConfig }));
  const timings = {};
  try {
    await request(agent, socketPath, 'POST', `/v1.41/containers/${Id}/start`);
    for (const [label, method, suffix] of ENDPOINTS) {
      const runs = [];
      try {
        for (let i = 0; i < CONFIG.runs + CONFIG.warmup; i++) {
          const t0 = nowMs();
          await request(agent, socketPath, method, `/v1.41/containers/${Id}${suffix}`);
          if (i >= CONFIG.warmup) runs.push(nowMs() - t0);
        }
        timings[label] = stats(runs);
      } catch (error) {
        timings[label] = { error: error.message };
      }
    }
  } finally {
    await request(agent, socketPath, 'DELETE', `/v1.41/containers/${Id}?force=1`).catch(() => {});
  }
  return timings;
}

/** Measures one service: { rssIdleMiB, rssAfterMiB, ping, run, endpoints } or { error }. */
async function measureService(label, socketPath, child, image, extraHostConfig) {
  try {
    await waitForSocket(socketPath, child);
    await sleep(500);
    const rssIdle = rssKiB(child.pid);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const pings = [];
    for (let i = 0; i < PING_RUNS + 10; i++) {
      const t0 = nowMs();
      await request(agent, socketPath, 'GET', '/v1.41/_ping');
      if (i >= 10) pings.push(nowMs() - t0);
    }
    const runs = [];
    for (let i = 0; i < CONFIG.runs + CONFIG.warmup; i++) {
      const t0 = nowMs();
      const { Id } = JSON.parse(await request(agent, socketPath, 'POST', '/v1.41/containers/create', { Image: image, Cmd: ['true'], HostConfig: extraHostConfig }));
      await request(agent, socketPath, 'POST', `/v1.41/containers/${Id}/start`);
      const waited = JSON.parse(await request(agent, socketPath, 'POST', `/v1.41/containers/${Id}/wait`));
      const ms = nowMs() - t0;
      if (waited.StatusCode !== 0) throw new Error(`true exited with ${waited.StatusCode}`);
      await request(agent, socketPath, 'DELETE', `/v1.41/containers/${Id}?force=1`);
      if (i >= CONFIG.warmup) runs.push(ms);
    }
    const endpoints = await measureEndpoints(agent, socketPath, image, extraHostConfig);
    agent.destroy();
    const result = { rssIdleMiB: rssIdle / 1024, rssAfterMiB: rssKiB(child.pid) / 1024, ping: stats(pings), run: stats(runs), endpoints };
    log(`api ${label}: ping median ${result.ping.median} ms, create+start+wait median ${result.run.median} ms, RSS ${result.rssIdleMiB.toFixed(1)} → ${result.rssAfterMiB.toFixed(1)} MiB`);
    return result;
  } catch (error) {
    return { error: error.message };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
}

function startSkiff(skiff) {
  const socketPath = path.join(skiff.tmp, 'skiff-api.sock');
  const child = spawn(skiff.cmd, skiff.args(['system', 'service', '--time', '0', `unix://${socketPath}`]), { env: skiff.env, stdio: 'ignore' });
  return { socketPath, child };
}

/** podman on private roots in the temp dir, with a busybox image imported from the bench's rootfs. */
function startPodman(tmp, rootfs) {
  const podman = which('podman');
  if (!podman) return { error: 'podman is not installed' };
  const dir = path.join(tmp, 'podman');
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const global = ['--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), '--tmpdir', path.join(dir, 'tmp'), '--storage-driver', 'overlay', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--runtime', 'runc'];
  const tar = spawnSync('tar', ['-C', rootfs, '-cf', path.join(dir, 'rootfs.tar'), '.'], { encoding: 'utf8' });
  if (tar.status !== 0) return { error: `tar of the rootfs failed: ${tar.stderr}` };
  const load = spawnSync(podman, [...global, 'import', path.join(dir, 'rootfs.tar'), 'localhost/busybox'], { encoding: 'utf8', timeout: 120000 });
  if (load.status !== 0) return { error: `podman import failed: ${load.stderr.trim()}` };
  const socketPath = path.join(dir, 'podman.sock');
  const child = spawn(podman, [...global, 'system', 'service', '--time', '0', `unix://${socketPath}`], { stdio: 'ignore' });
  const version = spawnSync(podman, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return { socketPath, child, version, cleanup: () => spawnSync('umount', [path.join(dir, 'root', 'overlay')], { stdio: 'ignore' }) };
}

export async function measureApi({ tmp, rootfs, skiff }) {
  const results = {};
  if (skiff.error) results.skiff = SKIFF_UNAVAILABLE;
  else {
    log('api: skiff system service');
    const { socketPath, child } = startSkiff(skiff);
    results.skiff = await measureService('skiff', socketPath, child, CONFIG.image, {});
  }
  log('api: podman system service');
  const podman = startPodman(tmp, rootfs);
  if (podman.error) results.podman = { error: podman.error };
  else {
    results.podman = { ...(await measureService('podman', podman.socketPath, podman.child, 'localhost/busybox', { Ulimits: PODMAN_ULIMITS })), version: podman.version };
    podman.cleanup();
  }
  return results;
}
