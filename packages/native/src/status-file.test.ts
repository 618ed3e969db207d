import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readStatusFile, reserveStatusFile, STATUS_FILE_SIZE, writeStatusFile } from './status-file.js';

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

describe('reserveStatusFile and writeStatusFile', () => {
  // Pins the full-disk fault: the status is written over space taken before the start, never grown.
  it('reserves the file blank at its final size; the status overwrites it in place, same size', async () => {
    const file = join(scratch(), 'exit.json');
    reserveStatusFile(file);
    expect(statSync(file).size).toBe(STATUS_FILE_SIZE);
    expect(await readStatusFile(file)).toBeUndefined();
    const { ino } = statSync(file);
    writeStatusFile(file, { exitCode: -2147483648, finishedAtMs: 99999999999999 });
    expect(statSync(file)).toMatchObject({ size: STATUS_FILE_SIZE, ino });
    expect(await readStatusFile(file)).toEqual({ exitCode: -2147483648, finishedAtMs: 99999999999999 });
  });
});
