import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { tempDir } from '../../../test/support.js';
import { checkStaticBusybox, hasElfInterpreter } from './busybox.js';

describe('busybox checks', () => {
  it('tells static from dynamic ELF executables', async () => {
    expect(await hasElfInterpreter(process.execPath)).toBe(true); // node is dynamically linked
    const dir = tempDir();
    writeFileSync(join(dir, 'script'), '#!/bin/sh\n');
    expect(await hasElfInterpreter(join(dir, 'script'))).toBeUndefined();
  });

  it('refuses a missing busybox with the apt-get hint', async () => {
    const error = await checkStaticBusybox('/nonexistent/busybox').catch((error: unknown) => error);
    expect(SkiffError.is(error, 'FAILED_PRECONDITION')).toBe(true);
    expect((error as Error).message).toBe('cannot build the busybox image: /nonexistent/busybox does not exist');
    expect((error as SkiffError).hint).toBe('apt-get install busybox-static');
  });

  it('refuses a dynamically linked busybox', async () => {
    const error = await checkStaticBusybox(process.execPath).catch((error: unknown) => error);
    expect((error as Error).message).toMatch(/is dynamically linked and would not run in the image$/);
    expect((error as SkiffError).hint).toBe('apt-get install busybox-static');
  });
});
