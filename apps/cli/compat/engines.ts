// The engines the compatibility scenarios run against: the built skiff CLI with private state roots, and podman
// (where installed) with its own temporary --root/--runroot, cgroupfs, runc, vfs and no network.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { tempDir } from '../../../test/support.js';
import { sandbox } from '../test/cli.js';

export interface Result {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Engine {
  name: 'skiff' | 'podman';
  /** The busybox image's name in this engine. */
  image: string;
  /** Runs one command line (the engine's own CLI); never rejects. */
  run(args: string[], options?: { input?: string }): Promise<Result>;
  /** A scratch directory on the host for this engine's files. */
  dir: string;
}

export function skiffEngine(): Engine {
  const { skiff } = sandbox();
  return {
    name: 'skiff',
    image: 'busybox',
    dir: tempDir('skiff-test-compat-'),
    run: async (args, options = {}) => {
      const result = await skiff(args, options.input === undefined ? {} : { input: options.input });
      return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1 };
    },
  };
}

export const podmanPath = (() => {
  try {
    return execFileSync('which', ['podman'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

/** Flags `podman run`/`create` need on this host: no network, and runc's rlimits (see DESIGN.md, Machine facts). */
export const PODMAN_RUN_FLAGS = ['--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

/** podman with private storage; busybox is imported from the host's static busybox as localhost/busybox. */
export async function podmanEngine(): Promise<Engine> {
  const dir = tempDir('skiff-test-podman-');
  const global = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--runtime', 'runc', '--storage-driver', 'vfs', '--tmpdir', join(dir, 'tmp')];
  const run = async (args: string[], options: { input?: string } = {}): Promise<Result> => {
    // run/create take the host's flags right after the verb.
    const withFlags = args[0] === 'run' || args[0] === 'create' ? [args[0], ...PODMAN_RUN_FLAGS, ...args.slice(1)] : args;
    const result = await execa(podmanPath!, [...global, ...withFlags], { reject: false, ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }) });
    return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1 };
  };
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  for (const sub of ['etc', 'tmp', 'root']) mkdirSync(join(rootfs, sub));
  execFileSync('tar', ['-C', rootfs, '-cf', join(dir, 'busybox.tar'), '.']);
  const imported = await run(['import', '-q', '--change', 'CMD ["sh"]', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', join(dir, 'busybox.tar'), 'localhost/busybox:latest']);
  if (imported.exitCode !== 0) throw new Error(`podman import failed: ${imported.stderr}`);
  return { name: 'podman', image: 'localhost/busybox', dir, run };
}

/** Removes what podman made (its containers run under conmon, outside the test's process tree). */
export async function cleanPodman(engine: Engine): Promise<void> {
  await engine.run(['rm', '-af', '-t', '0']);
}
