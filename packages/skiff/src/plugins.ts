import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SkiffError, assertPlugin, invalidArgument, type DriverRegistry, type SkiffPlugin } from '@skiff/plugin';

/** A plugin to load: an npm package name, and the directory its resolution starts from. */
export interface PluginRequest {
  name: string;
  from: string;
}

/**
 * Where plugin names come from, all merged in this order:
 *   1. `--plugin NAME` (repeatable)                      resolved from the current directory
 *   2. SKIFF_PLUGINS=NAME[,NAME...]                      resolved from the current directory
 *   3. <root>/config.json  { "plugins": ["NAME", ...] }  resolved from <root>
 * Resolution is Node's own ESM resolution (node_modules walking up from that directory).
 */
export async function pluginRequests(flags: string[], env: NodeJS.ProcessEnv, root: string): Promise<PluginRequest[]> {
  const cwd = process.cwd();
  const fromEnv = (env.SKIFF_PLUGINS ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const requests = [...flags, ...fromEnv].map((name) => ({ name, from: cwd }));
  const configPath = join(root, 'config.json');
  let config: { plugins?: unknown } = {};
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8')) as { plugins?: unknown };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw invalidArgument(`cannot read ${configPath}: ${(error as Error).message}`);
    }
  }
  if (config.plugins !== undefined) {
    if (!Array.isArray(config.plugins) || config.plugins.some((name: unknown) => typeof name !== 'string')) {
      throw invalidArgument(`${configPath}: "plugins" must be an array of package names`);
    }
    requests.push(...(config.plugins as string[]).map((name) => ({ name, from: root })));
  }
  const seen = new Set<string>();
  return requests.filter((request) => !seen.has(request.name) && seen.add(request.name));
}

export interface LoadedPlugin {
  plugin: SkiffPlugin;
  /** Absolute path of the module that was imported: `--plugin PATH` loads the same one from anywhere. */
  location: string;
}

/**
 * Imports each plugin package, checks its shape, registers its drivers. Errors say which, from where, why.
 * A name that is an absolute path or file: URL is imported as it is.
 */
export async function loadPlugins(requests: PluginRequest[], registry: DriverRegistry): Promise<LoadedPlugin[]> {
  const plugins: LoadedPlugin[] = [];
  for (const { name, from } of requests) {
    const fail = (why: string, cause?: unknown) =>
      new SkiffError('INVALID_ARGUMENT', `cannot load plugin "${name}" (resolved from ${from}): ${why}`, {
        cause,
        hint: 'install it with npm/pnpm where skiff can find it, or drop it from --plugin / SKIFF_PLUGINS / config.json',
      });
    let url: string;
    try {
      const { resolve: resolveModule } = await import('import-meta-resolve');
      url = isAbsolute(name) ? pathToFileURL(name).href : resolveModule(name, pathToFileURL(join(from, 'noop.js')).href);
    } catch (error) {
      throw fail('package not found', error);
    }
    let module: { default?: unknown };
    try {
      module = (await import(url)) as { default?: unknown };
    } catch (error) {
      throw fail(`import failed: ${(error as Error).message}`, error);
    }
    let plugin: unknown = module.default ?? module;
    if ((plugin as { default?: unknown }).default !== undefined) plugin = (plugin as { default: unknown }).default;
    try {
      assertPlugin(plugin);
      for (const driver of plugin.drivers) registry.register(driver, { plugin: plugin.name });
    } catch (error) {
      throw fail((error as Error).message, error);
    }
    plugins.push({ plugin, location: url.startsWith('file:') ? fileURLToPath(url) : url });
  }
  return plugins;
}
