import type { ImageConfig } from '@skiff/plugin';

/** What the runtime needs of an image. The CLI adapts @skiff/image's store to this; tests may use a fixture. */
export interface ResolvedImage {
  name: string;
  /** Layer directories on the host, top-most first. */
  layers: string[];
  config: ImageConfig;
}

export interface ImageResolver {
  /** Returns the image or throws a NOT_FOUND SkiffError that says how to get it. */
  resolve(name: string): Promise<ResolvedImage>;
  /**
   * Makes image `name` from `diffDir` layered on image `parent` (for `commit`); optional. `copy` copies the
   * diff dir into the new layer without following anything in it (the container may still change it): use
   * it rather than a copy of your own.
   */
  commit?(name: string, from: { parent: string; diffDir: string; copy: (from: string, to: string) => Promise<void> }): Promise<{ id: string; name: string }>;
}
