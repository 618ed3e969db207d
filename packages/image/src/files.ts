/** Small helpers for the image store's staging directories. */
import { randomBytes } from 'node:crypto';

export const uniqueSuffix = () => `${process.pid}-${randomBytes(6).toString('hex')}`;

/** Whether a process with this pid exists (used to clean staging dirs of crashed imports). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
