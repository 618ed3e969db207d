import { EVENT_FILTERS, eventMatcher } from '@skiff/core';
import type { DockerApiBackend } from '../backend.js';
import { parseFilters } from '../filters.js';
import type { Router } from '../router.js';
import { seconds } from './containers.js';

/** GET /events: skiff's events journal (what `skiff events` reads), as docker's newline-delimited JSON stream. */
export function eventRoutes(router: Router, backend: DockerApiBackend): void {
  router.add('GET', '/events', async (exchange) => {
    const values = parseFilters(exchange.query.get('filters'), [...EVENT_FILTERS]);
    const match = eventMatcher(values);
    const ms = (name: string) => {
      const ns = seconds(exchange.query.get(name));
      return ns === undefined ? undefined : Number(ns / 1_000_000n);
    };
    const since = ms('since');
    const until = ms('until');
    const out = exchange.stream(200, 'application/json');
    try {
      for await (const event of backend.skiff.events({ since, until, signal: exchange.closed })) {
        if (match(event)) out.write(`${JSON.stringify(event)}\n`);
      }
    } catch (error) {
      if (!exchange.closed.aborted) throw error;
    }
    out.end();
  });
}
