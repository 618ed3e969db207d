import type { VolumeSpec } from '@skiff/core';
import { invalidArgument } from '@skiff/core/plugin';
import { resourcesFromFlags } from '@skiff/cgroups';
import { asSkiffError } from '@skiff/core';
import { parseMountFlag, parseVolumeSpec } from '@skiff/volumes';
import { createContext, type GlobalOptions } from '../context.js';

export interface RunFlags {
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  name?: string;
  env?: string[];
  workdir?: string;
  hostname?: string;
  volume?: string[];
  mount?: string[];
  volumeDriver?: string;
  storageDriver?: string;
  network: 'none' | 'host';
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  cgroupParent?: string;
}

/** `skiff run`: everything is parsed and checked before the runtime creates anything. Returns the exit code. */
export async function runCommand(globals: GlobalOptions, image: string, command: string[], flags: RunFlags): Promise<number> {
  const volumes: VolumeSpec[] = [
    ...(flags.volume ?? []).map(parseVolumeSpec),
    ...(flags.mount ?? []).map(parseMountFlag),
  ];
  const env = (flags.env ?? []).flatMap((entry) => {
    if (entry.includes('=')) return [entry];
    if (!entry) throw invalidArgument('empty -e entry: expected KEY=VALUE or KEY');
    // docker: `-e KEY` copies KEY from the caller's environment, and is dropped when unset there.
    const value = process.env[entry];
    return value === undefined ? [] : [`${entry}=${value}`];
  });
  let resources;
  try {
    resources = resourcesFromFlags(flags);
  } catch (error) {
    throw asSkiffError(error);
  }
  const { runtime } = await createContext(globals);
  const result = await runtime.run({
    image,
    args: command,
    name: flags.name,
    env,
    workdir: flags.workdir,
    hostname: flags.hostname,
    volumes,
    volumeDriver: flags.volumeDriver,
    storageDriver: flags.storageDriver,
    network: flags.network,
    tty: flags.tty ?? false,
    interactive: flags.interactive ?? false,
    autoRemove: flags.rm ?? false,
    resources,
    cgroupParent: flags.cgroupParent ?? process.env.SKIFF_CGROUP_PARENT ?? 'skiff',
    forwardSignals: true,
  });
  for (const warning of result.warnings) process.stderr.write(`skiff: warning: ${warning}\n`);
  if (result.oomKilled) {
    process.stderr.write(`skiff: container ${result.name} was killed: out of memory (memory limit ${flags.memory})\n`);
  }
  return result.exitCode;
}
