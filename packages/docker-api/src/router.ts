import type { Exchange } from './exchange.js';

export type Handler = (exchange: Exchange) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/**
 * Method + path routing. `:name` matches one segment; `:name*` one or more (image names hold '/'), as long as
 * the rest of the pattern still matches. Routes are tried in the order added.
 */
export class Router {
  readonly #routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)(\*?)/g, (_, key: string, greedy: string) => {
      keys.push(key);
      return greedy ? '(.+)' : '([^/]+)';
    });
    this.#routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  /** The handler for a request and the path's parameters; undefined when no route matches (`allowed` lists the methods that would). */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | { allowed: string[] } {
    const allowed: string[] = [];
    for (const route of this.#routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => (params[key] = decodeURIComponent(found[i + 1]!)));
      return { handler: route.handler, params };
    }
    return { allowed };
  }
}
