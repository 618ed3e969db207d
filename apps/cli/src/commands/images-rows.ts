import { isDangling, type createImageStore } from '@skiff/image';
import { invalidArgument } from '@skiff/plugin';
import { ago, humanSize } from '../format.js';
import { filterBoolean, globMatch, labelsMatch, type Filters } from '../flags/filters.js';
import { struct } from '../template/index.js';
import { splitName } from './images.js';
import { goTime } from './ps-rows.js';

type ImageStore = ReturnType<typeof createImageStore>;
type ImageRecord = Awaited<ReturnType<ImageStore['list']>>[number];

export const IMAGE_FILTERS = ['dangling', 'reference', 'label', 'before', 'since'] as const;

const IMAGE_TYPE = '*formatter.imageContext';

/** docker's `images` template fields, in its `{{json .}}` order. */
export async function imageRow(store: ImageStore, image: ImageRecord, trunc: boolean) {
  const { imageSize } = await import('@skiff/image');
  const [repository, tag] = splitName(image.name);
  const size = humanSize(await imageSize(store, image));
  return struct(IMAGE_TYPE, {
    Containers: 'N/A',
    CreatedAt: goTime(image.created),
    CreatedSince: ago(image.created),
    Digest: isDangling(image.name) ? '<none>' : image.name.includes('@') ? image.name.slice(image.name.indexOf('@') + 1) : image.digest ?? '<none>',
    ID: trunc ? image.id.slice(0, 12) : `sha256:${image.id}`,
    Repository: repository,
    SharedSize: 'N/A',
    Size: size,
    Tag: tag,
    UniqueSize: 'N/A',
    VirtualSize: size,
  });
}

export const IMAGE_HEADER = struct(IMAGE_TYPE, {
  Containers: 'CONTAINERS',
  CreatedAt: 'CREATED AT',
  CreatedSince: 'CREATED',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  SharedSize: 'SHARED SIZE',
  Size: 'SIZE',
  Tag: 'TAG',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
});

/** docker images' filters as a predicate; before/since name images, looked up once here. */
export async function matchImage(filters: Filters, store: ImageStore): Promise<(image: ImageRecord) => boolean> {
  const find = async (reference: string) => {
    const image = await store.get(reference).catch(() => undefined);
    if (!image) throw invalidArgument(`no such image: ${reference}`);
    return image;
  };
  const before = await Promise.all((filters.get('before') ?? []).map(find));
  const since = await Promise.all((filters.get('since') ?? []).map(find));
  const dangling = (filters.get('dangling') ?? []).map((value) => filterBoolean('dangling', value));
  const any = <T>(values: T[] | undefined, test: (value: T) => boolean) => values === undefined || values.length === 0 || values.some(test);
  return (image) => {
    const [repository, tag] = splitName(image.name);
    return (
      any(dangling, (wanted) => wanted === isDangling(image.name)) &&
      any(filters.get('reference'), (pattern) => globMatch(pattern, repository) || globMatch(pattern, `${repository}:${tag}`)) &&
      labelsMatch(image.config.labels, filters.get('label')) &&
      before.every((other) => image.created < other.created) &&
      since.every((other) => image.created > other.created)
    );
  };
}
