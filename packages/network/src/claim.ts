import { linkSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Creates `path` holding `content`, or returns false if it exists: exclusive like O_EXCL, but never seen empty.
 * (An O_EXCL create is visible before its write: a concurrent reconcile read such a file as owned by "", found
 * no container "", and released it, so a second container got the same address.) The content is written to a
 * temp name first (a dot-file, which readers skip) and hard-linked into place; link(2) fails with EEXIST.
 */
let claims = 0;

export function claimFile(path: string, content: string): boolean {
  // Unique among live processes (pid) and within this one (the counter).
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${claims++}`);
  writeFileSync(temp, content, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

/** Entries of a claim directory, without claims still being written. */
export const claimed = (names: string[]) => names.filter((name) => !name.startsWith('.'));
