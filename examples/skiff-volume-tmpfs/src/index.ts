/**
 * An example third-party skiff plugin: a `tmpfs` volume driver. It depends only on `@skiff/plugin`.
 *
 *   skiff --plugin skiff-volume-tmpfs run -v scratch:/scratch:driver=tmpfs,size=16m busybox df /scratch
 *
 * The volume's contents live in memory and vanish with the container, by design. Options: size (default 64m),
 * mode (default 1777).
 */
import { posix } from 'node:path';
import { definePlugin, invalidArgument, kernelHasFilesystem, type VolumeDriver } from '@skiff/plugin';

const OPTION = /^[0-9]+[kmg%]?$/i;

function createTmpfsDriver(): VolumeDriver {
  return {
    specificationVersion: 'v1',
    name: 'tmpfs',
    async mount(request) {
      const target = request.target;
      if (!posix.isAbsolute(target) || target.split('/').includes('..') || posix.normalize(target) === '/') {
        throw invalidArgument(`tmpfs volume: container path ${JSON.stringify(target)} must be absolute, without '..', and not /`);
      }
      const size = request.options.size ?? '64m';
      const mode = request.options.mode ?? '1777';
      if (!OPTION.test(size)) throw invalidArgument(`tmpfs volume: invalid size "${size}" (examples: 16m, 1g, 50%)`);
      if (!/^[0-7]{3,4}$/.test(mode)) throw invalidArgument(`tmpfs volume: invalid mode "${mode}" (octal, e.g. 1777)`);
      const unknown = Object.keys(request.options).filter((key) => key !== 'size' && key !== 'mode');
      if (unknown.length) throw invalidArgument(`tmpfs volume: unknown option "${unknown[0]}" (known: size, mode)`);
      return [
        {
          type: 'tmpfs',
          source: 'tmpfs',
          target: request.target,
          options: ['nosuid', 'nodev', ...(request.readOnly ? ['ro'] : []), `size=${size}`, `mode=${mode}`],
        },
      ];
    },
    async unmount() {},
  };
}

export default definePlugin({
  name: 'skiff-volume-tmpfs',
  drivers: [
    {
      kind: 'volume',
      name: 'tmpfs',
      async probe() {
        return (await kernelHasFilesystem('tmpfs')) ? { supported: true } : { supported: false, reason: 'tmpfs is not in /proc/filesystems' };
      },
      create: createTmpfsDriver,
    },
  ],
});
