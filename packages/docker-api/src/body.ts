import type { Readable } from 'node:stream';
import { ApiError, badRequest } from './errors.js';

/** Largest JSON body accepted (a create body with a big environment is a few kB; docker's CLI never nears this). */
export const MAX_BODY_BYTES = 1 << 20;
/** Deepest nesting accepted: docker's bodies are 4 levels deep; more is an attack on the parser's stack. */
export const MAX_DEPTH = 32;

/** Reads at most MAX_BODY_BYTES from `input`; a larger body is refused (413) without reading the rest. */
export async function readBody(input: Readable, prefix: Buffer = Buffer.alloc(0), length?: number): Promise<Buffer> {
  if (length !== undefined && length > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = prefix.length ? [prefix] : [];
  let size = prefix.length;
  if (length !== undefined && size >= length) return prefix;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    if (length !== undefined && size >= length) break;
  }
  return Buffer.concat(chunks);
}

const tooLarge = () => new ApiError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);

/**
 * Parses a JSON object body; an empty body is `{}`. The nesting depth is checked on the text before JSON.parse
 * (whose recursion a deep enough document would exhaust).
 */
export function parseJsonObject(bytes: Buffer): Record<string, unknown> {
  const text = bytes.toString('utf8').trim();
  if (text === '') return {};
  checkDepth(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`invalid JSON body: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('the request body must be a JSON object');
  return value as Record<string, unknown>;
}

function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) throw badRequest(`JSON body nested deeper than ${MAX_DEPTH} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}
