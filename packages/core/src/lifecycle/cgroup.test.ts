import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../state/record.js';
import { destroyCgroup, validParent } from './cgroup.js';

const record = (cgroupParent: string) => ({ id: 'a'.repeat(64), config: { cgroupParent } }) as unknown as ContainerRecord;

describe('a record whose cgroup parent the manager refuses', () => {
  it('regression: is removable (no cgroup was ever made under "../x"), where rm -f used to fail on it', async () => {
    expect(validParent(record('skiff'))).toBe(true);
    expect(validParent(record('../../x'))).toBe(false);
    await expect(destroyCgroup(record('../../x'))).resolves.toBeUndefined();
  });
});
