/**
 * v1 devices controller.
 *
 *   <dir>/devices.allow, devices.deny, devices.list
 *
 * Nothing is written yet: a new cgroup inherits its parent's list (on a stock host, "a *:* rwm"). The
 * container's device allow-list arrives in a later issue; the directory is created and joined already so
 * that adding it needs no change to placement.
 */
import type { CgroupFs } from '../fs.js';

export class V1DevicesController {
  readonly name = 'devices';
  constructor(
    readonly dir: string,
    readonly fs: CgroupFs,
  ) {}
}
