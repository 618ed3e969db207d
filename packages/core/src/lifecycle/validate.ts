import { invalidArgument } from '@skiff/plugin';

const ENV_KEY = /^[^=\0]+$/;

/** `-e` entries: KEY=VALUE. Returns them unchanged or throws one clear INVALID_ARGUMENT. */
export function validateEnv(entries: string[]): string[] {
  for (const entry of entries) {
    const key = entry.split('=', 1)[0] ?? '';
    if (!entry.includes('=') || !ENV_KEY.test(key) || entry.includes('\0')) {
      throw invalidArgument(`invalid environment entry ${JSON.stringify(entry)}: expected KEY=VALUE`);
    }
  }
  return entries;
}

/** Image env first, then the user's entries; a later KEY replaces an earlier one in place. */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  const merged = new Map<string, string>();
  for (const entry of [...base, ...overrides]) merged.set(entry.split('=', 1)[0]!, entry);
  return [...merged.values()];
}

const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function validateHostname(hostname: string): string {
  if (hostname.length > 64 || !HOSTNAME.test(hostname)) {
    throw invalidArgument(`invalid hostname ${JSON.stringify(hostname)}: use letters, digits, '-' and '.', at most 64 characters`);
  }
  return hostname;
}

export function validateWorkdir(dir: string): string {
  if (!dir.startsWith('/') || dir.includes('\0')) {
    throw invalidArgument(`invalid working directory ${JSON.stringify(dir)}: it must be an absolute path inside the container`);
  }
  return dir;
}
