import type { Readable } from 'node:stream';
import { FORWARDED_SIGNALS, encodeExecPlan, type ExecPlan } from '@skiff/native';
import { SkiffError } from '@skiff/plugin';
import { attachment, helperStdio, killOnAbort, startFailure, type Attachment, type AttachStdio } from './attach.js';
import { spawnHelper } from './spawn-helper.js';
import { cgroupOf } from './cgroup.js';
import { refuseIfPaused } from './pause.js';
import { isAlive, type Host } from './host.js';
import { seccompCacheDir } from '../roots.js';
import { planRlimits } from './limits.js';
import { reconcile } from './reconcile.js';
import { resolveUser, type UserRequest } from './user.js';
import { mergeEnv, validateEnv, validateWorkdir, type Environment } from './validate.js';

export interface ExecOptions {
  args: string[];
  /** Variables on top of the container's environment. */
  env?: Environment;
  workdir?: string;
  /** Names or numbers, resolved in the container's /etc/passwd and /etc/group; default the container's user. */
  user?: UserRequest;
  tty?: boolean;
  interactive?: boolean;
  forwardSignals?: boolean;
  /** 'inherit' (default): the helper relays this process's stdio; 'pipe': resolve with an Attachment. */
  stdio?: AttachStdio;
  /** Aborting kills the exec'd process (SIGKILL). */
  signal?: AbortSignal;
  /** docker exec -d: resolves with 0 once the command runs; it goes on on its own, its output dropped. */
  detach?: boolean;
  /** docker exec --privileged: every capability (the container's seccomp filter and masked paths stay). */
  privileged?: boolean;
}

/**
 * docker exec: runs a command inside a running container — all its namespaces, its cgroup, its root, its
 * environment. Its stdio is relayed by the helper: this process's own (resolves with the exit code), or with
 * `stdio: 'pipe'` an Attachment (resolved once the command runs; rejects with the reason if it cannot start).
 */
export async function execInContainer(host: Host, reference: string, options: ExecOptions & { stdio: 'pipe' }): Promise<Attachment>;
export async function execInContainer(host: Host, reference: string, options: ExecOptions): Promise<number>;
export async function execInContainer(host: Host, reference: string, options: ExecOptions): Promise<number | Attachment> {
  const found = await host.store.resolve(reference);
  const record = await reconcile(host, found);
  if (!record || record.status !== 'running' || !isAlive(record)) {
    throw new SkiffError('FAILED_PRECONDITION', `container ${found.name} is not running`, { hint: `start it with: skiff start ${found.name}` });
  }
  refuseIfPaused(record);
  if (!options.args.length) throw new SkiffError('INVALID_ARGUMENT', 'exec needs a command');
  const pid = record.pid!;
  const plan: ExecPlan = {
    target: pid,
    args: options.args,
    env: mergeEnv(record.config.env, validateEnv(options.env ?? {})),
    cwd: validateWorkdir(options.workdir ?? record.config.workdir),
    tty: options.tty ?? false,
    stdin: options.interactive ?? false,
    // The container's own isolation; -u replaces only the user.
    capabilities: options.privileged ? 'all' : record.config.security.capabilities,
    noNewPrivileges: record.config.security.noNewPrivileges,
    seccomp: record.config.security.seccomp,
    seccompCache: seccompCacheDir(host.roots),
    user: options.user === undefined ? record.config.security.user : await resolveUser(`/proc/${pid}/root`, options.user),
    cgroupProcs: cgroupOf(record).joinFiles(),
    ...planRlimits(record.config),
  };
  if (options.detach) return execDetached(host, plan);
  const stdio = options.stdio ?? 'inherit';
  const helper = spawnHelper(host.helper, 'exec', encodeExecPlan(plan), helperStdio(stdio));
  const onSignal = (signal: NodeJS.Signals) => helper.kill(signal);
  if (options.forwardSignals) for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
  const unsubscribe = killOnAbort(helper, options.signal);
  const exited = helper.exited.finally(() => {
    unsubscribe();
    if (options.forwardSignals) for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
  });
  exited.catch(() => {}); // awaited below or by the attachment's user
  if (stdio === 'inherit') return exited;
  if ((await helper.pid) === undefined) throw await startFailure(helper.child!, exited, helper.output);
  return attachment(helper.child!, exited, helper.output);
}

/** exec -d: the helper's grandchild runs the command; we learn its pid (or why it failed) and return. */
async function execDetached(host: Host, plan: ExecPlan): Promise<number> {
  if (plan.tty || plan.stdin) throw new SkiffError('INVALID_ARGUMENT', 'exec -d takes neither -t nor -i');
  // Piped stderr: always node:child_process (spawn-helper.ts), so `child` is there.
  const helper = spawnHelper(host.helper, 'exec', encodeExecPlan({ ...plan, detach: true }), ['ignore', 'ignore', 'pipe', 'pipe', 'pipe']);
  helper.exited.catch(() => {});
  const child = helper.child!;
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Waited for only on failure, but listened to now: under Bun stderr may close before fd 4 does.
  const stderrClosed = new Promise((resolve) => child.stderr!.once('close', resolve));
  let status = '';
  (child.stdio[4] as Readable).on('data', (chunk: string) => (status += chunk)); // utf8: readStatusPipe set it
  const pid = await helper.pid;
  if (pid !== undefined) {
    child.stderr!.destroy(); // the grandchild keeps its copy; nothing more is to come that we need
    return 0;
  }
  await stderrClosed;
  const exitCode = Number(/^exit (\d+)$/m.exec(status)?.[1] ?? 126);
  throw new SkiffError('FAILED_PRECONDITION', stderr.trim().replace(/^skiff: /, '') || 'exec -d: the command did not start', { exitCode });
}
