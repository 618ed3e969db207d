/**
 * Extended attributes of a layer's entries, read from the tar stream itself: node-tar parses PAX records but
 * keeps only the fields it knows, so `SCHILY.xattr.NAME=VALUE` records (how docker and GNU tar carry xattrs, among
 * them `security.capability`, which `ping` in a Debian image needs) never reach its entries. This scanner walks
 * the 512-byte tar blocks alongside the extraction (it sees the same bytes) and remembers, per entry path, the
 * xattrs of the allowed names. Values are raw bytes (a capability is binary).
 *
 * Only names in ALLOWED are kept: `security.capability` and `user.*`. Others (trusted.*, security.selinux, ...)
 * are dropped, as they would let a layer set what the host's overlay or LSM reads.
 */
const BLOCK = 512;
/** A PAX header or GNU long name larger than this is not read for xattrs (the extraction still refuses or takes it). */
const MAX_EXTENDED = 1024 * 1024;
const ALLOWED = (name: string) => /^(security\.capability|user\.[A-Za-z0-9._-]+)$/.test(name);

export type Xattrs = Map<string, Map<string, Buffer>>;

/** `allowed` picks the names kept (default ALLOWED; the exporter asks for overlay's opaque marker). */
export function createXattrScanner(allowed: (name: string) => boolean = ALLOWED) {
  const found: Xattrs = new Map();
  let pending = Buffer.alloc(0);
  let skip = 0; // body bytes still to pass over
  let collect: { type: 'x' | 'L'; left: number; padded: number; chunks: Buffer[] } | undefined;
  let paxPath: string | undefined;
  let longName: string | undefined;
  let xattrs = new Map<string, Buffer>();

  const header = (block: Buffer) => {
    if (block.every((byte) => byte === 0)) return;
    const size = readSize(block.subarray(124, 136));
    const type = String.fromCharCode(block[156]!);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if ((type === 'x' || type === 'L') && size <= MAX_EXTENDED) {
      collect = { type, left: size, padded: padded - size, chunks: [] };
      return;
    }
    skip = padded;
    if (type === 'g' || type === 'x' || type === 'L' || type === 'K') return;
    const name = text(block.subarray(0, 100));
    const prefix = block.subarray(257, 262).toString('latin1') === 'ustar' ? text(block.subarray(345, 500)) : '';
    const path = normalise(paxPath ?? longName ?? (prefix ? `${prefix}/${name}` : name));
    if (xattrs.size > 0 && path) found.set(path, xattrs);
    paxPath = undefined;
    longName = undefined;
    xattrs = new Map();
  };

  const extended = (type: 'x' | 'L', body: Buffer) => {
    if (type === 'L') {
      longName = text(body);
      return;
    }
    for (const [key, value] of paxRecords(body)) {
      if (key === 'path') paxPath = value.toString('utf8');
      else if (key.startsWith('SCHILY.xattr.') && allowed(key.slice('SCHILY.xattr.'.length))) xattrs.set(key.slice('SCHILY.xattr.'.length), value);
    }
  };

  return {
    /** Feeds the next bytes of the uncompressed tar. */
    push(chunk: Buffer): void {
      let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (skip > 0) {
          const n = Math.min(skip, data.length);
          skip -= n;
          data = data.subarray(n);
          if (skip > 0) break;
        }
        if (collect) {
          const n = Math.min(collect.left, data.length);
          collect.chunks.push(Buffer.from(data.subarray(0, n)));
          collect.left -= n;
          data = data.subarray(n);
          if (collect.left > 0) break;
          extended(collect.type, Buffer.concat(collect.chunks));
          skip = collect.padded;
          collect = undefined;
          continue;
        }
        if (data.length < BLOCK) break;
        header(data.subarray(0, BLOCK));
        data = data.subarray(BLOCK);
      }
      pending = Buffer.from(data);
    },
    /** Entry path (as the extraction normalises it) -> xattr name -> value. */
    result: (): Xattrs => found,
  };
}

/** `LEN key=value\n` records; LEN counts the whole record in bytes. A malformed record ends the list. */
function paxRecords(body: Buffer): [string, Buffer][] {
  const records: [string, Buffer][] = [];
  let offset = 0;
  while (offset < body.length) {
    const space = body.indexOf(0x20, offset);
    const length = Number(body.subarray(offset, space).toString('latin1'));
    if (space < 0 || !Number.isInteger(length) || length <= 0 || offset + length > body.length) break;
    const record = body.subarray(space + 1, offset + length - 1); // without the trailing newline
    const equals = record.indexOf(0x3d);
    if (equals > 0) records.push([record.subarray(0, equals).toString('utf8'), Buffer.from(record.subarray(equals + 1))]);
    offset += length;
  }
  return records;
}

/** A size field: octal text, or base-256 when the high bit of the first byte is set. */
function readSize(field: Buffer): number {
  if (field[0]! & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  return parseInt(text(field).trim() || '0', 8) || 0;
}

const text = (field: Buffer) => {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
};

/** `./usr/bin/ping` -> `usr/bin/ping`; `dir/` -> `dir`. */
const normalise = (path: string) => path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
