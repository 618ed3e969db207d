import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/support.js';
import { withContainerLock } from './lock.js';

describe('withContainerLock', () => {
  // Regression: locks were keyed by their parent directory, so releasing one container's lock released
  // another's that the same process held, and left that one's directory behind.
  it('keeps two containers locked side by side in one process, each released on its own', async () => {
    const root = tempDir();
    const roots = { root, runRoot: join(root, 'run') };
    const lockDir = (id: string) => join(roots.runRoot, 'locks', `${id}.lock`);
    let releaseB!: () => void;
    const bHeld = new Promise<void>((resolve) => (releaseB = resolve));
    let bTaken!: () => void;
    const bStarted = new Promise<void>((resolve) => (bTaken = resolve));
    const b = withContainerLock(roots, 'b', async () => {
      bTaken();
      await bHeld;
    });
    await bStarted;
    await withContainerLock(roots, 'a', async () => {
      expect(existsSync(lockDir('a'))).toBe(true);
    });
    expect(existsSync(lockDir('a'))).toBe(false);
    expect(existsSync(lockDir('b'))).toBe(true);
    releaseB();
    await b;
    expect(existsSync(lockDir('b'))).toBe(false);
  });

  it('serialises two holders of one container lock', async () => {
    const root = tempDir();
    const roots = { root, runRoot: join(root, 'run') };
    const order: string[] = [];
    const hold = (name: string) =>
      withContainerLock(roots, 'same', async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 30));
        order.push(`${name} out`);
      });
    await Promise.all([hold('first'), hold('second')]);
    expect(order).toEqual(['first in', 'first out', 'second in', 'second out']);
  });
});
