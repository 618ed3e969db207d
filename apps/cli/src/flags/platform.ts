import { invalidArgument } from '@skiff/plugin/errors';
import type { Platform } from '@skiff/image';

/** `--platform OS/ARCH[/VARIANT]` (docker's syntax), as the registry client's typed platform. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => !/^[a-z0-9_.-]+$/.test(part))) {
    throw invalidArgument(`invalid platform ${JSON.stringify(text)}; use OS/ARCH[/VARIANT], for example linux/amd64`);
  }
  return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) };
}
