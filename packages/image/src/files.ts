/** Small helpers for the image store's staging directories. */
/** node:crypto, loaded on first use: most commands never hash, and loading it costs every command ~6 ms. */
export const crypto = () => process.getBuiltinModule('node:crypto');

export const uniqueSuffix = () => `${process.pid}-${crypto().randomBytes(6).toString('hex')}`;

/** Whether a process with this pid exists (used to clean staging dirs of crashed imports). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
