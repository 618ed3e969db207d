/**
 * Why skiff's state files are read and written with synchronous calls.
 *
 * Container records, name files, lock directories and exit-status files are a few hundred bytes on a local
 * disk. An async fs call sends each syscall to libuv's thread pool and wakes the event loop when it is done;
 * on the 2-core VM skiff is benchmarked on, that round trip costs 4-5 times the syscall itself (an atomic
 * record write: ~0.9 ms async, ~0.2 ms sync), and `skiff run --rm` makes about a hundred of them. The functions
 * that do this I/O stay `async`, so callers do not change if a slower medium ever needs it back; anything that
 * can be large (a container's writable layer, an image's files) stays on the async calls.
 */

/** Node-style callback over a synchronous call, for libraries that take an `fs` with callbacks. */
export function syncCall<T>(call: () => T, callback: (error: Error | null, value?: T) => void): void {
  let value: T;
  try {
    value = call();
  } catch (error) {
    callback(error as Error);
    return;
  }
  callback(null, value);
}
