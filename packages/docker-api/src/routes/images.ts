import { SkiffError } from 'skiff';
import { imageHistory, inspectImage, isDangling, parseReference, saveImages, taggedName, type Credentials, type ImageRecord, type PullEvent } from '@skiff/image';
import type { DockerApiBackend } from '../backend.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { parseFilters } from '../filters.js';
import type { Router } from '../router.js';
import { flag } from './containers.js';

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** X-Registry-Auth: base64url JSON `{username, password, serveraddress}`; `{}` (the docker CLI's "none") is none. */
export function registryAuth(header: string | string[] | undefined): Credentials | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  let value: { username?: unknown; password?: unknown };
  try {
    value = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as typeof value;
  } catch {
    throw badRequest('invalid X-Registry-Auth header: expected base64url JSON');
  }
  if (typeof value?.username !== 'string' || typeof value.password !== 'string' || value.username === '') return undefined;
  return { username: value.username, password: value.password };
}

/** One line of docker's pull progress. */
function progressLine(event: PullEvent) {
  const detail = event.current !== undefined ? { current: event.current, ...(event.total !== undefined ? { total: event.total } : {}) } : {};
  return { status: event.status, progressDetail: detail, ...(event.id ? { id: event.id } : {}) };
}

export function imageRoutes(router: Router, backend: DockerApiBackend): void {
  const { images } = backend;

  async function find(name: string): Promise<ImageRecord> {
    if (backend.isDefaultImage(name)) return images.ensureBusybox();
    try {
      return await images.get(name);
    } catch (error) {
      if (SkiffError.is(error, 'NOT_FOUND') || SkiffError.is(error, 'INVALID_ARGUMENT')) {
        const prefix = /^(?:sha256:)?([0-9a-f]{4,64})$/.exec(name)?.[1];
        const byId = prefix ? (await images.list()).find((image) => image.id.startsWith(prefix)) : undefined;
        if (byId) return byId;
        throw notFound(`No such image: ${name}`);
      }
      throw error;
    }
  }

  router.add('GET', '/images/json', async (exchange) => {
    // dangling=true|false is applied; the other filters docker has are accepted and not applied yet.
    const values = parseFilters(exchange.query.get('filters'), ['dangling', 'reference', 'label', 'before', 'since', 'until']);
    const dangling = values('dangling')?.map((value) => /^(1|true)$/i.test(value));
    const byId = new Map<string, ImageRecord>();
    for (const image of await images.list()) {
      if (dangling && !dangling.includes(isDangling(image.name))) continue;
      if (!byId.has(image.id)) byId.set(image.id, image);
    }
    const rows = [];
    for (const image of byId.values()) {
      const inspect = await inspectImage(images, image);
      rows.push({
        Id: inspect.Id,
        ParentId: '',
        RepoTags: inspect.RepoTags,
        RepoDigests: inspect.RepoDigests,
        Created: unix(inspect.Created),
        Size: inspect.Size,
        SharedSize: -1,
        Labels: inspect.Config.Labels ?? {},
        Containers: -1,
      });
    }
    exchange.send(200, rows);
  });

  router.add('POST', '/images/create', async (exchange) => {
    const from = exchange.query.get('fromImage');
    if (!from) throw badRequest(exchange.query.get('fromSrc') ? 'importing with fromSrc is not supported by skiff yet (use skiff import)' : 'fromImage is required');
    const tag = exchange.query.get('tag');
    const hasTag = from.includes('@') || from.lastIndexOf(':') > from.lastIndexOf('/');
    const name = tag && !hasTag ? `${from}${tag.startsWith('sha256:') ? '@' : ':'}${tag}` : from;
    const reference = parseReference(name);
    const credentials = registryAuth(exchange.headers['x-registry-auth']);
    const out = exchange.stream(200, 'application/json');
    const line = (value: unknown) => out.write(`${JSON.stringify(value)}\n`);
    line({ status: `Pulling from ${reference.path.replace(/^library\//, '')}`, id: reference.digest ?? reference.tag });
    try {
      const result = await backend.pull(name, { credentials, onProgress: (event) => line(progressLine(event)), signal: exchange.closed });
      line({ status: `Digest: ${result.digest}` });
      line({ status: `Status: ${result.status}` });
    } catch (error) {
      const message = SkiffError.isInstance(error) ? error.message : String(error);
      line({ errorDetail: { message }, error: message });
    }
    out.end();
  });

  /** docker save: one archive of the named images (the library's saveImages, as `skiff save`). */
  async function save(exchange: Exchange, names: string[]): Promise<void> {
    if (names.length === 0) throw badRequest('names is required');
    const resolved = [];
    for (const name of names) resolved.push(backend.isDefaultImage(name) ? (await images.ensureBusybox(), name) : (await find(name), name));
    const out = exchange.stream(200, 'application/x-tar');
    try {
      await saveImages(images, resolved, out);
    } catch {
      out.destroy();
      return;
    }
    out.end();
  }

  router.add('GET', '/images/get', async (exchange) => save(exchange, exchange.query.getAll('names')));
  router.add('GET', '/images/:name*/get', async (exchange) => save(exchange, [exchange.params.name!]));

  router.add('POST', '/images/load', async (exchange) => {
    const result = await backend.load(exchange.body());
    const out = exchange.stream(200, 'application/json');
    for (const line of result.lines) out.write(`${JSON.stringify({ stream: `${line}\n` })}\n`);
    out.end();
  });

  router.add('POST', '/images/prune', async (exchange) => {
    const values = parseFilters(exchange.query.get('filters'), ['dangling', 'until', 'label']);
    if (values('until') || values('label')) throw badRequest('image prune filters until and label are not supported by skiff');
    // dangling=false: every unused image (docker image prune -a); else the dangling ones.
    const all = values('dangling')?.some((value) => /^(0|false)$/i.test(value)) ?? false;
    const report = await backend.pruneImages(all);
    exchange.send(200, { ImagesDeleted: [...report.untagged.map((name) => ({ Untagged: name })), ...report.deleted.map((id) => ({ Deleted: `sha256:${id}` }))], SpaceReclaimed: report.reclaimed });
  });

  router.add('POST', '/images/:name*/push', async (exchange) => {
    const tag = exchange.query.get('tag');
    const name = tag ? `${exchange.params.name!}:${tag}` : exchange.params.name!;
    const reference = parseReference(name);
    const credentials = registryAuth(exchange.headers['x-registry-auth']);
    await find(name);
    const out = exchange.stream(200, 'application/json');
    const line = (value: unknown) => out.write(`${JSON.stringify(value)}\n`);
    line({ status: `The push refers to repository [${reference.domain}/${reference.path}]` });
    try {
      const result = await backend.push(name, { credentials, onProgress: (event) => line({ status: event.status, progressDetail: {}, id: event.id }) });
      line({ status: `${result.tag}: digest: ${result.digest} size: ${result.size}` });
      line({ progressDetail: {}, aux: { Tag: result.tag, Digest: result.digest, Size: result.size } });
    } catch (error) {
      const message = SkiffError.isInstance(error) ? error.message : String(error);
      line({ errorDetail: { message }, error: message });
    }
    out.end();
  });

  router.add('GET', '/images/:name*/json', async (exchange) => {
    exchange.send(200, await inspectImage(images, await find(exchange.params.name!)));
  });

  router.add('GET', '/images/:name*/history', async (exchange) => {
    const history = await imageHistory(images, await find(exchange.params.name!));
    exchange.send(
      200,
      history.map((entry) => ({ Id: entry.id, Created: unix(entry.created), CreatedBy: entry.createdBy, Size: entry.size, Comment: entry.comment, Tags: null })),
    );
  });

  router.add('POST', '/images/:name*/tag', async (exchange) => {
    const image = await find(exchange.params.name!);
    const repo = exchange.query.get('repo');
    if (!repo) throw badRequest('repo is required');
    const tag = exchange.query.get('tag');
    await images.tag(image.name, tag ? `${repo}:${tag}` : repo);
    exchange.send(201);
  });

  router.add('DELETE', '/images/:name*', async (exchange) => removeImage(exchange, exchange.params.name!));

  /** docker rmi: a name is untagged and the image goes with its last name; an id removes every name. Refused while a container was made from it, unless forced. */
  async function removeImage(exchange: Exchange, reference: string): Promise<void> {
    const named = await images.get(reference).catch(() => undefined);
    const image = named ?? (await find(reference));
    const force = flag(exchange, 'force');
    const names = (await images.list()).filter((other) => other.id === image.id);
    const targets = named ? [named] : names;
    if (!named && names.length > 1 && !force) throw conflict(`unable to delete ${image.id.slice(0, 12)} (must be forced) - image is referenced in multiple repositories`);
    const last = targets.length === names.length;
    if (last && !force) {
      const user = (await backend.skiff.list()).find((summary) => names.some((other) => summary.image === other.name || summary.image === taggedName(other.name)));
      if (user) throw conflict(`unable to remove repository reference "${reference}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${image.id.slice(0, 12)}`);
    }
    const answer: Record<string, string>[] = [];
    for (const target of targets) {
      await images.remove(target.name);
      if (!isDangling(target.name)) answer.push({ Untagged: taggedName(target.name) });
    }
    if (last) answer.push({ Deleted: `sha256:${image.id}` });
    exchange.send(200, answer);
  }
}
