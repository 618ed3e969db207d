/** What the runtime needs of an image's configuration: the image store writes it, the lifecycle reads it. */
export interface ImageConfig {
  /** `KEY=value` words, as in OCI image configs. */
  env: string[];
  /** The command run when `skiff run` names none (after the entrypoint, when there is one). */
  cmd: string[];
  workingDir: string;
  /** Prepended to the command (docker's combination rules); `--entrypoint` replaces it. */
  entrypoint?: string[];
  /** `user`, `uid`, `user:group` or `uid:gid`, as in the image config; `-u` replaces it. */
  user?: string;
  /** The signal `stop` sends first (`SIGTERM` when unset). */
  stopSignal?: string;
  labels?: Record<string, string>;
  /** Container paths that get an anonymous volume when no volume or bind covers them (the config's `Volumes`). */
  volumes?: string[];
  /** The image's ExposedPorts keys ("80/tcp"): what `run -P` publishes. */
  exposedPorts?: string[];
  /** The image's OnBuild triggers (Dockerfile instructions), kept for inspect and save; skiff builds nothing. */
  onBuild?: string[];
  /** The image's HEALTHCHECK (times in ms; 0 or absent: the runtime's default). */
  healthcheck?: { test: string[]; intervalMs?: number; timeoutMs?: number; startPeriodMs?: number; retries?: number };
}
