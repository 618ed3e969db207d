/** Test helper (not exported): hand-built tar archives, so tests can make entries no well-behaved tar would. */
import { gzipSync } from 'node:zlib';

export interface FixtureEntry {
  path: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'fifo';
  content?: string | Buffer;
  linkpath?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Extended attributes, written as a PAX header (`SCHILY.xattr.NAME=VALUE`) before the entry, as docker does. */
  xattrs?: Record<string, Buffer>;
}

const TYPEFLAG = { file: '0', hardlink: '1', symlink: '2', char: '3', dir: '5', fifo: '6', pax: 'x' } as const;

/** A PAX record: `LEN key=value\n`, LEN counting the whole record (itself included). */
function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let length = rest.length + 1;
  while (String(length).length + rest.length !== length) length++;
  return Buffer.concat([Buffer.from(String(length)), rest]);
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A ustar archive of `entries`, in order; `gzip` compresses it. Paths and link targets up to 100 bytes. */
export function buildTar(entries: FixtureEntry[], options: { gzip?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  const expanded = entries.flatMap((entry): (FixtureEntry | { path: string; type: 'pax'; content: Buffer })[] =>
    entry.xattrs
      ? [{ path: 'PaxHeader', type: 'pax', content: Buffer.concat(Object.entries(entry.xattrs).map(([name, value]) => paxRecord(`SCHILY.xattr.${name}`, value))) }, entry]
      : [entry],
  );
  for (const entry of expanded) {
    const type = entry.type ?? 'file';
    const content = type === 'file' || type === 'pax' ? (entry.content ?? '') : '';
    const body = typeof content === 'string' ? Buffer.from(content) : content;
    const header = Buffer.alloc(512);
    const put = (text: string, offset: number, width: number) => {
      const bytes = Buffer.from(text);
      if (bytes.length > width) throw new Error(`fixture field too long: ${text}`);
      bytes.copy(header, offset);
    };
    put(entry.path, 0, 100);
    put(octal(('mode' in entry ? entry.mode : undefined) ?? (type === 'dir' ? 0o755 : 0o644), 8), 100, 8);
    put(octal(('uid' in entry ? entry.uid : undefined) ?? 0, 8), 108, 8);
    put(octal(('gid' in entry ? entry.gid : undefined) ?? 0, 8), 116, 8);
    put(octal(body.length, 12), 124, 12);
    put(octal(1_700_000_000, 12), 136, 12);
    put('        ', 148, 8);
    put(TYPEFLAG[type], 156, 1);
    put('linkpath' in entry ? (entry.linkpath ?? '') : '', 157, 100);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    put('root', 265, 32);
    put('root', 297, 32);
    let sum = 0;
    for (const byte of header) sum += byte;
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  const archive = Buffer.concat(blocks);
  return options.gzip ? gzipSync(archive) : archive;
}
