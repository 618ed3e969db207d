export { CgroupError, CgroupErrorCodes, type CgroupErrorCode, type CgroupErrorOptions } from './errors.js';
export type {
  BlkioDeviceValue,
  BlkioResources,
  CgroupManager,
  CgroupStats,
  CgroupTimeouts,
  CgroupVersion,
  DeviceRules,
  KillFunction,
  MemoryStats,
  Resources,
  SetResult,
} from './types.js';
export { nodeCgroupFs, type CgroupFs } from './fs.js';
export { createCgroupManager, type CreateCgroupManagerOptions } from './factory.js';
export { CGROUP2_SUPER_MAGIC, detectCgroupVersion, findV1Mounts } from './detect.js';
export { CgroupV1Manager, V1_CONTROLLERS, type V1ControllerName, type V1ManagerOptions } from './v1/manager.js';
export { V1MemoryController } from './v1/memory.js';
export { V1CpuController } from './v1/cpu.js';
export { V1CpuacctController } from './v1/cpuacct.js';
export { V1CpusetController } from './v1/cpuset.js';
export { V1PidsController } from './v1/pids.js';
export { V1FreezerController, type FreezerState } from './v1/freezer.js';
export { V1DevicesController } from './v1/devices.js';
export { V1BlkioController } from './v1/blkio.js';
export { CgroupV2Manager, V2_CONTROLLERS, type V2ManagerOptions } from './v2/manager.js';
export { blkioWeightToIoWeight, cpuMaxValue, ioMaxLines, maxValue, sharesToWeight, swapMaxValue } from './v2/convert.js';
export { removeEmptyParent } from './parent.js';
export { DEFAULT_DEVICE_RULES, DEVICE_RULE, deviceRule } from './devices.js';
export { checkCgroupPath } from './validate.js';
