/**
 * /networks: skiff's bridge networks (what `skiff network` does), plus docker's built-in `host` and `none`. Each
 * handler maps onto the network manager or the library's connect/disconnect.
 */
import { labelMatches } from '@skiff/core';
import { inspectNetwork, type NetworkRecord } from '@skiff/network';
import type { DockerApiBackend } from '../backend.js';
import { ApiError, badRequest } from '../errors.js';
import { parseFilters } from '../filters.js';
import type { Router } from '../router.js';

type Json = Record<string, unknown>;

/** docker's built-in networks that are no bridge: listed and inspected, never created or removed. */
const BUILT_IN: Json[] = [
  { Name: 'host', Id: 'host', Created: '0001-01-01T00:00:00Z', Scope: 'local', Driver: 'host', EnableIPv6: false, IPAM: { Driver: 'default', Options: null, Config: [] }, Internal: false, Attachable: false, Containers: {}, Options: {}, Labels: {} },
  { Name: 'none', Id: 'none', Created: '0001-01-01T00:00:00Z', Scope: 'local', Driver: 'null', EnableIPv6: false, IPAM: { Driver: 'default', Options: null, Config: [] }, Internal: false, Attachable: false, Containers: {}, Options: {}, Labels: {} },
];

const text = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`${field} must be a string`);
  return value;
};

export function networkRoutes(router: Router, backend: DockerApiBackend): void {
  const { skiff } = backend;

  async function views(): Promise<Json[]> {
    const networks = await skiff.networks();
    return [...networks.list().map((record: NetworkRecord) => inspectNetwork(networks, record) as Json), ...BUILT_IN];
  }

  router.add('GET', '/networks', async (exchange) => {
    const values = parseFilters(exchange.query.get('filters'), ['name', 'id', 'driver', 'label', 'scope', 'type']);
    const any = (key: string, test: (value: string) => boolean) => (values(key) ?? []).length === 0 || values(key)!.some(test);
    const shown = (await views()).filter(
      (n) =>
        any('name', (name) => String(n.Name).includes(name)) &&
        any('id', (id) => String(n.Id).startsWith(id)) &&
        any('driver', (driver) => n.Driver === driver) &&
        any('scope', (scope) => scope === 'local') &&
        any('type', (type) => (type === 'builtin') === (n.Name === 'bridge' || n.Driver !== 'bridge')) &&
        (values('label') ?? []).every((label) => labelMatches(n.Labels as Record<string, string>, label)),
    );
    exchange.send(200, shown);
  });

  router.add('POST', '/networks/create', async (exchange) => {
    const body = await exchange.json();
    const name = text(body.Name, 'Name');
    if (!name) throw badRequest('Name is required');
    const driver = text(body.Driver, 'Driver') ?? 'bridge';
    if (driver !== 'bridge') throw badRequest(`network driver "${driver}" is not supported by skiff: use bridge`);
    if (body.EnableIPv6 === true) throw badRequest('EnableIPv6 is not supported by skiff');
    const ipam = (body.IPAM ?? {}) as { Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] };
    const config = Array.isArray(ipam.Config) ? ipam.Config : [];
    if (config.length > 1) throw badRequest('IPAM: skiff takes one subnet per network');
    if (config[0]?.IPRange) throw badRequest('IPAM.Config.IPRange is not supported by skiff');
    const labels = (body.Labels ?? {}) as Record<string, string>;
    if (typeof labels !== 'object' || Array.isArray(labels) || Object.values(labels).some((value) => typeof value !== 'string')) throw badRequest('Labels must be an object of strings');
    const networks = await skiff.networks();
    const record = await networks.create({
      name,
      subnet: text(config[0]?.Subnet, 'IPAM.Config.Subnet'),
      gateway: text(config[0]?.Gateway, 'IPAM.Config.Gateway'),
      internal: body.Internal === true,
      labels,
    });
    exchange.send(201, { Id: record.id, Warning: '' });
  });

  router.add('POST', '/networks/prune', async (exchange) => {
    parseFilters(exchange.query.get('filters'), []);
    exchange.send(200, { NetworksDeleted: await (await skiff.networks()).prune() });
  });

  router.add('GET', '/networks/:id', async (exchange) => {
    const builtIn = BUILT_IN.find((n) => n.Name === exchange.params.id);
    if (builtIn) return exchange.send(200, builtIn);
    const networks = await skiff.networks();
    exchange.send(200, inspectNetwork(networks, networks.find(exchange.params.id!)));
  });

  router.add('DELETE', '/networks/:id', async (exchange) => {
    if (BUILT_IN.some((n) => n.Name === exchange.params.id)) throw new ApiError(403, `${exchange.params.id} is a pre-defined network and cannot be removed`);
    await (await skiff.networks()).remove(exchange.params.id!);
    exchange.send(204);
  });

  for (const verb of ['connect', 'disconnect'] as const) {
    router.add('POST', `/networks/:id/${verb}`, async (exchange) => {
      const body = await exchange.json();
      const container = text(body.Container, 'Container');
      if (!container) throw badRequest('Container is required');
      if (verb === 'disconnect') {
        await skiff.disconnect(container, exchange.params.id!);
        return exchange.send(200);
      }
      const endpoint = (body.EndpointConfig ?? {}) as { Aliases?: unknown; IPAMConfig?: unknown };
      if (endpoint.IPAMConfig && Object.values(endpoint.IPAMConfig).some(Boolean)) throw badRequest('EndpointConfig.IPAMConfig is not supported by skiff');
      const aliases = Array.isArray(endpoint.Aliases) ? endpoint.Aliases.map(String) : [];
      await skiff.connect(container, exchange.params.id!, { aliases });
      exchange.send(200);
    });
  }
}
