import { SkiffError } from 'skiff';
import type { DockerApiBackend } from '../backend.js';
import { badRequest, notFound } from '../errors.js';
import { parseFilters } from '../filters.js';
import type { Router } from '../router.js';
import { flag } from './containers.js';

type Json = Record<string, unknown>;

const stringMap = (value: unknown, field: string): Record<string, string> => {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) throw badRequest(`${field} must be an object of strings`);
  return value as Record<string, string>;
};

/** The named-volume store as docker's /volumes endpoints (what `skiff volume` does). */
export function volumeRoutes(router: Router, backend: DockerApiBackend): void {
  const volumes = () => backend.skiff.volumes;

  async function view(name: string): Promise<Json> {
    try {
      const { record, info } = await volumes().inspect(name);
      return { CreatedAt: info.createdAt, Driver: record.driver, Labels: record.labels, Mountpoint: info.mountpoint, Name: record.name, Options: info.options, Scope: 'local', ...(info.status ? { Status: info.status } : {}) };
    } catch (error) {
      if (SkiffError.is(error, 'NOT_FOUND')) throw notFound(`get ${name}: no such volume`);
      throw error;
    }
  }

  router.add('GET', '/volumes', async (exchange) => {
    const values = parseFilters(exchange.query.get('filters'), ['name', 'driver', 'dangling']);
    const names = values('name');
    const drivers = values('driver');
    const dangling = values('dangling')?.[0];
    const shown: Json[] = [];
    for (const record of await volumes().list()) {
      if (names && !names.some((name) => record.name.includes(name))) continue;
      if (drivers && !drivers.includes(record.driver)) continue;
      if (dangling !== undefined && ((await volumes().users(record.name)).length === 0) !== /^(1|true)$/.test(dangling)) continue;
      shown.push(await view(record.name));
    }
    exchange.send(200, { Volumes: shown, Warnings: [] });
  });

  router.add('POST', '/volumes/create', async (exchange) => {
    const body = await exchange.json();
    const name = typeof body.Name === 'string' && body.Name ? body.Name : undefined;
    const driver = typeof body.Driver === 'string' && body.Driver ? body.Driver : 'local';
    const { record } = await volumes().create({ name, driver, options: stringMap(body.DriverOpts, 'DriverOpts'), labels: stringMap(body.Labels, 'Labels') });
    exchange.send(201, await view(record.name));
  });

  router.add('POST', '/volumes/prune', async (exchange) => {
    const values = parseFilters(exchange.query.get('filters'), ['all', 'label']);
    if (values('label')) throw badRequest('volume prune: the label filter is not supported by skiff yet');
    const all = /^(1|true)$/.test(values('all')?.[0] ?? '');
    exchange.send(200, { VolumesDeleted: await volumes().prune({ all }), SpaceReclaimed: 0 });
  });

  router.add('GET', '/volumes/:name', async (exchange) => exchange.send(200, await view(exchange.params.name!)));

  router.add('DELETE', '/volumes/:name', async (exchange) => {
    await volumes().remove(exchange.params.name!, { force: flag(exchange, 'force') });
    exchange.send(204);
  });
}
