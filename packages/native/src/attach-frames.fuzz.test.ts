import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from './attach-frames.js';

describe('attach frames', () => {
  it('decode what was encoded, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.integer({ min: 0, max: 3 }), payload: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames.map((f) => encodeFrame(f.type, Buffer.from(f.payload))));
          const decoder = new FrameDecoder();
          const out: { type: number; payload: Buffer }[] = [];
          for (let at = 0, i = 0; at < stream.length; i++) {
            const next = Math.min(stream.length, at + cuts[i % cuts.length]!);
            out.push(...decoder.push(stream.subarray(at, next)));
            at = next;
          }
          expect(out.map((f) => [f.type, [...f.payload]])).toEqual(frames.map((f) => [f.type, [...f.payload]]));
        },
      ),
    );
  });

  it('refuses a stream that is not frames', () => {
    expect(() => new FrameDecoder().push(Buffer.from('hello world!'))).toThrow(/not a frame header/);
    expect(() => new FrameDecoder(10).push(encodeFrame(1, Buffer.alloc(11)))).toThrow(/frame of 11 bytes/);
  });
});
