// A minimal valid container record for the store's tests (not exported from the package).
import { newId } from '../ids.js';
import type { ContainerRecord } from './record.js';

export function testRecord(name: string): ContainerRecord {
  return {
    id: newId(),
    name,
    created: new Date().toISOString(),
    status: 'created',
    config: {
      image: 'busybox', layers: [], args: ['true'], env: [], workdir: '/', hostname: 'h', tty: false, interactive: false,
      network: 'none', storageDriver: 'overlay', volumes: [], autoRemove: false, resources: {}, cgroupParent: 'skiff',
      init: false, logMaxBytes: 1, logKeep: 1,
      security: { privileged: false, capabilities: [], noNewPrivileges: false, seccomp: 'default', readOnlyRoot: false, tmpfs: [], devices: [] },
    },
  };
}
