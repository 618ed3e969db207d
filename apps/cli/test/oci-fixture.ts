/**
 * Fixtures for the OCI runtime tests (not shipped): a busybox rootfs and OCI image archive made from the host's
 * busybox-static, bundles for skiff-runc, and containerd and podman run with every root, state dir and socket
 * under the test's temp dir.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, openSync, readdirSync, rmdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { onTestFinished } from 'vitest';
import { pollUntil } from '@skiff/plugin';

export const runcPath = fileURLToPath(new URL('../dist/skiff-runc.cjs', import.meta.url));

export const which = (command: string): string | undefined => {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
};

/** Why `tools` cannot be used here, or undefined. Printed by the skipping test. */
export function missing(...tools: string[]): string | undefined {
  const absent = tools.filter((tool) => !which(tool));
  return absent.length ? `needs ${absent.join(', ')} (scripts/test-deps installs them)` : undefined;
}

/** A busybox root filesystem: /bin/busybox (the host's static one) and a link per applet. */
export function busyboxRootfs(dir: string): string {
  const busybox = which('busybox');
  if (!busybox) throw new Error('busybox is not installed (apt-get install busybox-static)');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  for (const sub of ['etc', 'tmp', 'proc', 'sys', 'dev', 'root']) mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(busybox, join(dir, 'bin/busybox'));
  const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(dir, 'bin', applet));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  return dir;
}

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** An OCI image archive (oci-layout, index.json, blobs) of busybox named `name`, for `ctr image import` or podman. */
export function busyboxArchive(dir: string, name = 'docker.io/library/busybox:latest'): string {
  const rootfs = busyboxRootfs(join(dir, 'layer-root'));
  const layout = join(dir, 'layout');
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  const blob = (bytes: Buffer | string) => {
    const digest = sha256(bytes);
    writeFileSync(join(layout, 'blobs/sha256', digest.slice(7)), bytes);
    return { digest, size: Buffer.byteLength(bytes) };
  };
  const tar = spawnSync('tar', ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], { maxBuffer: 64 << 20 });
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
  const layer = blob(tar.stdout);
  const config = blob(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    }),
  );
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.split(':').pop() } }],
    }),
  );
  const archive = join(dir, 'busybox-oci.tar');
  const packed = spawnSync('tar', ['-C', layout, '-cf', archive, '.']);
  if (packed.status !== 0) throw new Error(`tar: ${packed.stderr}`);
  return archive;
}

/** A bundle: rootfs/ and config.json from `runc spec`-like defaults, changed by `edit`. */
export function bundle(dir: string, edit: (config: any) => void = () => {}): string {
  busyboxRootfs(join(dir, 'rootfs'));
  const config = defaultConfig();
  edit(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 1));
  return dir;
}

const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_CHOWN', 'CAP_SETUID', 'CAP_SETGID'];

/** What `runc spec` writes (runc 1.1), without a terminal. */
export function defaultConfig(): any {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, ambient: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'skiff-oci',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

export interface Runc {
  root: string;
  run(args: string[], options?: { input?: string; timeout?: number }): ResultPromise;
}

/** skiff-runc with its own --root, and every container it made deleted after the test. */
export function skiffRunc(root: string): Runc {
  const run = (args: string[], options: { input?: string; timeout?: number } = {}) =>
    execa('node', [runcPath, '--root', root, ...args], { reject: false, timeout: options.timeout ?? 30_000, ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }) });
  onTestFinished(async () => {
    const listed = await run(['list', '-q']);
    for (const id of String(listed.stdout).split('\n').filter(Boolean)) await run(['delete', '--force', id]);
  });
  return { root, run };
}

export const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** The container's status as `state` reports it. */
export const status = async (runc: Runc, id: string) => JSON.parse(String((await runc.run(['state', id])).stdout)).status;

/**
 * create with DIR/bundle, the pid file in DIR/pid, the JSON log in DIR/log.json, and the container's stdout and
 * stderr in DIR/out and DIR/err (a pipe would keep execa waiting for the container).
 */
export function create(runc: Runc, dir: string, id: string, extra: string[] = []) {
  return execa('node', [runcPath, '--root', runc.root, '--log', join(dir, 'log.json'), '--log-format', 'json', 'create', '--bundle', join(dir, 'bundle'), '--pid-file', join(dir, 'pid'), ...extra, id], {
    reject: false,
    stdin: 'ignore',
    stdout: openSync(join(dir, 'out'), 'w'),
    stderr: openSync(join(dir, 'err'), 'w'),
    timeout: 30_000,
  });
}

/** Mount points below `dir` (deepest first), which a manager's storage may leave in the host's namespace. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Kills the processes (by pid) whose command line mentions `fragment`: shims and conmons our managers started. */
export function killProcessesMentioning(fragment: string): void {
  for (const entry of spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout.split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(entry);
    if (match && match[2]!.includes(fragment) && Number(match[1]) !== process.pid) {
      try {
        process.kill(Number(match[1]), 'SIGKILL');
      } catch {}
    }
  }
}

export interface Containerd {
  dir: string;
  address: string;
  /** `ctr --address ... -n skiff-test ARGS` */
  ctr(args: string[], options?: { input?: string; timeout?: number; tty?: boolean }): ResultPromise;
  stop(): Promise<void>;
}

/**
 * containerd with its own config, root, state and sockets in `dir`; only the plugins `ctr run` needs (no CRI,
 * no other snapshotter than overlayfs).
 */
export async function startContainerd(dir: string): Promise<Containerd> {
  const address = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  const disabled = ['cri', 'snapshotter.v1.aufs', 'snapshotter.v1.btrfs', 'snapshotter.v1.devmapper', 'snapshotter.v1.zfs', 'snapshotter.v1.native', 'tracing.processor.v1.otlp', 'internal.v1.tracing'];
  writeFileSync(
    config,
    [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      `disabled_plugins = [${disabled.map((p) => `"io.containerd.${p.startsWith('cri') ? 'grpc.v1.cri' : p}"`).join(', ')}]`,
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '[debug]',
      `  address = "${dir}/debug.sock"`,
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${dir}/opt"`,
      '',
    ].join('\n'),
  );
  const daemon = execa('containerd', ['--config', config], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: openSync(join(dir, 'containerd.log'), 'w') });
  const ctr = (args: string[], options: { input?: string; timeout?: number; tty?: boolean } = {}) => {
    const argv = ['--address', address, '-n', 'skiff-test', ...args];
    if (options.tty) {
      // A terminal for `ctr run -t`: script(1) gives it one; -e returns the command's exit code.
      const command = ['ctr', ...argv].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
      return execa('script', ['-eqc', command, '/dev/null'], { reject: false, timeout: options.timeout ?? 60_000, input: options.input ?? '' });
    }
    return execa('ctr', argv, { reject: false, timeout: options.timeout ?? 60_000, ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }) });
  };
  const up = await pollUntil(async () => (await ctr(['version'], { timeout: 5000 })).exitCode === 0, 20_000);
  if (!up) throw new Error(`containerd did not start: ${readFileSync(join(dir, 'containerd.log'), 'utf8').slice(-2000)}`);
  const stop = async () => {
    const tasks = String((await ctr(['task', 'ls', '-q'])).stdout).split('\n').filter(Boolean);
    for (const task of tasks) {
      await ctr(['task', 'kill', '-s', 'KILL', task]);
      await ctr(['task', 'delete', '--force', task]);
    }
    for (const container of String((await ctr(['container', 'ls', '-q'])).stdout).split('\n').filter(Boolean)) await ctr(['container', 'delete', container]);
    daemon.kill('SIGTERM');
    await daemon;
    killProcessesMentioning(address);
    for (const point of mountsUnder(dir)) spawnSync('umount', ['-l', point]);
  };
  return { dir, address, ctr, stop };
}

export interface Podman {
  podman(args: string[], options?: { input?: string; timeout?: number; tty?: boolean }): ResultPromise;
  stop(): Promise<void>;
}

/** podman with skiff-runc as its runtime and every root, conf and temp dir in `dir`; cgroupfs, no network. */
export function startPodman(dir: string, runtime: string): Podman {
  const conf = join(dir, 'containers.conf');
  const storage = join(dir, 'storage.conf');
  for (const sub of ['tmp', 'net']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(
    conf,
    `[containers]\nnetns = "none"\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = "${dir}/events.log"\ntmp_dir = "${dir}/tmp"\n[network]\nnetwork_config_dir = "${dir}/net"\n`,
  );
  writeFileSync(storage, `[storage]\ndriver = "overlay"\nrunroot = "${dir}/runroot"\ngraphroot = "${dir}/root"\n`);
  const env = { CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage, CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf') };
  writeFileSync(env.CONTAINERS_REGISTRIES_CONF, 'unqualified-search-registries = []\n');
  // The runtime's own state is in its default root (/run/skiff-runc): podman 4.3 drops --runtime-flag root=... on
  // the `delete` its cleanup process makes, which would then miss the container.
  const global = ['--root', `${dir}/root`, '--runroot', `${dir}/runroot`, '--runtime', runtime, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--tmpdir', `${dir}/tmp`];
  const podman = (args: string[], options: { input?: string; timeout?: number; tty?: boolean } = {}) => {
    if (options.tty) {
      const command = ['podman', ...global, ...args].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
      return execa('script', ['-eqc', command, '/dev/null'], { reject: false, env, timeout: options.timeout ?? 60_000, input: options.input ?? '' });
    }
    return execa('podman', [...global, ...args], { reject: false, env, timeout: options.timeout ?? 60_000, ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }) });
  };
  const stop = async () => {
    await podman(['rm', '--all', '--force', '--time', '0']);
    killProcessesMentioning(`${dir}/`);
    for (const point of mountsUnder(dir)) spawnSync('umount', ['-l', point]);
  };
  return { podman, stop };
}

/** podman's ulimits here: its default nofile (1048576) is above this host's fs.nr_open, for runc too. */
export const PODMAN_RUN = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--network', 'none'];

/** Removes the (empty) cgroup directories named `name` below every hierarchy, deepest first. */
export function removeCgroupTree(name: string): void {
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const top = join('/sys/fs/cgroup', hierarchy, name);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
      dirs.push(dir);
    };
    walk(top);
    for (const dir of dirs) rmdirSync(dir);
  }
}
