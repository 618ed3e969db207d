/**
 * Device rules in docker's terms: the rules a container gets by default, and the rule for one more device
 * (`--device`). Applied by the v1 devices controller; cgroup v2 has no device files (see CgroupV2Manager.set).
 */

/**
 * docker's default (moby `oci/defaults.go`, runc `AllowedDevices`): any node may be created (m), so images
 * whose setup runs mknod work, but only these may be opened.
 */
export const DEFAULT_DEVICE_RULES: readonly string[] = [
  'c *:* m',
  'b *:* m',
  'c 1:3 rwm', // /dev/null
  'c 1:5 rwm', // /dev/zero
  'c 1:7 rwm', // /dev/full
  'c 1:8 rwm', // /dev/random
  'c 1:9 rwm', // /dev/urandom
  'c 5:0 rwm', // /dev/tty
  'c 5:1 rwm', // /dev/console
  'c 5:2 rwm', // /dev/ptmx
  'c 136:* rwm', // /dev/pts/*
  'c 10:200 rwm', // /dev/net/tun
];

/** The rule that lets a container use one device, e.g. `deviceRule('c', 10, 229)` → "c 10:229 rwm" (/dev/fuse). */
export function deviceRule(type: 'c' | 'b', major: number, minor: number, access = 'rwm'): string {
  return `${type} ${major}:${minor} ${access}`;
}

/** A rule line as devices.allow takes it: "a", or "c|b MAJOR|*:MINOR|* ACCESS" with ACCESS made of r, w, m. */
export const DEVICE_RULE = /^(a|[cb] (\d+|\*):(\d+|\*) [rwm]{1,3})$/;
