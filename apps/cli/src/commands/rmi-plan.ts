import { basename } from 'node:path';
import { SkiffError, notFound } from '@skiff/plugin/errors';
import { isDangling, taggedName, type ImageRecord } from '@skiff/image';
import { createContext, type GlobalOptions } from '../context.js';
import { describeError } from '../errors.js';

const short = (id: string) => id.slice(0, 12);
const conflict = (message: string) => new SkiffError('CONFLICT', `conflict: ${message}`);

interface User {
  id: string;
  running: boolean;
  layers: string[];
}


export async function removeImages(globals: GlobalOptions, references: string[], force: boolean): Promise<void> {
  const { images, runtime } = await createContext(globals);
  const users: User[] = (await runtime.list()).map((record) => ({ id: record.id, running: record.status === 'running', layers: record.config.layers }));
  // A container keeps its image's layer directories (paths), made when it was created.
  const usedBy = (image: ImageRecord, all: User[]) => {
    const dirs = images.layerDirs(image);
    return all.filter((user) => user.layers.length === dirs.length && user.layers.every((layer, i) => layer === dirs[i]));
  };
  const keepLayers = () => (force ? users.flatMap((user) => user.layers.map((dir) => basename(dir))) : []);
  const print = (line: string) => process.stdout.write(`${line}\n`);

  async function byName(reference: string, image: ImageRecord): Promise<void> {
    const others = (await images.list()).filter((other) => other.id === image.id && other.name !== image.name);
    const user = usedBy(image, users)[0];
    if (others.length === 0 && user && !force) {
      throw conflict(`unable to remove repository reference "${reference}" (must force) - container ${short(user.id)} is using its referenced image ${short(image.id)}`);
    }
    await images.remove(image.name, { keepLayers: keepLayers() });
    print(`Untagged: ${taggedName(image.name)}`);
    // docker: -f on a name a container's image has only untags; the image stays for the container.
    if (others.length === 0 && !user) print(`Deleted: sha256:${image.id}`);
  }

  async function byId(reference: string, matches: ImageRecord[]): Promise<void> {
    const id = matches[0]!.id;
    if (matches.length > 1 && !force) throw conflict(`unable to delete ${short(id)} (must be forced) - image is referenced in multiple repositories`);
    for (const user of usedBy(matches[0]!, users)) {
      if (user.running) throw conflict(`unable to delete ${short(id)} (cannot be forced) - image is being used by running container ${short(user.id)}`);
      if (!force) throw conflict(`unable to delete ${short(id)} (must be forced) - image is being used by stopped container ${short(user.id)}`);
    }
    for (const image of matches) {
      await images.remove(image.name, { keepLayers: keepLayers() });
      if (!isDangling(image.name)) print(`Untagged: ${taggedName(image.name)}`);
    }
    print(`Deleted: sha256:${id}`);
    void reference;
  }

  for (const reference of references) {
    try {
      const image = await images.get(reference).catch((error: unknown) => {
        if (SkiffError.is(error, 'NOT_FOUND')) return undefined;
        // A string that is no valid name may still be an image id (`sha256:abc...`).
        if (SkiffError.is(error, 'INVALID_ARGUMENT') && /^(sha256:)?[0-9a-f]+$/.test(reference)) return undefined;
        throw error;
      });
      if (image) {
        await byName(reference, image);
        continue;
      }
      const prefix = /^(?:sha256:)?([0-9a-f]{1,64})$/.exec(reference)?.[1];
      const matches = prefix ? (await images.list()).filter((candidate) => candidate.id.startsWith(prefix)) : [];
      if (new Set(matches.map((match) => match.id)).size > 1) throw new SkiffError('INVALID_ARGUMENT', `image id ${reference} is ambiguous`, { hint: 'give more of its digits' });
      if (matches.length === 0) throw notFound(`No such image: ${reference}`);
      await byId(reference, matches);
    } catch (error) {
      process.stderr.write(`skiff: ${describeError(error)}\n`);
      process.exitCode = 1;
    }
  }
}
