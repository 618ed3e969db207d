import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime, resolveRoots, type ImageResolver, type Roots } from '@skiff/core';
import { DriverRegistry } from '@skiff/plugin';
import { createImageStore, imageIdPrefix } from '@skiff/image';
import { builtins } from './builtins.js';
import { loadPlugins, pluginRequests } from './plugins.js';

/**
 * The wiring the `skiff` command and createSkiff share: built-in drivers, plugins, the image store and core's
 * Runtime. Internal to skiff (the CLI uses it); programs use createSkiff from the main entry.
 */

/** Global options every command understands. */
export interface GlobalOptions {
  root?: string;
  runRoot?: string;
  plugin?: string[];
  /**
   * The script a detached container's supervisor runs (with node) when the container exits, as
   * `SCRIPT --root R --run-root RR [--plugin P]... cleanup ID`. Default: this package's cleanup.js; the CLI
   * gives its own bundle.
   */
  cleanupScript?: string;
}

export interface Context {
  roots: Roots;
  registry: DriverRegistry;
  images: ReturnType<typeof createImageStore>;
  runtime: Runtime;
}

/** The one place drivers, plugins, images and the runtime are wired together. */
export async function createContext(options: GlobalOptions): Promise<Context> {
  const roots = resolveRoots({ root: options.root, runRoot: options.runRoot });
  const registry = new DriverRegistry();
  for (const registration of builtins) registry.register(registration);
  const plugins = await loadPlugins(await pluginRequests(options.plugin ?? [], process.env, roots.root), registry);
  // Layers of every container (created, running or stopped) stay while it exists, whatever happens to names.
  const layersInUse = async () => (await runtime.store.list()).flatMap((record) => record.config.layers.map((dir) => basename(dir)));
  const images = createImageStore(roots.root, { layersInUse });
  const resolver: ImageResolver = {
    async resolve(name) {
      // What may be an image id (full, short, sha256:) is looked up as a name first, then as an id (`docker run ID`).
      const image = isDefaultImage(name) ? await images.ensureBusybox() : imageIdPrefix(name) ? (await images.find(name)).image : await images.get(name);
      return { name: image.name, layers: images.layerDirs(image), config: image.config };
    },
    holdLayers: (layers, action) => images.holdLayers(layers, action),
    async commit(name, from) {
      const image = await images.commit(name, {
        parent: await images.get(from.parent),
        diffDir: from.diffDir,
        copy: from.copy,
        ...(from.config ? { config: from.config } : {}),
        ...(from.comment ? { comment: from.comment } : {}),
      });
      return { id: image.id, name: image.name };
    },
  };
  // A detached container's supervisor runs this when the container exits: `cleanup ID` with the same roots and
  // plugins (by resolved path: the supervisor's directory and environment are not ours).
  const script = options.cleanupScript ?? fileURLToPath(new URL('./cleanup.js', import.meta.url));
  const pluginFlags = plugins.flatMap((plugin) => ['--plugin', plugin.location]);
  const exitCommand = (id: string) => [process.execPath, script, '--root', roots.root, '--run-root', roots.runRoot, ...pluginFlags, 'cleanup', id];
  const runtime = new Runtime({ roots, registry, images: resolver, exitCommand, helperPath: helperPath() });
  return { roots, registry, images, runtime };
}

/**
 * The native helper, copied beside the CLI's bundle at build time (apps/cli/tsup.config.ts): the `skiff`
 * command has @skiff/native's code inside it, so native's own lookup (relative to its module) would miss. As a
 * library, or run from the sources, there is no copy: then native's own.
 */
function helperPath(): string | undefined {
  const copy = fileURLToPath(new URL('./skiff-helper', import.meta.url));
  return existsSync(copy) ? copy : undefined;
}

/** The host-built default image: never pulled. */
export const isDefaultImage = (name: string) => name === 'busybox' || name === 'busybox:latest';
