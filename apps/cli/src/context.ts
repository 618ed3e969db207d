import { DriverRegistry, Runtime, resolveRoots, type ImageResolver, type Roots } from '@skiff/core';
import { createImageStore } from '@skiff/image';
import { builtins } from './builtins.js';
import { loadPlugins, pluginRequests } from './plugins.js';

/** Global options every command understands. */
export interface GlobalOptions {
  root?: string;
  runRoot?: string;
  plugin?: string[];
}

export interface Context {
  roots: Roots;
  registry: DriverRegistry;
  images: ReturnType<typeof createImageStore>;
  runtime: Runtime;
}

/** The one place the CLI wires drivers, plugins, images and the runtime together. */
export async function createContext(options: GlobalOptions): Promise<Context> {
  const roots = resolveRoots({ root: options.root, runRoot: options.runRoot });
  const registry = new DriverRegistry();
  for (const registration of builtins) registry.register(registration);
  await loadPlugins(await pluginRequests(options.plugin ?? [], process.env, roots.root), registry);
  const images = createImageStore(roots.root);
  const resolver: ImageResolver = {
    async resolve(name) {
      const image = isDefaultImage(name) ? await images.ensureBusybox() : await images.get(name);
      return { name: image.name, layers: images.layerDirs(image), config: image.config };
    },
  };
  const runtime = new Runtime({ roots, registry, images: resolver });
  return { roots, registry, images, runtime };
}

const isDefaultImage = (name: string) => name === 'busybox' || name === 'busybox:latest';
