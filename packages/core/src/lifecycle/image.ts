import type { ImageConfig } from '@skiff/plugin';

/** What the runtime needs of an image. The CLI adapts @skiff/image's store to this; tests may use a fixture. */
export interface ResolvedImage {
  name: string;
  /** Layer directories on the host, top-most first. */
  layers: string[];
  config: ImageConfig;
}

/**
 * docker's Entrypoint/Cmd combination: the command is the entrypoint followed by the arguments given, or by the
 * image's Cmd when none are given. `--entrypoint` replaces the image's entrypoint and drops its Cmd
 * (`--entrypoint ''` leaves only the arguments given).
 */
export function containerArgs(config: Pick<ImageConfig, 'cmd' | 'entrypoint'>, args: string[] | undefined, entrypoint: string[] | undefined): string[] {
  const head = entrypoint ?? config.entrypoint ?? [];
  const tail = args?.length ? args : entrypoint !== undefined ? [] : config.cmd;
  return [...head, ...tail];
}

export interface ImageResolver {
  /** Returns the image or throws a NOT_FOUND SkiffError that says how to get it. */
  resolve(name: string): Promise<ResolvedImage>;
  /**
   * Makes image `name` from `diffDir` layered on image `parent` (for `commit`); optional. `copy` copies the
   * diff dir into the new layer without following anything in it (the container may still change it): use
   * it rather than a copy of your own.
   */
  commit?(
    name: string,
    from: { parent: string; diffDir: string; copy: (from: string, to: string) => Promise<void>; config?: Partial<ImageConfig>; comment?: string },
  ): Promise<{ id: string; name: string }>;
  /**
   * Runs `action` (which writes the container record) so that the image store cannot delete `layers` (from
   * resolve) in between: it fails when one is already gone, and afterwards the store sees the record; optional.
   */
  holdLayers?<T>(layers: string[], action: () => Promise<T>): Promise<T>;
}
