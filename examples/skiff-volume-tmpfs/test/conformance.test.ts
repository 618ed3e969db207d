// The example plugin runs the same named-volume driver conformance suite as the built-in drivers.
import { assertPlugin, type VolumeRegistration } from '@skiff/plugin';
import { runNamedVolumeDriverTests } from '@skiff/plugin/testing';
import plugin from '../src/index.js';

assertPlugin(plugin);
const tmpfs = plugin.drivers.find((driver): driver is VolumeRegistration => driver.kind === 'volume' && driver.name === 'tmpfs')!;

// Each mount is a fresh tmpfs: what one container writes is gone for the next.
runNamedVolumeDriverTests('tmpfs', tmpfs, undefined, { persists: false });
runNamedVolumeDriverTests('tmpfs (size=1m)', tmpfs, undefined, { persists: false, createOptions: { size: '1m' } });
