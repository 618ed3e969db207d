import type { Command } from 'commander';
import { createProgramOf, type DefineCommand } from './program-core.js';
import { defineArchive } from './commands/archive.js';
import { defineAttach } from './commands/attach.js';
import { defineGenerate } from './commands/generate.js';
import { defineExec } from './commands/exec.js';
import { defineExport } from './commands/export.js';
import { defineHistory } from './commands/history.js';
import { defineImage } from './commands/image.js';
import { defineImages } from './commands/images.js';
import { defineInspect } from './commands/inspect.js';
import { defineLifecycle } from './commands/lifecycle.js';
import { defineLogin } from './commands/login.js';
import { defineLogs } from './commands/logs.js';
import { defineNetwork, definePort } from './commands/network.js';
import { definePs } from './commands/ps.js';
import { definePull } from './commands/pull.js';
import { definePush } from './commands/push.js';
import { defineRmi } from './commands/rmi.js';
import { defineRun } from './commands/run.js';
import { defineSystem } from './commands/system.js';
import { defineTag } from './commands/tag.js';
import { defineVolume } from './commands/volume.js';
import { defineContainer } from './commands/container.js';
import { defineCp } from './commands/cp.js';
import { defineInfo } from './commands/info.js';
import { defineEvents } from './commands/events.js';
import { defineRename } from './commands/rename.js';
import { defineStats } from './commands/stats.js';
import { defineTop } from './commands/top.js';
import { defineUpdate } from './commands/update.js';

export { commandName } from './command-name.js';
export type { Want } from './program-core.js';

/** Every command, in help's order (issue 15's everyday commands last). */
const COMMANDS: DefineCommand[] = [
  defineRun, defineLifecycle, definePs, defineLogs, defineExec, defineInspect, defineImages, definePull, defineExport, defineSystem, defineVolume, defineTag, defineRmi, defineImage, defineHistory, defineLogin, defineArchive, definePush, defineNetwork, definePort, defineAttach, defineGenerate,
  defineRename, defineTop, defineStats, defineUpdate, defineContainer, defineCp, defineInfo, defineEvents,
];

/** The `skiff` command line with every command (see createProgramOf). */
export function createProgram(argv: string[] = process.argv): Command {
  return createProgramOf(COMMANDS, argv);
}
