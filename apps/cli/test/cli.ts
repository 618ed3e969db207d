// Drives the built `skiff` CLI (apps/cli/dist/skiff.cjs) with private state roots, as a user would, on the
// runtime the `skiff` command gets (scripts/skiff-launcher's choice), or on a runtime a test names.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, execaSync, type Options, type ResultPromise } from 'execa';
import { expect, onTestFinished } from 'vitest';
import { LAUNCHER_DIR, suiteCgroupParent, suitePrefix, tempDir } from '../../../test/support.js';

export const cliPath = fileURLToPath(new URL('../dist/skiff.cjs', import.meta.url));
export const cliDir = fileURLToPath(new URL('..', import.meta.url));
const launcherScript = fileURLToPath(new URL('../../../scripts/skiff-launcher', import.meta.url));

/** The `skiff` command scripts/skiff-launcher writes: its file and the runtime it execs. */
export interface Launcher {
  file: string;
  runtime: string;
}

/**
 * Writes the `skiff` launcher into a temp dir of this suite run (os.tmpdir()/skiff-test-<run>-launcher-*) with
 * scripts/skiff-launcher (SKIFF_RUNTIMES there picks the candidates). A test file's worker may end without an
 * 'exit' event: what this process does not remove, the suite's global teardown does (test/leftovers.ts).
 */
export function writeLauncher(env: NodeJS.ProcessEnv = process.env): Launcher {
  const dir = mkdtempSync(join(tmpdir(), `${suitePrefix()}${LAUNCHER_DIR}`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  execFileSync(launcherScript, [dir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const file = join(dir, 'skiff');
  return { file, runtime: launcherRuntimeOf(readFileSync(file, 'utf8')) };
}

/** The runtime a launcher's `exec 'RUNTIME' -- 'BUNDLE' "$@"` line names. */
export function launcherRuntimeOf(text: string): string {
  const runtime = /^exec '([^']+)' -- '[^']+' "\$@"$/m.exec(text)?.[1];
  if (!runtime) throw new Error(`no exec line in the launcher:\n${text}`);
  return runtime;
}

/**
 * `--` before the script, as the launcher has it: node takes a `--env-file` anywhere in argv as its own
 * unless its options are ended first (Bun takes `--` too).
 */
export const endOptions = (_runtime: string): string[] => ['--'];

/** The `skiff` command as setup installs it here: what the integration suite runs the CLI with by default. */
export const cliLauncher = writeLauncher();
/** The runtime the `skiff` command runs on here. */
export const cliRuntime = cliLauncher.runtime;

/** The command line that runs skiff with `args`: through the launcher, or on `runtime` when a test names one. */
export function skiffCommand(args: string[], runtime?: string): [string, string[]] {
  return runtime === undefined ? [cliLauncher.file, args] : [runtime, [...endOptions(runtime), cliPath, ...args]];
}

export interface Sandbox {
  root: string;
  runRoot: string;
  /** This sandbox's own cgroup parent (SKIFF_CGROUP_PARENT), removed after the test. */
  cgroupParent: string;
  /** Directories of container `id`'s cgroup, one per hierarchy that has it. */
  cgroupDirs(id: string): string[];
  /** Runs `skiff --root ... --run-root ... ARGS`; never rejects, returns the execa result. */
  skiff(args: string[], options?: Options): ResultPromise;
  /** Container ids present in the state root. */
  containers(): string[];
}

/** A fresh pair of state roots for one test, removed after it; the CLI runs on `runtime` (default: the launcher's). */
export function sandbox(options: { runtime?: string } = {}): Sandbox {
  const runtime = options.runtime;
  const base = tempDir('skiff-test-');
  const root = join(base, 'root');
  const runRoot = join(base, 'run');
  const cgroupParent = suiteCgroupParent();
  const parentDirs = () => cgroupHierarchies().map((hierarchy) => join(hierarchy, cgroupParent)).filter(existsSync);
  onTestFinished(async () => {
    // Whatever a test left running (it failed midway, say) goes first, the way a user would remove it.
    const left = existsSync(join(root, 'containers')) ? readdirSync(join(root, 'containers')) : [];
    for (const id of left) execaSync(...skiffCommand(['--root', root, '--run-root', runRoot, 'rm', '-f', id], runtime), { reject: false });
    // A container that ended by itself (or by `kill`) is finished by its supervisor's exit command, which may still
    // be writing the state root when the test is done: wait for it, or the tree's removal meets new files.
    await settledRoot(root);
    for (const dir of parentDirs()) {
      const children = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
      if (children.length) throw new Error(`cgroups left behind in ${dir}: ${children.map((c) => c.name).join(', ')}`);
      rmdirSync(dir);
    }
  });
  return {
    root,
    runRoot,
    cgroupParent,
    cgroupDirs: (id) => parentDirs().map((dir) => join(dir, id)).filter(existsSync),
    skiff: (args, options = {}) =>
      execa(...skiffCommand(['--root', root, '--run-root', runRoot, ...args], runtime), {
        reject: false,
        ...(options.input === undefined ? { stdin: 'ignore' } : {}),
        ...options,
        env: { SKIFF_CGROUP_PARENT: cgroupParent, ...options.env },
      } as Options) as ResultPromise,
    containers: () => (existsSync(join(root, 'containers')) ? readdirSync(join(root, 'containers')) : []),
  };
}

/** Pids whose command line names `path` (supervisors and their exit commands, services: all use the state root). */
export function processesUsing(path: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path) && !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Waits (up to 30 s) until no process names `root`; then fails naming those left, as a leak. */
export async function settledRoot(root: string): Promise<void> {
  for (let i = 0; i < 300 && processesUsing(root).length > 0; i++) await sleep(100);
  const left = processesUsing(root);
  if (left.length) throw new Error(`processes still using ${root} 30 s after the test: ${left.join(', ')}`);
}

/** Mount points on the host whose path contains `fragment`. */
export function hostMountsContaining(fragment: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.includes(fragment));
}

/** Mount points of the cgroup hierarchies (v1: one per controller; v2: the unified root). */
export function cgroupHierarchies(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => / - cgroup2? /.test(line))
    .map((line) => line.split(' ')[4]!)
    .filter((mountPoint) => !mountPoint.endsWith('/unified') && !mountPoint.endsWith('/systemd'));
}

/** Bad input as the brief wants it handled: exit 125, one line on stderr matching `message`. */
export function expectOneLineError(result: { exitCode?: number; stderr: unknown }, message: RegExp): void {
  expect(result.exitCode).toBe(125);
  expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

/** The image id `image inspect` shows for `name` (`sha256:…`). */
export async function imageId(skiff: Sandbox['skiff'], name: string): Promise<string> {
  return (JSON.parse((await skiff(['image', 'inspect', name])).stdout) as { Id: string }[])[0]!.Id;
}

/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The pid of a running container's supervisor (its init's parent), which becomes the container's exit command
 * when it exits: until that pid is gone, the exit command may still write into the state root.
 */
export async function supervisorOf(sb: Sandbox, name: string): Promise<number | undefined> {
  return parentOf(Number((await sb.skiff(['inspect', '--type', 'container', '-f', '{{.State.Pid}}', name])).stdout));
}

/** The parent of a live process; undefined for none, pid 1, or a process gone. */
function parentOf(pid: number | undefined): number | undefined {
  let stat = '';
  try {
    stat = pid !== undefined && pid > 0 ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  } catch {
    return undefined;
  }
  const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return parent > 1 ? parent : undefined;
}

/**
 * `rm -f` of running containers, then waits until their supervisors are gone: a supervisor execs the cleanup
 * command when its container dies, and that command (slow to start on a loaded machine) writes the state root,
 * which would race the test's temp-dir removal.
 */
export async function removeSettled(sb: Sandbox, ...names: string[]): Promise<void> {
  const supervisors: number[] = [];
  for (const name of names) {
    const supervisor = await supervisorOf(sb, name);
    if (supervisor !== undefined) supervisors.push(supervisor);
  }
  await sb.skiff(['rm', '-f', ...names]);
  await waitFor(() => supervisors.every((pid) => !existsSync(`/proc/${pid}`)), 'the supervisors to finish', 60_000);
}
