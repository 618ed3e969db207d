// Setup shared by every runtime: the packages the peers need, the busybox root filesystem, the OCI bundle.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUSYBOX } from './config.mjs';
import { describeFailure, log, which } from './util.mjs';

/** Installs runc, crun, busybox-static (and unshare/chroot) with apt-get if missing; returns notes for the report. */
export function ensurePackages() {
  const want = [];
  if (!which('runc')) want.push('runc');
  if (!which('crun')) want.push('crun');
  if (!fs.existsSync(BUSYBOX)) want.push('busybox-static');
  if (!which('unshare') || !which('chroot')) want.push('util-linux', 'coreutils');
  if (!want.length) return [];
  log(`installing ${want.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', ...want], { env, encoding: 'utf8' });
  let result = install();
  if (result.status !== 0) {
    log('apt-get install failed; running apt-get update and retrying');
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    result = install();
  }
  if (result.status !== 0) return [`apt-get install ${want.join(' ')} failed: ${describeFailure(result)}`];
  return [`installed ${want.join(' ')} with apt-get`];
}

/** A busybox root filesystem in `dir`: the host's static busybox, every applet as a symlink, passwd and group. */
export function buildRootfs(dir) {
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

/** An OCI config.json from `runc spec` (or `crun spec`): no user namespace, no terminal. Null if neither works. */
export function baseSpec(tmp) {
  const dir = path.join(tmp, 'spec');
  fs.mkdirSync(dir, { recursive: true });
  for (const tool of ['runc', 'crun']) {
    const bin = which(tool);
    if (!bin) continue;
    const result = spawnSync(bin, ['spec'], { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0 || !fs.existsSync(path.join(dir, 'config.json'))) continue;
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    spec.process.terminal = false;
    spec.hostname = 'bench';
    spec.linux.namespaces = [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' }];
    delete spec.linux.uidMappings;
    delete spec.linux.gidMappings;
    return { spec, from: `${tool} spec` };
  }
  return null;
}

/** An OCI bundle in `dir`: `spec` with the given root and process args. */
export function writeBundle(dir, spec, rootPath, args) {
  fs.mkdirSync(dir, { recursive: true });
  const config = structuredClone(spec);
  config.root = { path: rootPath, readonly: false };
  config.process.args = args;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

export const BUNDLE_NOTE =
  'runc and crun share one OCI config.json from `FROM`: terminal false, namespaces pid/mount/uts/ipc/network (no user or cgroup namespace), root = the busybox dir (writable), the default mounts (/proc, /dev tmpfs, /dev/pts, /dev/shm, /dev/mqueue, /sys, /sys/fs/cgroup), no resource limits; each run has a unique container id and its own --root state dir in the temp dir';
