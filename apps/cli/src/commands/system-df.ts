import { basename } from 'node:path';
import type { createContext } from '../context.js';
import { humanSize } from '../format.js';
import { struct } from '../template/index.js';

type Context = Awaited<ReturnType<typeof createContext>>;

const DF_TYPE = '*formatter.diskUsageContext';
export const DF_TABLE = '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
export const DF_HEADER = struct(DF_TYPE, { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' });

const reclaimable = (bytes: number, total: number, percent: boolean) =>
  percent ? `${humanSize(bytes)} (${total > 0 ? Math.round((bytes / total) * 100) : 0}%)` : humanSize(bytes);

const row = (type: string, count: number, active: number, size: number, free: number, percent = true) =>
  struct(DF_TYPE, { Type: type, TotalCount: String(count), Active: String(active), Size: humanSize(size), Reclaimable: reclaimable(free, size, percent) });

/** docker system df: images, containers, local volumes (and an always-empty build cache), with what prune would free. */
export async function diskUsageRows(context: Context) {
  const { diskUsage } = await import('@skiff/image');
  const containers = await context.runtime.list();
  const images = await context.images.list();
  // Layers are shared between images: each counted once; an image is active when a container uses its layers.
  const usedLayers = new Set(containers.flatMap((record) => record.config.layers.map((dir) => basename(dir))));
  const layerSizes = new Map<string, number>();
  for (const image of images) {
    for (const [index, dir] of context.images.layerDirs(image).entries()) {
      const id = image.layers[index]!;
      if (!layerSizes.has(id)) layerSizes.set(id, await diskUsage(dir));
    }
  }
  const activeImages = images.filter((image) => image.layers.some((id) => usedLayers.has(id)));
  const imageTotal = [...layerSizes.values()].reduce((a, b) => a + b, 0);
  const imageUsed = [...layerSizes].filter(([id]) => usedLayers.has(id)).reduce((a, [, size]) => a + size, 0);

  const sizes = await Promise.all(containers.map((record) => context.runtime.writableSize(record.id).catch(() => 0)));
  const running = containers.map((record) => record.status === 'running');
  const containerTotal = sizes.reduce((a, b) => a + b, 0);
  const containerFree = sizes.filter((_, index) => !running[index]).reduce((a, b) => a + b, 0);

  const volumes = await context.runtime.volumes.list();
  let volumeTotal = 0;
  let volumeFree = 0;
  let volumeActive = 0;
  for (const volume of volumes) {
    const info = await context.runtime.volumes.inspect(volume.name).catch(() => undefined);
    const size = info?.info.mountpoint ? await diskUsage(info.info.mountpoint) : 0;
    const used = (await context.runtime.volumes.users(volume.name)).length > 0;
    volumeTotal += size;
    if (used) volumeActive++;
    else volumeFree += size;
  }
  return [
    row('Images', images.length, activeImages.length, imageTotal, imageTotal - imageUsed),
    row('Containers', containers.length, running.filter(Boolean).length, containerTotal, containerFree),
    row('Local Volumes', volumes.length, volumeActive, volumeTotal, volumeFree),
    row('Build Cache', 0, 0, 0, 0, false),
  ];
}
