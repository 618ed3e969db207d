import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { SkiffError } from '@skiff/plugin';
import { DEFAULT_CONFIG, type ImageStore } from '@skiff/image';
import { applyChanges } from '../flags/change.js';

/**
 * docker import's sources: `-` (stdin), an http(s) URL (fetched as it streams; a non-2xx answer is one line),
 * or a file. Returns the new image's id.
 */
export async function importSource(images: ImageStore, source: string, name: string, options: { change?: string[]; message?: string }): Promise<string> {
  const config = applyChanges(DEFAULT_CONFIG, options.change ?? []);
  const importOptions = { config, ...(options.message ? { comment: options.message } : {}) };
  if (source === '-') return (await images.importTarball((await import('../stdin.js')).stdinStream(), name, importOptions)).id;
  if (/^https?:\/\//i.test(source)) {
    let response: Response;
    try {
      response = await fetch(source);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new SkiffError('UNAVAILABLE', `cannot import ${source}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { cause: error });
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new SkiffError(response.status === 404 ? 'NOT_FOUND' : 'UNAVAILABLE', `cannot import ${source}: the server answered ${response.status}`);
    }
    return (await images.importTarball(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), name, importOptions)).id;
  }
  return (await images.importTarball(resolve(source), name, importOptions)).id;
}
