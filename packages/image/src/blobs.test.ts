import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { tempDir } from '../../../test/support.js';
import { createBlobStore } from './blobs.js';
import { sha256 } from './registry/digest.js';

const bytes = Buffer.from('0123456789abcdefghij');
const digest = sha256(bytes);

describe('blob store: partial downloads', () => {
  it('continues a kept partial from its length, hashing it with the rest', async () => {
    const root = tempDir();
    const store = createBlobStore(root);
    mkdirSync(join(root, 'blobs', '.partial'), { recursive: true });
    writeFileSync(join(root, 'blobs', '.partial', digest.slice(7)), bytes.subarray(0, 7));
    const offsets: number[] = [];
    const path = await store.ingest(digest, async (offset) => (offsets.push(offset), { stream: Readable.from([bytes.subarray(offset)]), offset }), { size: bytes.length });
    expect(offsets).toEqual([7]);
    expect(readFileSync(path)).toEqual(bytes);
  });

  it('a partial that is no prefix of the blob fails verification and is dropped; the next ingest starts over', async () => {
    const root = tempDir();
    const store = createBlobStore(root);
    const partial = join(root, 'blobs', '.partial', digest.slice(7));
    mkdirSync(join(root, 'blobs', '.partial'), { recursive: true });
    writeFileSync(partial, 'XXXXXXX');
    const open = async (offset: number) => ({ stream: Readable.from([bytes.subarray(offset)]), offset });
    const error = await store.ingest(digest, open, { size: bytes.length }).catch((caught: unknown) => caught);
    expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(existsSync(partial)).toBe(false);
    expect(readFileSync(await store.ingest(digest, open, { size: bytes.length }))).toEqual(bytes);
  });

  it('a server that ignores the range (offset 0) rewrites the partial from the start', async () => {
    const root = tempDir();
    const store = createBlobStore(root);
    mkdirSync(join(root, 'blobs', '.partial'), { recursive: true });
    writeFileSync(join(root, 'blobs', '.partial', digest.slice(7)), 'garbage that is long');
    const path = await store.ingest(digest, async () => ({ stream: Readable.from([bytes]), offset: 0 }), { size: bytes.length });
    expect(readFileSync(path)).toEqual(bytes);
  });
});
