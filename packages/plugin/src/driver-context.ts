/** What a driver is told about where it runs. */
export interface DriverContext {
  /** A directory of the driver's own under skiff's state root; created before `create` is called. */
  root: string;
  /** skiff's runtime root (pids, locks), shared by all drivers. */
  runRoot: string;
  /**
   * Whether container `id` exists and still runs (or is starting). Lets a driver tell a live user of a resource
   * from a stale record left by a crash.
   */
  isContainerActive(id: string): Promise<boolean>;
}

/** A driver's answer to "can this host run you?": a no carries the reason, shown to the user. */
export type Support = { supported: true } | { supported: false; reason: string };
