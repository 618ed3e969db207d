// After the whole suite: fail if this run left anything on the host: a mount, a cgroup or a process.
// Only this run's own state counts (test/support.ts names it: temp dirs os.tmpdir()/skiff-test-<run>-*, cgroup
// parents skiff-test-<run>-*), so other runs, other worktrees' suites and a user's own containers are not looked at.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAUNCHER_DIR, suiteIfPrefix, suitePrefix } from './naming.js';

export interface Scope {
  /** The run's name prefix, skiff-test-<run>-. */
  prefix: string;
  /** Where the run's temp dirs are made (os.tmpdir()). */
  tmp: string;
  /** The run's network interfaces (bridges, veths) begin with it: s<run>. */
  ifPrefix: string;
}

/** The scope of the run SKIFF_TEST_RUN names. */
export function currentScope(): Scope {
  return { prefix: suitePrefix(), tmp: tmpdir(), ifPrefix: suiteIfPrefix() };
}

/** Everything of `scope` still on the host, one line each ("mount …", "cgroup …", "process …", "link …", ...). */
export function leftovers(scope: Scope = currentScope()): string[] {
  return [...mounts(scope), ...cgroups(scope), ...processes(scope), ...networking(scope)];
}

const list = (dir: string) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** The run's interfaces (/sys/class/net), named network namespaces (/run/netns) and nft tables. */
export function networking({ prefix, ifPrefix }: Scope): string[] {
  const found = [
    ...list('/sys/class/net').filter((name) => name.startsWith(ifPrefix)).map((name) => `link ${name}`),
    ...list('/run/netns').filter((name) => name.startsWith(prefix)).map((name) => `netns ${name}`),
  ];
  let tables = '';
  try {
    tables = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // no nft here: no tables either
  }
  for (const line of tables.split('\n')) {
    const table = line.trim().split(' ')[2];
    if (table?.startsWith(prefix)) found.push(`nft ${line.trim()}`);
  }
  return found;
}

/** A path inside one of the run's temp dirs (or the dir itself). */
function inTempRoot(path: string, { prefix, tmp }: Scope): boolean {
  return path.startsWith(join(tmp, prefix));
}

// mountinfo escapes space, tab, newline and backslash in paths as \040-style octal.
const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

function mountInfo(): string[][] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ').map(unescape));
}

function mounts(scope: Scope): string[] {
  return mountInfo()
    .map((fields) => fields[4] ?? '')
    .filter((mountPoint) => inTempRoot(mountPoint, scope))
    .map((mountPoint) => `mount ${mountPoint}`);
}

/** Mount points of the cgroup hierarchies: each v1 controller, and the v2 root (or the hybrid unified one). */
export function cgroupHierarchies(): string[] {
  return mountInfo()
    .filter((fields) => /^cgroup2?$/.test(fields[fields.indexOf('-', 6) + 1] ?? ''))
    .map((fields) => fields[4] ?? '');
}

/** The run's cgroup parents sit at the top of a hierarchy (that is where SKIFF_CGROUP_PARENT puts them). */
function cgroups({ prefix }: Scope): string[] {
  const found: string[] = [];
  for (const hierarchy of cgroupHierarchies()) {
    try {
      for (const entry of readdirSync(hierarchy, { withFileTypes: true }))
        if (entry.isDirectory() && entry.name.startsWith(prefix)) found.push(`cgroup ${join(hierarchy, entry.name)}`);
    } catch {
      // unmounted meanwhile
    }
  }
  return found;
}

const read = (path: string, read: (path: string) => string) => {
  try {
    return read(path);
  } catch {
    return ''; // exited meanwhile, or not ours to read
  }
};

/** A process whose command line names the run's prefix, whose cwd or root is in a temp root, or that sits in a run's cgroup. */
function processes(scope: Scope): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    if (Number(pid) === process.pid) continue;
    const cmdline = read(`/proc/${pid}/cmdline`, (path) => readFileSync(path, 'utf8')).replaceAll('\0', ' ').trim();
    const why = [
      cmdline.includes(scope.prefix) && 'command line',
      inTempRoot(read(`/proc/${pid}/cwd`, readlinkSync), scope) && 'cwd',
      inTempRoot(read(`/proc/${pid}/root`, readlinkSync), scope) && 'root',
      read(`/proc/${pid}/cgroup`, (path) => readFileSync(path, 'utf8')).includes(`/${scope.prefix}`) && 'cgroup',
    ].filter(Boolean);
    if (why.length) found.push(`process ${pid} (${why.join(', ')}): ${cmdline}`);
  }
  return found;
}

/** vitest global setup of the root config: runs once around every project. */
export default function setup() {
  const scope = currentScope();
  return () => {
    // The launchers the CLI tests wrote (apps/cli/test/cli.ts) whose worker ended without removing them.
    for (const name of list(scope.tmp).filter((entry) => entry.startsWith(`${scope.prefix}${LAUNCHER_DIR}`))) {
      rmSync(join(scope.tmp, name), { recursive: true, force: true });
    }
    const left = leftovers(scope);
    if (left.length) throw new Error(`the test suite left these behind (run ${scope.prefix}*):\n  ${left.join('\n  ')}`);
  };
}
