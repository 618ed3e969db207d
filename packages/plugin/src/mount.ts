/**
 * The mount description: the lingua franca between drivers and the native helper.
 *
 * Drivers never call mount(2) or mount(8). They return these descriptions; the native helper performs them,
 * in order, inside the container's own mount namespace, after the rootfs (target '/') is mounted. When the
 * container's last process exits the kernel tears them all down, so nothing can leak onto the host.
 */
export interface Mount {
  /** Filesystem type as mount(2) takes it: 'overlay', 'aufs', 'tmpfs', or 'bind' for a bind mount. */
  type: string;
  /** Host path (bind), or a free-form source name ('overlay', 'tmpfs'). */
  source: string;
  /**
   * Absolute path inside the container. '/' is the root filesystem. Any other target is resolved inside the
   * container root by the helper (symlinks cannot lead out of it); missing directories are created 0755.
   */
  target: string;
  /**
   * mount(8)-style options. Flags the helper knows ('ro', 'rw', 'nosuid', 'nodev', 'noexec', 'relatime',
   * 'rbind', 'bind', 'private', 'rprivate', ...) become mount flags; everything else ('lowerdir=...',
   * 'size=64m', 'mode=755') is passed to the filesystem as its data string, joined with ','.
   */
  options: string[];
  /**
   * For a bind mount of a host path a container could race against (a volume): the helper opens `source`
   * component by component without following any symlink and mounts from that fd, so `source` must be
   * canonical (realpath of what exists, plus the missing rest). With `createMode`, missing directories are
   * made with exactly that mode (mkdirat, then fchmod on the opened fd). A symlink met there was swapped in
   * after the driver's check: the start fails rather than follow it.
   */
  hostPath?: { createMode?: number };
  /**
   * For a filesystem mount: data options (`['upperdir', 'workdir']`) whose values are canonical host paths a
   * container could race against. The helper opens each without following symlinks and passes the kernel
   * /proc/self/fd/N instead, so the directories checked are the ones mounted.
   */
  hostPathOptions?: string[];
}
