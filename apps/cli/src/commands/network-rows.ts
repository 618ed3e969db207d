import { struct } from '../template/index.js';
import { labelList } from './ps-rows.js';
import { labelsMatch, type Filters } from '../flags/filters.js';

/** What `network ls` lists: the networks of the root, and docker's host and none. */
export interface NetworkListing {
  id: string;
  name: string;
  driver: 'bridge' | 'host' | 'null';
  internal: boolean;
  labels: Record<string, string>;
  created: string;
  /** user (made by `network create`) or builtin (bridge, host, none), as docker's `type=` filter. */
  type: 'custom' | 'builtin';
}

const NETWORK_TYPE = '*formatter.networkContext';

/** docker's `network ls` template fields, in its `{{json .}}` order. */
export function networkRow(n: NetworkListing, trunc: boolean) {
  return struct(NETWORK_TYPE, {
    CreatedAt: n.created,
    Driver: n.driver,
    ID: trunc ? n.id.slice(0, 12) : n.id,
    IPv4: 'true',
    IPv6: 'false',
    Internal: String(n.internal),
    Labels: labelList(n.labels),
    Name: n.name,
    Scope: 'local',
    Label: (key: unknown) => (typeof key === 'string' && Object.hasOwn(n.labels, key) ? n.labels[key]! : ''),
  });
}

export const NETWORK_HEADER = struct(NETWORK_TYPE, {
  CreatedAt: 'CREATED',
  Driver: 'DRIVER',
  ID: 'NETWORK ID',
  IPv4: 'IPV4',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  Name: 'NAME',
  Scope: 'SCOPE',
  Label: (key: unknown) => String(key).toUpperCase(),
});

export const NETWORK_TABLE = '{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

export const NETWORK_FILTERS = ['driver', 'id', 'label', 'name', 'scope', 'type'] as const;

/** docker's network filters: name and id match a part (id: a prefix), type is custom or builtin, labels all must match. */
export function networkMatches(n: NetworkListing, filters: Filters): boolean {
  const any = (key: string, test: (value: string) => boolean) => !filters.has(key) || filters.get(key)!.some(test);
  return (
    any('driver', (value) => value === n.driver) &&
    any('id', (value) => n.id.startsWith(value)) &&
    any('name', (value) => n.name.includes(value)) &&
    any('scope', (value) => value === 'local') &&
    any('type', (value) => value === n.type) &&
    labelsMatch(n.labels, filters.get('label'))
  );
}
