import { FORWARDED_SIGNALS, encodeExecPlan, type ExecPlan } from '@skiff/native';
import { SkiffError } from '@skiff/plugin';
import { attachment, helperStdio, killOnAbort, startFailure, type Attachment, type AttachStdio } from './attach.js';
import { spawnHelper } from './spawn-helper.js';
import { cgroupOf } from './cgroup.js';
import { isAlive, type Host } from './host.js';
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
    capabilities: record.config.security.capabilities,
    noNewPrivileges: record.config.security.noNewPrivileges,
    seccomp: record.config.security.seccomp,
    user: options.user === undefined ? record.config.security.user : await resolveUser(`/proc/${pid}/root`, options.user),
    cgroupProcs: cgroupOf(record).joinFiles(),
  };
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
  if ((await helper.pid) === undefined) throw await startFailure(helper.child!, exited);
  return attachment(helper.child!, exited);
}
