import { invalidArgument } from './errors.js';
import type { Registration } from './registry.js';

/**
 * A skiff plugin package's default export. Example:
 *
 *   import { definePlugin } from '@skiff/plugin';
 *   export default definePlugin({ name: 'skiff-volume-tmpfs', drivers: [{ kind: 'volume', name: 'tmpfs', ... }] });
 */
export interface SkiffPlugin {
  readonly specificationVersion: 'v1';
  /** Usually the npm package name. */
  name: string;
  drivers: Registration[];
}

export function definePlugin(plugin: Omit<SkiffPlugin, 'specificationVersion'>): SkiffPlugin {
  return { specificationVersion: 'v1', ...plugin };
}

/** Checks the shape of a value that claims to be a plugin; throws INVALID_ARGUMENT saying what is wrong. */
export function assertPlugin(value: unknown): asserts value is SkiffPlugin {
  const plugin = value as Partial<SkiffPlugin> | null;
  if (typeof plugin !== 'object' || plugin === null) throw invalidArgument('the default export is not a plugin object');
  if (plugin.specificationVersion !== 'v1') {
    throw invalidArgument(
      `plugin specificationVersion is ${JSON.stringify(plugin.specificationVersion)}; this skiff supports "v1" (use definePlugin)`,
    );
  }
  if (!Array.isArray(plugin.drivers)) throw invalidArgument('plugin has no "drivers" array');
  for (const driver of plugin.drivers) {
    if (typeof driver?.create !== 'function' || typeof driver?.probe !== 'function') {
      throw invalidArgument(`plugin driver "${String(driver?.name)}" lacks probe() or create()`);
    }
  }
}
