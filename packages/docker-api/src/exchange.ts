import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex, type Readable, type Writable } from 'node:stream';
import { parseJsonObject, readBody, MAX_BODY_BYTES } from './body.js';
import { ApiError, describeError } from './errors.js';

/**
 * One request, as a handler sees it: the same for a plain HTTP request and for one that asked to be upgraded
 * (`Upgrade: tcp`, which the docker CLI sends for attach and exec start), so every route answers both ways.
 */
export interface Exchange {
  method: string;
  /** The path without its `/v1.xx` prefix. */
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The JSON object body (`{}` when empty); 400 when it is not one, 413 when too large. */
  json(): Promise<Record<string, unknown>>;
  /** The raw request body (a tar for PUT archive, images/load), unread. */
  body(): Readable;
  /** A complete response: `body` as JSON, or none (204/304, HEAD). */
  send(status: number, body?: unknown, headers?: Record<string, string>): void;
  /** A complete plain-text response. */
  sendText(status: number, text: string, headers?: Record<string, string>): void;
  /** Starts a streamed response (logs, pull progress, wait); end the writable to finish it. */
  stream(status: number, contentType: string, headers?: Record<string, string>): Writable;
  /** Takes over the connection for a raw two-way stream (docker's hijack); stdin arrives on it until half-close. */
  hijack(): Duplex;
  /** Aborts when the client goes away. */
  readonly closed: AbortSignal;
  readonly answered: boolean;
}

const RAW_STREAM = 'application/vnd.docker.raw-stream';
const REASONS: Record<number, string> = { 101: 'UPGRADED', 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 500: 'Internal Server Error', 501: 'Not Implemented' };

const basics = (request: IncomingMessage, path: string, query: URLSearchParams) => ({ method: request.method ?? 'GET', path, query, params: {}, headers: request.headers });

/** An exchange over node:http's request and response. */
export function httpExchange(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams): Exchange {
  const controller = new AbortController();
  response.on('close', () => controller.abort());
  let answered = false;
  const complete = (status: number, type: string, text: string, headers: Record<string, string>) =>
    response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), ...headers }).end(text);
  return {
    ...basics(request, path, query),
    async json() {
      return parseJsonObject(await readBody(request, undefined, contentLength(request.headers)));
    },
    body: () => request,
    send(status, body, headers = {}) {
      answered = true;
      if (body === undefined) response.writeHead(status, headers).end();
      else complete(status, 'application/json', `${JSON.stringify(body)}\n`, headers);
    },
    sendText(status, text, headers = {}) {
      answered = true;
      complete(status, 'text/plain; charset=utf-8', text, headers);
    },
    stream(status, contentType, headers = {}) {
      answered = true;
      response.writeHead(status, { 'Content-Type': contentType, ...headers });
      response.flushHeaders();
      return response;
    },
    hijack() {
      answered = true;
      response.writeHead(200, { 'Content-Type': RAW_STREAM });
      response.flushHeaders();
      return Duplex.from({ readable: request, writable: response });
    },
    closed: controller.signal,
    get answered() {
      return answered;
    },
  };
}

/**
 * An exchange over an upgrade request's socket (node:http hands it over raw): responses are written by hand,
 * and the request body (exec start has one) is read off the socket, the rest left there as stdin.
 */
export function upgradeExchange(request: IncomingMessage, socket: Socket, head: Buffer, path: string, query: URLSearchParams): Exchange {
  const controller = new AbortController();
  socket.on('close', () => controller.abort());
  socket.on('error', () => {});
  let answered = false;
  const writeHead = (status: number, headers: Record<string, string | number>) => {
    answered = true;
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Unknown'}\r\n${lines.join('')}\r\n`);
  };
  const complete = (status: number, type: string | undefined, text: string, headers: Record<string, string>) => {
    writeHead(status, { ...(type ? { 'Content-Type': type } : {}), 'Content-Length': Buffer.byteLength(text), Connection: 'close', ...headers });
    socket.end(request.method === 'HEAD' ? '' : text);
  };
  return {
    ...basics(request, path, query),
    async json() {
      const length = contentLength(request.headers) ?? 0;
      // Node hands the body over with the socket (in `head`, then on the socket); Bun (1.x) delivers it on the
      // request stream, which is then not yet complete, and passes only what follows the body on the socket.
      if (!request.complete && length > 0) return parseJsonObject(await readBody(request, undefined, length));
      return parseJsonObject(await readExactly(socket, head, length));
    },
    body() {
      throw new ApiError(400, `${request.method} ${path} takes no upgraded connection`);
    },
    send(status, body, headers = {}) {
      complete(status, body === undefined ? undefined : 'application/json', body === undefined ? '' : `${JSON.stringify(body)}\n`, headers);
    },
    sendText(status, text, headers = {}) {
      complete(status, 'text/plain; charset=utf-8', text, headers);
    },
    stream(status, contentType, headers = {}) {
      writeHead(status, { 'Content-Type': contentType, Connection: 'close', ...headers });
      return socket;
    },
    hijack() {
      writeHead(101, { 'Content-Type': RAW_STREAM, Connection: 'Upgrade', Upgrade: 'tcp' });
      return socket;
    },
    closed: controller.signal,
    get answered() {
      return answered;
    },
  };
}

function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['content-length'];
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new ApiError(400, `bad Content-Length ${JSON.stringify(value)}`);
  return Number(value);
}

/** Exactly `length` bytes (head first, then the socket); what follows them is put back on the socket. */
function readExactly(socket: Socket, head: Buffer, length: number): Promise<Buffer> {
  if (length > MAX_BODY_BYTES) return Promise.reject(new ApiError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
  if (head.length >= length) {
    if (head.length > length) socket.unshift(head.subarray(length));
    return Promise.resolve(head.subarray(0, length));
  }
  return new Promise((resolve, reject) => {
    const chunks = [head];
    let size = head.length;
    const done = (error?: Error) => {
      socket.off('data', onData).off('end', onEnd).off('error', done);
      socket.pause();
      if (error) reject(error);
    };
    const onEnd = () => done(new ApiError(400, 'the request body ended early'));
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size < length) return;
      done();
      const all = Buffer.concat(chunks);
      if (all.length > length) socket.unshift(all.subarray(length));
      resolve(all.subarray(0, length));
    };
    socket.on('data', onData).on('end', onEnd).on('error', done);
    socket.resume();
  });
}

/** Answers with docker's error shape, unless the response has already begun (then the connection is cut). */
export function answerError(exchange: Exchange, error: unknown, destroy: () => void): void {
  const { status, message } = describeError(error);
  if (exchange.answered) {
    destroy();
    return;
  }
  exchange.send(status, { message });
}
