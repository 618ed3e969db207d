/**
 * Registry settings from `<root>/config.json` (optional; docker's daemon.json key names):
 *
 *   { "insecure-registries": ["registry.lan:5000", "10.0.0.7"] }
 *
 * A registry listed there may be reached over plain http, as a loopback registry always may. Nothing else in the
 * file is read here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '@skiff/plugin';
import { isLoopbackRegistry } from '../reference.js';

export interface RegistrySettings {
  insecureRegistries: string[];
}

export async function readRegistrySettings(root: string): Promise<RegistrySettings> {
  const file = join(root, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { insecureRegistries: [] };
    throw error;
  }
  let json: { 'insecure-registries'?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch (error) {
    throw invalidArgument(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const list = json['insecure-registries'] ?? [];
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    throw invalidArgument(`${file}: "insecure-registries" must be a list of registry names such as "registry.lan:5000"`);
  }
  return { insecureRegistries: list };
}

/** Whether plain http may be used for `domain` (loopback, or listed as insecure). */
export const allowsHttp = (settings: RegistrySettings, domain: string) => isLoopbackRegistry(domain) || settings.insecureRegistries.includes(domain);
