/**
 * Frames of a detached container's attach socket (c/attach.c serves it; keep in sync). Both directions:
 *
 *   [type] [0] [0] [0] [length, 4 bytes big-endian] [length bytes]
 *
 * supervisor → client: STDOUT (with a tty: everything), STDERR, EXIT (the exit code in decimal; the last frame).
 * client → supervisor: STDIN (dropped unless the container was started with -i), RESIZE ("COLS ROWS").
 */
export const AttachFrame = { STDIN: 0, STDOUT: 1, STDERR: 2, EXIT: 3, RESIZE: 3 } as const;

/** The attach socket's name in the container's directory. */
export const ATTACH_SOCKET = 'attach.sock';

const HEADER = 8;
/** Largest frame a client sends (the supervisor reads any length; this only bounds our own buffers). */
export const MAX_STDIN_FRAME = 65536;

export function encodeFrame(type: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(HEADER);
  head[0] = type;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

export interface Frame {
  type: number;
  payload: Buffer;
}

/**
 * Splits a byte stream into frames, whatever the chunking. A header with nonzero padding bytes is a protocol
 * error (throws): the peer is not a supervisor. Payloads larger than `maxPayload` are refused the same way.
 */
export class FrameDecoder {
  #pending: Buffer = Buffer.alloc(0);
  constructor(private readonly maxPayload = 1 << 24) {}

  push(chunk: Buffer): Frame[] {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.#pending.length >= HEADER) {
      const head = this.#pending;
      if (head[1] || head[2] || head[3]) throw new Error('attach socket: not a frame header');
      const length = head.readUInt32BE(4);
      if (length > this.maxPayload) throw new Error(`attach socket: frame of ${length} bytes`);
      if (head.length < HEADER + length) break;
      frames.push({ type: head[0]!, payload: head.subarray(HEADER, HEADER + length) });
      this.#pending = head.subarray(HEADER + length);
    }
    return frames;
  }
}
