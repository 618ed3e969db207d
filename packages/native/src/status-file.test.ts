import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readStatusFile } from './status-file.js';

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-status-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('readStatusFile', () => {
  it('reads the line the supervisor writes', async () => {
    const file = join(scratch(), 'exit.json');
    writeFileSync(file, '{"exitCode":143,"finishedAtMs":1700000000123}\n');
    expect(await readStatusFile(file)).toEqual({ exitCode: 143, finishedAtMs: 1700000000123 });
  });

  it('is undefined while there is no file', async () => {
    expect(await readStatusFile(join(scratch(), 'missing.json'))).toBeUndefined();
  });

  it('refuses something else', async () => {
    const file = join(scratch(), 'exit.json');
    writeFileSync(file, '{"code":1}\n');
    await expect(readStatusFile(file)).rejects.toThrow(/not an exit status/);
  });
});
