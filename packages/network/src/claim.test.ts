import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimed, claimFile } from './claim.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('claimFile', () => {
  it('creates the file with its content at once, exactly once, and leaves no temp name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-claim-'));
    dirs.push(dir);
    expect(claimFile(join(dir, '10.0.0.2'), 'a')).toBe(true);
    expect(claimFile(join(dir, '10.0.0.2'), 'b')).toBe(false);
    expect(readFileSync(join(dir, '10.0.0.2'), 'utf8')).toBe('a');
    expect(readdirSync(dir)).toEqual(['10.0.0.2']);
    expect(claimed(['.10.0.0.3.1.0', '10.0.0.2'])).toEqual(['10.0.0.2']);
  });
});
