import type { VolumeSpec } from '@skiff/core';
import { invalidArgument } from '@skiff/core/plugin';
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
    forwardSignals: true,
  });
  return result.exitCode;
}
