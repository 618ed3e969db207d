// Helpers for the privileged cgroup tests: a unique test parent per file, children we started (killed by pid
// only), and a check that nothing of ours is left in any hierarchy.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { suiteCgroupParent } from '../../../test/support.js';

export const CGROUP_ROOT = '/sys/fs/cgroup';

/** A parent path no one else uses: skiff-test-<run>-cg-<random>. */
export function testParent(): string {
  return suiteCgroupParent('cg-');
}

/** Every hierarchy directory under /sys/fs/cgroup (v1 controllers, name=systemd, unified) or the root itself on v2. */
export function hierarchies(): string[] {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => {
      const type = fields[fields.indexOf('-', 6) + 1];
      return (type === 'cgroup' || type === 'cgroup2') && (fields[4] === CGROUP_ROOT || fields[4]?.startsWith(`${CGROUP_ROOT}/`));
    })
    .map((fields) => fields[4] as string);
  return [...new Set(mounts)];
}

/** The directories named `parent` that exist in any hierarchy. */
export function leftoverDirs(parent: string): string[] {
  return hierarchies()
    .map((hierarchy) => join(hierarchy, parent))
    .filter((dir) => existsSync(dir));
}

/** Remove a test parent from every hierarchy (children first); only ever called with a testParent() name. */
export function removeTestParent(parent: string): void {
  if (!/^skiff-test-[^/]+-cg-[0-9a-f]{8}$/.test(parent)) throw new Error(`refusing to remove ${parent}`);
  const remove = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) remove(join(dir, entry.name));
    rmdirSync(dir);
  };
  for (const dir of leftoverDirs(parent)) remove(dir);
}

export interface Started {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<ChildProcess>();

/** Spawn a process we own; `killStarted` SIGKILLs any still running, by pid. */
export function start(command: string, args: string[]): Started {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  started.add(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  // 'close', not 'exit': only then has all of its output been read (a loaded CI machine saw '' after 'exit').
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      started.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, pid: child.pid, output: () => output, exited };
}

/**
 * What the native helper does for the container init: join each cgroup itself (write 0 into each of `files`,
 * `joinFiles()` or `procsFiles()`), then exec. The program therefore runs constrained from its first instruction.
 */
export function startInCgroup(files: string[], script: string): Started {
  return start('sh', ['-c', `for f; do echo 0 > "$f" || exit 97; done; ${script}`, 'sh', ...files]);
}

export function killStarted(): void {
  for (const child of started) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

export function read(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

/** The cgroup path of `pid` per hierarchy line of /proc/PID/cgroup: "memory" → "/skiff-test-…/c1", "" for v2. */
export function procCgroups(pid: number): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of read(`/proc/${pid}/cgroup`).split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers === undefined || path === undefined) continue;
    for (const controller of controllers.split(',')) map.set(controller, path);
  }
  return map;
}
