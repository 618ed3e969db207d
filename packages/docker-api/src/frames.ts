import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * docker's multiplexed stream (attach and logs without a tty): each chunk goes out behind an 8-byte header —
 * byte 0 the stream (0 stdin, 1 stdout, 2 stderr), bytes 1-3 zero, bytes 4-7 the length, big-endian.
 */
export function frame(stream: 1 | 2, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Where container output goes: framed (no tty) or raw (tty), to one client stream. */
export interface Sink {
  stream: Writable;
  stdout: boolean;
  stderr: boolean;
}

/**
 * Copies a process's stdout and stderr to the sinks (framed unless `tty`), pausing the sources while a sink is
 * full; resolves once both have ended. Output goes on being read (and dropped) when no sink is left, so a
 * client that leaves never blocks the container on a full pipe.
 */
export function fanOut(stdout: Readable, stderr: Readable, tty: boolean, sinks: Set<Sink>): Promise<void> {
  const copy = (source: Readable, id: 1 | 2) =>
    new Promise<void>((resolve) => {
      source.on('data', (chunk: Buffer) => {
        for (const sink of sinks) {
          if (!(id === 1 ? sink.stdout : sink.stderr) || sink.stream.destroyed || sink.stream.writableEnded) continue;
          if (!sink.stream.write(tty ? chunk : frame(id, chunk))) {
            source.pause();
            sink.stream.once('drain', () => source.resume());
            sink.stream.once('close', () => source.resume());
          }
        }
      });
      // finished() also settles for a stream that closed before anyone listened: a child's empty stderr is
      // destroyed at EOF without an 'end' when nothing reads it (Node's net.Socket without allowHalfOpen).
      finished(source).then(resolve, () => resolve());
    });
  return Promise.all([copy(stdout, 1), copy(stderr, 2)]).then(() => undefined);
}
