// The example plugin runs the same volume driver conformance suite as the built-in drivers.
import { assertPlugin, type VolumeRegistration } from '@skiff/plugin';
import { runVolumeDriverTests } from '@skiff/plugin/testing';
import plugin from '../src/index.js';

assertPlugin(plugin);
const tmpfs = plugin.drivers.find((driver): driver is VolumeRegistration => driver.kind === 'volume' && driver.name === 'tmpfs')!;

// A tmpfs volume is named, not a host directory, and what the container writes stays in memory.
runVolumeDriverTests('tmpfs', tmpfs, undefined, { source: 'name', writesLandInSource: false });
