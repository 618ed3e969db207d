/**
 * `skiff-runc create --bundle DIR --pid-file FILE [--console-socket SOCK] ID`: the container is built and its
 * init waits before the user's command (c/oci.c); we write its pid and exit. The init is reparented to the
 * caller's subreaper (containerd's shim, conmon): no skiff process stays.
 */
import { resolve } from 'node:path';
import { encodePlan } from '@skiff/native';
import { isSameProcess, processStartTime } from '@skiff/core';
import { writeFileAtomic } from '@skiff/plugin';
import { cgroupLocation, cgroupManager, removeOwnEmptyParent } from './cgroup.js';
import { OciError } from './errors.js';
import { spawnHelper } from './helper.js';
import { runHooks } from './hooks.js';
import type { Logger } from './log.js';
import { readConfig } from './spec.js';
import { publicState, type ContainerState, type StateStore } from './store.js';
import { translate } from './translate.js';

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
}

export async function create(store: StateStore, log: Logger, options: CreateOptions): Promise<void> {
  if (options.preserveFds) throw new OciError('--preserve-fds is not supported by skiff-runc');
  const bundle = resolve(options.bundle);
  const config = readConfig(bundle);
  const location = cgroupLocation(config.linux?.cgroupsPath, options.id);
  store.reserve(options.id);
  const manager = cgroupManager(location);
  let pid: number | undefined;
  try {
    // Translated before anything is made (it refuses what skiff cannot do); the manager computes its paths
    // without creating them.
    const view = { procsFiles: manager.procsFiles(), paths: manager.paths(), version: manager.cgroupVersion };
    const { plan, resources } = translate({ bundle, config, cgroup: view, waitFifo: store.fifo(options.id), consoleSocket: options.consoleSocket, warn: (message) => log.warn(message) });
    await manager.create();
    const { warnings } = await manager.set(resources);
    for (const warning of warnings) log.warn(warning);
    log.debug(`create ${options.id}: ${plan.filesystem.length} filesystem steps`);

    const helper = spawnHelper('run', encodePlan(plan));
    pid = await helper.pid;
    const code = await helper.exited;
    if (code !== 0 || !pid) throw new OciError(`container ${options.id} could not be created: ${(await helper.error) ?? `the helper exited with ${code}`}`, 1);
    const startTime = processStartTime(pid);
    if (!startTime) throw new OciError(`container ${options.id}: its init exited before start`);
    const state: ContainerState = {
      ociVersion: config.ociVersion,
      id: options.id,
      pid,
      pidStartTime: startTime,
      bundle,
      rootfs: plan.rootfs,
      created: new Date().toISOString(),
      annotations: config.annotations ?? {},
      cgroup: location,
      seccomp: plan.seccomp,
      hooks: { poststart: config.hooks?.poststart ?? [], poststop: config.hooks?.poststop ?? [] },
    };
    await store.save(state);
    // The container's namespaces exist and it waits: prestart (deprecated) and createRuntime hooks, in the host's.
    const hookState = publicState(state, 'created');
    await runHooks(config.hooks?.prestart, hookState, 'prestart');
    await runHooks(config.hooks?.createRuntime, hookState, 'createRuntime');
    if (options.pidFile) await writeFileAtomic(resolve(options.pidFile), String(pid), 0o644);
  } catch (error) {
    if (pid && isSameProcess(pid, processStartTime(pid))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    await manager.destroy().catch(() => {});
    removeOwnEmptyParent(location);
    store.remove(options.id);
    throw error;
  }
}
