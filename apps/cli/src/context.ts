import { fileURLToPath } from 'node:url';
import { createContext as wire, type Context, type GlobalOptions } from 'skiff/wiring';

export type { Context, GlobalOptions };

/** The library's wiring, with this bundle as detached containers' cleanup command (`skiff cleanup ID`). */
export function createContext(options: GlobalOptions): Promise<Context> {
  return wire({ ...options, cleanupScript: fileURLToPath(new URL('./skiff.cjs', import.meta.url)) });
}
