/**
 * v1 blkio controller (after runc `fs/blkio.go`): proportional weights and per-device throttles.
 *
 *   <dir>/blkio.bfq.weight             10..1000 with the BFQ scheduler (kernels >= 5.0 have no CFQ);
 *   <dir>/blkio.weight                 the CFQ file on older kernels: whichever exists is written
 *   <dir>/blkio.bfq.weight_device      "MAJOR:MINOR WEIGHT", one device per write(2) (or blkio.weight_device)
 *   <dir>/blkio.throttle.read_bps_device, write_bps_device, read_iops_device, write_iops_device
 *                                      "MAJOR:MINOR RATE", one device per write(2); the kernel refuses a
 *                                      partition or a device without a request queue (EINVAL / ENODEV)
 *
 * Weight files exist only in non-root cgroups, and only when the scheduler offers them.
 */
import { join } from 'node:path';
import { writeText } from '../interface-files.js';
import { CgroupError } from '../errors.js';
import type { CgroupFs } from '../fs.js';
import type { BlkioResources } from '../types.js';

const THROTTLES = [
  ['readBps', 'blkio.throttle.read_bps_device'],
  ['writeBps', 'blkio.throttle.write_bps_device'],
  ['readIops', 'blkio.throttle.read_iops_device'],
  ['writeIops', 'blkio.throttle.write_iops_device'],
] as const;

export class V1BlkioController {
  readonly name = 'blkio';
  constructor(
    readonly dir: string,
    private readonly fs: CgroupFs,
  ) {}

  /** The first of `files` this kernel offers. */
  private pick(files: string[], what: string): string {
    for (const file of files) if (this.fs.exists(join(this.dir, file))) return join(this.dir, file);
    throw new CgroupError('NOT_SUPPORTED', `cannot set ${what}: this kernel's blkio controller has no ${files.join(' or ')} (the BFQ or CFQ I/O scheduler provides it)`);
  }

  set(blkio: BlkioResources): void {
    if (blkio.weight !== undefined) writeText(this.fs, this.pick(['blkio.bfq.weight', 'blkio.weight'], 'the blkio weight'), blkio.weight);
    if (blkio.weightDevice?.length) {
      const file = this.pick(['blkio.bfq.weight_device', 'blkio.weight_device'], 'a per-device blkio weight');
      for (const d of blkio.weightDevice) writeText(this.fs, file, `${d.major}:${d.minor} ${d.value}`);
    }
    for (const [field, name] of THROTTLES) {
      for (const d of blkio[field] ?? []) writeText(this.fs, join(this.dir, name), `${d.major}:${d.minor} ${d.value}`);
    }
  }
}
