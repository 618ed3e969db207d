import { badRequest } from './errors.js';

/**
 * docker's `filters` query: JSON, `{"name":["web"]}` (older clients: `{"name":{"web":true}}`). Returns each
 * key's values (undefined when absent); keys outside `known` are a 400, as docker answers.
 */
export function parseFilters(text: string | null, known: string[]): (key: string) => string[] | undefined {
  let filters: unknown = {};
  if (text) {
    try {
      filters = JSON.parse(text);
    } catch {
      throw badRequest(`invalid filters: ${JSON.stringify(text)}`);
    }
  }
  if (filters === null || typeof filters !== 'object' || Array.isArray(filters)) throw badRequest('filters must be a JSON object');
  const map = filters as Record<string, unknown>;
  for (const key of Object.keys(map)) if (!known.includes(key)) throw badRequest(`invalid filter '${key}'`);
  return (key) => {
    const value = map[key];
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return value.map(String);
    if (value && typeof value === 'object') return Object.keys(value);
    throw badRequest(`invalid filter ${key}`);
  };
}
