export type Stream = 'stdout' | 'stderr';

export interface LogLine {
  stream: Stream;
  /** Nanoseconds since the epoch when the supervisor read it. */
  timeNs: bigint;
  /** One line including its '\n' (the last line of a stream may lack it). */
  data: Buffer;
}

/**
 * Splits records into lines per stream, so `--tail` and `-t` work on lines as docker's do. A line's time is
 * the time of the record that holds its first byte; lines come out in the order of their '\n', and `flush`
 * gives the unterminated rest, stdout before stderr.
 */
export class LineSplitter {
  readonly #pending = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  readonly #time = { stdout: 0n, stderr: 0n };

  /** Starts a stream in the middle of a line: `data` (read earlier, from `timeNs` on) is its beginning. */
  seed(stream: Stream, timeNs: bigint, data: Buffer): void {
    this.#pending[stream] = [data];
    this.#time[stream] = timeNs;
  }

  push(stream: Stream, timeNs: bigint, data: Buffer): LogLine[] {
    const lines: LogLine[] = [];
    let start = 0;
    if (this.#pending[stream].length === 0) this.#time[stream] = timeNs;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
      const piece = Buffer.concat([...this.#pending[stream], data.subarray(start, newline + 1)]);
      this.#pending[stream] = [];
      lines.push({ stream, timeNs: this.#time[stream], data: piece });
      this.#time[stream] = timeNs;
      start = newline + 1;
    }
    if (start < data.length) this.#pending[stream].push(data.subarray(start));
    return lines;
  }

  flush(): LogLine[] {
    const lines: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#pending[stream].length) lines.push({ stream, timeNs: this.#time[stream], data: Buffer.concat(this.#pending[stream]) });
      this.#pending[stream] = [];
    }
    return lines;
  }
}
