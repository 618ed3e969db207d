import { describe, expect, it } from 'vitest';
import { parseFilters } from '../flags/filters.js';
import { formatList } from '../template/index.js';
import { NETWORK_FILTERS, NETWORK_HEADER, NETWORK_TABLE, networkMatches, networkRow, type NetworkListing } from './network-rows.js';

const front: NetworkListing = { id: 'f'.repeat(64), name: 'front', driver: 'bridge', internal: true, labels: { tier: 'web' }, created: '2026-01-01T00:00:00Z', type: 'custom' };
const none: NetworkListing = { id: 'none', name: 'none', driver: 'null', internal: false, labels: {}, created: '', type: 'builtin' };
const matching = (...words: string[]) => [front, none].filter((n) => networkMatches(n, parseFilters(words, NETWORK_FILTERS))).map((n) => n.name);

describe('network ls', () => {
  it("renders docker's table, its json and templates", () => {
    expect(formatList('table', [networkRow(front, true)], { table: NETWORK_TABLE, header: NETWORK_HEADER })).toBe(
      'NETWORK ID     NAME      DRIVER    SCOPE\nffffffffffff   front     bridge    local\n',
    );
    expect(formatList('{{.Name}} {{.Internal}} {{.Label "tier"}} {{.Labels}}', [networkRow(front, true)], { table: NETWORK_TABLE, header: NETWORK_HEADER })).toBe('front true web tier=web\n');
    expect(JSON.parse(formatList('{{json .}}', [networkRow(front, false)], { table: NETWORK_TABLE, header: NETWORK_HEADER }))).toMatchObject({ ID: 'f'.repeat(64), Driver: 'bridge', Scope: 'local' });
  });

  it('filters as docker: name part, id prefix, type, driver, labels', () => {
    expect(matching('name=ro')).toEqual(['front']);
    expect(matching('id=fff')).toEqual(['front']);
    expect(matching('type=builtin')).toEqual(['none']);
    expect(matching('driver=null', 'driver=bridge')).toEqual(['front', 'none']);
    expect(matching('label=tier=web')).toEqual(['front']);
    expect(() => matching('bogus=1')).toThrowError(/invalid filter 'bogus'/);
  });
});
