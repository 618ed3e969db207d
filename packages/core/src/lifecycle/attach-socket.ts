import { closeSync, openSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { dirname, basename } from 'node:path';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { AttachFrame, encodeFrame, FrameDecoder, MAX_STDIN_FRAME } from '@skiff/native';
import { SkiffError } from '@skiff/plugin';
import { files, isAlive, type Host } from './host.js';
import { reconcile } from './reconcile.js';

/** `skiff attach`: the streams of a detached container, served by its supervisor's attach socket. */
export interface ContainerAttachment {
  /** To the container's stdin (kept only if it was started with -i); end() leaves the container's stdin open. */
  stdin: Writable;
  stdout: Readable;
  /** Empty with a tty. */
  stderr: Readable;
  resize(cols: number, rows: number): void;
  /** The container's exit code once it exits; undefined if we detached (or the supervisor went away) first. */
  exit: Promise<number | undefined>;
  /** Leaves the container running and ends the attachment. */
  detach(): void;
  tty: boolean;
  interactive: boolean;
}

/**
 * Connects to the attach socket through /proc/self/fd/N/NAME (N: its directory), so a state root of any
 * length fits a unix socket address.
 */
function connect(path: string): Promise<Socket> {
  const dir = openSync(dirname(path), 'r');
  return new Promise<Socket>((resolve, reject) => {
    const socket = createConnection(`/proc/self/fd/${dir}/${basename(path)}`);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  }).finally(() => closeSync(dir));
}

export async function attachContainer(host: Host, reference: string): Promise<ContainerAttachment> {
  const found = await host.store.resolve(reference);
  const record = (await reconcile(host, found)) ?? found;
  if (record.status !== 'running' || !isAlive(record)) {
    throw new SkiffError('FAILED_PRECONDITION', 'You cannot attach to a stopped container, start it first', { hint: `skiff start ${record.name}` });
  }
  const notServed = () =>
    new SkiffError('FAILED_PRECONDITION', `container ${record.name} was not started detached: its stdio belongs to the skiff process that runs it`, {
      hint: 'only containers started with -d (or skiff start) can be attached to',
    });
  if (!record.detached) throw notServed();
  let socket: Socket;
  try {
    socket = await connect(files(host, record.id).attachSocket);
  } catch (error) {
    throw (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? notServed() : error;
  }
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const decoder = new FrameDecoder();
  let exitCode: number | undefined;
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch (error) {
      socket.destroy(error as Error);
      return;
    }
    for (const frame of frames) {
      if (frame.type === AttachFrame.STDOUT) stdout.write(frame.payload);
      else if (frame.type === AttachFrame.STDERR) stderr.write(frame.payload);
      else if (frame.type === AttachFrame.EXIT) exitCode = Number(frame.payload.toString());
    }
  });
  const exit = new Promise<number | undefined>((resolve) => {
    socket.once('close', () => {
      stdout.end();
      stderr.end();
      resolve(exitCode);
    });
  });
  socket.on('error', () => {}); // 'close' follows and settles `exit`
  const stdin = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (socket.destroyed) return callback();
      for (let at = 0; at < chunk.length; at += MAX_STDIN_FRAME) socket.write(encodeFrame(AttachFrame.STDIN, chunk.subarray(at, at + MAX_STDIN_FRAME)));
      callback();
    },
  });
  return {
    stdin,
    stdout,
    stderr,
    exit,
    tty: record.config.tty,
    interactive: record.config.interactive,
    resize(cols, rows) {
      if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols <= 0 || rows <= 0 || cols > 65535 || rows > 65535) {
        throw new SkiffError('INVALID_ARGUMENT', `bad terminal size ${cols}x${rows}`, { hint: 'columns and rows are integers from 1 to 65535' });
      }
      if (!socket.destroyed) socket.write(encodeFrame(AttachFrame.RESIZE, `${cols} ${rows}`));
    },
    detach() {
      socket.end(); // after the input written before it; the supervisor then drops us and 'close' follows
    },
  };
}
