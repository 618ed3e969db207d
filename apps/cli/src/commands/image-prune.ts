import { createInterface } from 'node:readline/promises';
import { basename, join } from 'node:path';
import { diskUsage, isDangling, taggedName, type ImageStore } from '@skiff/image';
import type { Runtime } from '@skiff/core';
import { createContext, type GlobalOptions } from '../context.js';
import { humanSize } from '../format.js';

/**
 * docker image prune: without -a the dangling images (`<none>:<none>`) no container was made from, and the
 * layers no image names (and no container runs on: those `rmi -f` left behind). With -a every image no
 * container was made from goes too. Asks first, as docker does, unless -f.
 */
export async function pruneImages(globals: GlobalOptions, all: boolean, force: boolean): Promise<void> {
  if (!force) {
    const warning = all ? 'This will remove all images without at least one container associated to them.' : 'This will remove all dangling images.';
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await prompt.question(`WARNING! ${warning}\nAre you sure you want to continue? [y/N] `).catch(() => '');
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) return;
  }
  const { images, runtime } = await createContext(globals);
  const { untagged, deleted, reclaimed } = await pruneImageStore(images, runtime, all);
  const lines = [...untagged.map((name) => `untagged: ${name}`), ...deleted.map((id) => `deleted: sha256:${id}`)];
  if (lines.length) process.stdout.write(`Deleted Images:\n${lines.join('\n')}\n\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}

/**
 * Removes the dangling images and layers no container uses, and with `all` every image no container was made from. Shared
 * by `skiff image prune` and the Docker API's /images/prune.
 */
export async function pruneImageStore(images: ImageStore, runtime: Runtime, all: boolean): Promise<{ untagged: string[]; deleted: string[]; reclaimed: number }> {
  const containerLayers = (await runtime.list()).flatMap((record) => record.config.layers);
  const used = new Set(containerLayers);
  const before = await diskUsage(join(images.root, 'layers'));
  const untagged: string[] = [];
  const deleted: string[] = [];
  const removed = new Set<string>();
  for (const image of await images.list()) {
    if (!all && !isDangling(image.name)) continue;
    if (images.layerDirs(image).some((dir) => used.has(dir))) continue;
    await images.remove(image.name, { keepLayers: containerLayers.map((dir) => basename(dir)) });
    if (!isDangling(image.name)) untagged.push(taggedName(image.name));
    removed.add(image.id);
  }
  const left = new Set((await images.list()).map((image) => image.id));
  for (const id of removed) if (!left.has(id)) deleted.push(id);
  await images.pruneLayers(containerLayers.map((dir) => basename(dir)));
  return { untagged, deleted, reclaimed: Math.max(before - (await diskUsage(join(images.root, 'layers'))), 0) };
}
