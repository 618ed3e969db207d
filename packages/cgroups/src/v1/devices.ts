/**
 * v1 devices controller (after runc `fs/devices.go`): which device nodes the cgroup's tasks may open (r, w)
 * or create (m).
 *
 *   <dir>/devices.deny    write "a": deny everything and forget every rule
 *   <dir>/devices.allow   write one rule per write(2): "TYPE MAJOR:MINOR ACCESS", e.g. "c 1:3 rwm"; "a" alone
 *                         allows everything (only when the parent does)
 *   <dir>/devices.list    the rules in force; "a *:* rwm" while everything is allowed
 *
 * A new cgroup inherits its parent's rules (on a stock host, everything). `set` writes "a" to devices.deny,
 * then each allowed rule, in order. On a cgroup that already holds processes they are refused every device
 * in between: set the rules before the container's init joins (the helper's flow does).
 */
import { join } from 'node:path';
import { writeText } from '../interface-files.js';
import type { CgroupFs } from '../fs.js';
import type { DeviceRules } from '../types.js';

export class V1DevicesController {
  readonly name = 'devices';
  constructor(
    readonly dir: string,
    readonly fs: CgroupFs,
  ) {}

  set(rules: DeviceRules): void {
    if (rules === 'unrestricted') {
      writeText(this.fs, join(this.dir, 'devices.allow'), 'a');
      return;
    }
    writeText(this.fs, join(this.dir, 'devices.deny'), 'a');
    for (const rule of rules.allow) writeText(this.fs, join(this.dir, 'devices.allow'), rule);
  }
}
