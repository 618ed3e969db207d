import type { ContainerRecord } from '@skiff/core';
import { invalidArgument } from '@skiff/plugin';
import type { Filters } from '../flags/filters.js';
import { labelsMatch } from '../flags/filters.js';

export const PS_FILTERS = ['id', 'name', 'label', 'status', 'exited', 'ancestor', 'before', 'since', 'volume', 'network'] as const;

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** `busybox` and `docker.io/library/busybox:latest` name the same image. */
export function normalImageName(name: string): string {
  let result = name.replace(/^docker\.io\//, '').replace(/^library\//, '');
  if (!result.includes('@') && result.lastIndexOf(':') <= result.lastIndexOf('/')) result += ':latest';
  return result;
}

interface Lookup {
  images: { get(name: string): Promise<{ id: string; name: string }> };
}

/**
 * docker ps's filters as a predicate. Values that name a container (before, since) or an image (ancestor) are
 * looked up once, here; a bad value is one clear error before anything is listed.
 */
export async function matchContainer(filters: Filters, records: ContainerRecord[], lookup: Lookup): Promise<(record: ContainerRecord) => boolean> {
  const find = (reference: string) => {
    const record = records.find((r) => r.id === reference || r.name === reference) ?? records.find((r) => /^[0-9a-f]+$/.test(reference) && r.id.startsWith(reference));
    if (!record) throw invalidArgument(`no such container: ${reference}`);
    return record;
  };
  const before = filters.get('before')?.map(find);
  const since = filters.get('since')?.map(find);
  for (const status of filters.get('status') ?? []) {
    if (!STATUSES.includes(status)) throw invalidArgument(`invalid filter 'status=${JSON.stringify(status).slice(1, -1)}': status is one of ${STATUSES.join(', ')}`);
  }
  const exited = (filters.get('exited') ?? []).map((code) => {
    if (!/^-?\d+$/.test(code)) throw invalidArgument(`invalid filter 'exited=${JSON.stringify(code).slice(1, -1)}': expected an exit code`);
    return Number(code);
  });
  const names = (filters.get('name') ?? []).map((pattern) => {
    try {
      return new RegExp(pattern);
    } catch {
      throw invalidArgument(`invalid filter 'name=${JSON.stringify(pattern).slice(1, -1)}': not a regular expression`);
    }
  });
  const ancestors = await Promise.all(
    (filters.get('ancestor') ?? []).map(async (name) => {
      const image = await lookup.images.get(name).catch(() => undefined);
      return { name: normalImageName(name), id: image?.id, imageName: image ? normalImageName(image.name) : undefined };
    }),
  );
  const imageIds = new Map<string, string | undefined>();
  for (const record of records) {
    if (ancestors.length && !imageIds.has(record.config.image)) imageIds.set(record.config.image, (await lookup.images.get(record.config.image).catch(() => undefined))?.id);
  }
  const any = <T>(values: T[] | undefined, test: (value: T) => boolean) => values === undefined || values.length === 0 || values.some(test);
  const state = (record: ContainerRecord) => (record.status === 'stopped' ? 'exited' : record.status);
  return (record) =>
    any(filters.get('id'), (id) => record.id.startsWith(id)) &&
    any(names, (pattern) => pattern.test(`/${record.name}`)) &&
    labelsMatch(record.config.labels, filters.get('label')) &&
    any(filters.get('status'), (status) => state(record) === status) &&
    (exited.length === 0 || (record.status === 'stopped' && exited.includes(record.exitCode ?? 0))) &&
    any(ancestors, (ancestor) => {
      const name = normalImageName(record.config.image);
      const id = imageIds.get(record.config.image);
      return name === ancestor.name || name === ancestor.imageName || (id !== undefined && (id === ancestor.id || (/^[0-9a-f]{3,}$/.test(ancestor.name.replace(/:latest$/, '')) && id.startsWith(ancestor.name.replace(/:latest$/, '')))));
    }) &&
    (before ?? []).every((other) => record.created < other.created) &&
    (since ?? []).every((other) => record.created > other.created) &&
    any(filters.get('volume'), (volume) => record.config.volumes.some((v) => v.source === volume || v.volume?.name === volume || v.target === volume)) &&
    any(filters.get('network'), (network) => record.config.network === network);
}
