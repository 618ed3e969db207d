import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/support.js';
import { parseLabels, readKeyValueFile } from './env-file.js';

describe('--env-file and --label-file (docker syntax)', () => {
  it('KEY=VALUE lines taken as written; comments, blank lines, leading space and a BOM skipped; bare KEY from the shell', () => {
    const dir = tempDir('skiff-test-envfile-');
    const file = join(dir, 'env');
    writeFileSync(file, '\uFEFF# comment\n\n   A=1\r\nB="quoted" # not a comment\nC=\nHOME\nUNSET\nD=x=y\n');
    expect(readKeyValueFile(file, '--env-file', { HOME: '/h' })).toEqual(['A=1', 'B="quoted" # not a comment', 'C=', 'HOME=/h', 'D=x=y']);
    expect(readKeyValueFile(file, '--label-file')).toEqual(['A=1', 'B="quoted" # not a comment', 'C=', 'HOME=', 'UNSET=', 'D=x=y']);
  });

  it('bad files are one clear line', () => {
    const dir = tempDir('skiff-test-envfile-');
    const bad = (text: string | Buffer) => {
      writeFileSync(join(dir, 'f'), text);
      return () => readKeyValueFile(join(dir, 'f'), '--env-file', {});
    };
    expect(bad('MY VAR=1\n')).toThrow(/variable "MY VAR" contains whitespaces \(line 1\)/);
    expect(bad('=1\n')).toThrow(/no variable name on line 1/);
    expect(bad(Buffer.from([0x41, 0x3d, 0xff, 0x0a]))).toThrow(/invalid utf8 bytes at line 1/);
    expect(() => readKeyValueFile(join(dir, 'missing'), '--env-file')).toThrow(/--env-file ".*missing": no such file/);
  });

  it('labels: files first, then -l; a later key wins; KEY alone is an empty value', () => {
    const dir = tempDir('skiff-test-envfile-');
    writeFileSync(join(dir, 'labels'), 'a=1\nb=2\n');
    expect(parseLabels([join(dir, 'labels')], ['b=3', 'c'])).toEqual({ a: '1', b: '3', c: '' });
    expect(() => parseLabels([], ['=x'])).toThrow(/invalid label "=x"/);
  });
});
