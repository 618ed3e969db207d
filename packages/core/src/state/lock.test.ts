import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/support.js';
import { withContainerLock } from './lock.js';

describe('withContainerLock', () => {
  // Regression: locks were keyed by their parent directory, so releasing one container's lock released
  // another's that the same process held.
  it('keeps two containers locked side by side in one process, each released on its own', async () => {
    const root = tempDir();
    const roots = { root, runRoot: join(root, 'run') };
    let releaseB!: () => void;
    const bHeld = new Promise<void>((resolve) => (releaseB = resolve));
    let bTaken!: () => void;
    const bStarted = new Promise<void>((resolve) => (bTaken = resolve));
    const b = withContainerLock(roots, 'b', async () => {
      bTaken();
      await bHeld;
    });
    await bStarted;
    await withContainerLock(roots, 'a', async () => {});
    releaseB();
    await b;
    // Both are free again.
    await withContainerLock(roots, 'b', async () => {});
    await withContainerLock(roots, 'a', async () => {});
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
