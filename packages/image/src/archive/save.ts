/**
 * `save`: images as docker 25+ writes them, an OCI image layout that docker's older `manifest.json` also
 * describes, in one tar:
 *
 *   oci-layout                  {"imageLayoutVersion":"1.0.0"}
 *   index.json                  one OCI manifest descriptor per name, annotated with io.containerd.image.name
 *                               (the full name, as docker) and org.opencontainers.image.ref.name (the tag)
 *   manifest.json               [{Config, RepoTags, Layers}] with paths into blobs/ (docker load, skopeo
 *                               docker-archive:)
 *   blobs/sha256/<hex>          configs, OCI manifests, and the layers as uncompressed tars (digest = diff id)
 */
import { rename, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { crypto } from '../files.js';
import { taggedName } from '../inspect.js';
import { isDangling } from '../names.js';
import { parseReference } from '../reference.js';
import { OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from '../registry/media-types.js';
import type { ImageRecord, ImageStore } from '../store.js';
import { exportImage } from './export.js';
import { withStaging } from './staging.js';

const LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

/** Writes the archive of `references` (names in the store) to `output`. */
export async function saveImages(store: ImageStore, references: string[], output: Writable): Promise<void> {
  const images: { image: ImageRecord; names: string[] }[] = [];
  for (const reference of references) {
    // docker: an image saved by its id (or a dangling one) goes without a name (no RepoTags).
    const { image, byId } = await store.find(reference);
    const names = byId || isDangling(image.name) ? [] : [taggedName(image.name)];
    const same = images.find((entry) => entry.image.id === image.id);
    if (!same) images.push({ image, names });
    else for (const name of names) if (!same.names.includes(name)) same.names.push(name);
  }
  await withStaging(store, async (staging) => {
    const layout = join(staging, 'layout');
    const blobs = join(layout, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true, mode: 0o700 });
    const put = async (bytes: Buffer) => {
      const digest = crypto().createHash('sha256').update(bytes).digest('hex');
      await writeFile(join(blobs, digest), bytes);
      return { digest: `sha256:${digest}`, size: bytes.length };
    };
    const manifestJson: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
    const index: Record<string, unknown>[] = [];
    let counter = 0;
    for (const { image, names } of images) {
      const exported = await exportImage(store, image, staging, counter);
      counter += exported.layers.length;
      for (const layer of exported.layers) {
        const target = join(blobs, layer.diffId.slice('sha256:'.length));
        if (!existsSync(target)) await rename(layer.path, target);
      }
      const config = await put(exported.config);
      const manifest = await put(
        Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_MANIFEST,
            config: { mediaType: OCI_CONFIG, ...config },
            layers: exported.layers.map((layer) => ({ mediaType: LAYER_TAR, digest: layer.diffId, size: layer.size })),
          }),
        ),
      );
      const path = (digest: string) => `blobs/sha256/${digest.slice('sha256:'.length)}`;
      // A name by digest is no tag: docker lists it in neither RepoTags nor the index.
      const tags = names.filter((name) => !name.includes('@'));
      manifestJson.push({ Config: path(config.digest), RepoTags: tags, Layers: exported.layers.map((layer) => path(layer.diffId)) });
      if (tags.length === 0) index.push({ mediaType: OCI_MANIFEST, ...manifest });
      for (const name of tags) {
        const reference = parseReference(name);
        index.push({
          mediaType: OCI_MANIFEST,
          ...manifest,
          annotations: { 'io.containerd.image.name': `${reference.domain}/${reference.path}:${reference.tag ?? 'latest'}`, 'org.opencontainers.image.ref.name': reference.tag ?? 'latest' },
        });
      }
    }
    await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: index }));
    await writeFile(join(layout, 'manifest.json'), JSON.stringify(manifestJson));
    const [{ create }, { pipeline }] = await Promise.all([import('tar'), import('node:stream/promises')]);
    await pipeline(create({ cwd: layout, portable: true }, ['oci-layout', 'index.json', 'manifest.json', 'blobs']), output, { end: false });
  });
}
