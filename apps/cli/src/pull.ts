/**
 * docker pull's behaviour for the CLI: `skiff pull` and the pulls `run`/`create` make (`--pull`). Loaded only by
 * those commands; the registry client itself loads on the first pull.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDefaultImage, type Context } from 'skiff/wiring';
import { progressWriter } from './pull-progress.js';
import { parsePlatform } from './flags/platform.js';

export type PullPolicy = 'missing' | 'always' | 'never';

export interface PullCommandOptions {
  /** Print only the image name. */
  quiet: boolean;
  platform?: string;
  out: NodeJS.WriteStream;
}

/** The helper beside this bundle (see tsup.config.ts), else @skiff/native's own. */
export async function helper(): Promise<string> {
  const copy = fileURLToPath(new URL('./skiff-helper', import.meta.url));
  return existsSync(copy) ? copy : (await import('@skiff/native')).helperPath();
}

/** docker pull: progress (or with `quiet` only the name) to `out`. */
export async function pullWithProgress(context: Context, name: string, options: PullCommandOptions): Promise<void> {
  const image = await import('@skiff/image');
  const reference = image.parseReference(name);
  const full = `${reference.domain}/${reference.path}${reference.digest ? `@${reference.digest}` : `:${reference.tag}`}`;
  const { out, quiet } = options;
  if (!quiet) {
    if (!reference.digest && !/:[^/]*$/.test(name)) out.write('Using default tag: latest\n');
    out.write(`${reference.digest ?? reference.tag}: Pulling from ${reference.path}\n`);
  }
  const result = await image.pullImage(context.images, name, {
    helper: await helper(),
    platform: options.platform ? parsePlatform(options.platform) : undefined,
    settings: await image.readRegistrySettings(context.roots.root),
    credentials: await image.readCredentials(context.roots.root, reference.domain),
    onProgress: quiet ? undefined : progressWriter(out, out.isTTY === true),
  });
  if (!quiet) out.write(`Digest: ${result.digest}\nStatus: ${result.status}\n`);
  out.write(`${full}\n`);
}

/** Makes sure `name` (or an image id) is in the store as `--pull` asks (missing, always, never); pulls report to stderr, as docker's. */
/** `quiet` (run/create -q): no "Unable to find image" line and no pull progress, as docker. */
export async function ensureImage(context: Context, name: string, policy: PullPolicy, platform?: string, quiet = false): Promise<void> {
  if (isDefaultImage(name) || policy === 'never') return;
  if (policy === 'missing') {
    const { familiarString, imageIdPrefix, parseReference } = await import('@skiff/image');
    const present = await (imageIdPrefix(name) ? context.images.find(name) : context.images.get(name)).then(
      () => true,
      (error: unknown) => {
        if ((error as { code?: string }).code === 'NOT_FOUND') return false;
        throw error;
      },
    );
    if (present) return;
    if (!quiet) process.stderr.write(`Unable to find image '${familiarString(parseReference(name))}' locally\n`);
  }
  await pullWithProgress(context, name, { quiet, platform, out: process.stderr });
}
