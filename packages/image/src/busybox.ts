/**
 * The default image, built from the host's static busybox (Debian: busybox-static, /bin/busybox):
 *
 *   bin/busybox                 a copy of the host binary, 0755
 *   bin/sh, usr/bin/[, ...      one relative symlink per applet of `busybox --list-full` (`../../bin/busybox`)
 *   etc/passwd                  root, nobody
 *   etc/group                   root, tty, nogroup
 *   etc/hostname                empty
 *   proc sys dev run home var   0755 (mount points and the usual tree)
 *   tmp 1777, root 0700
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, open, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { failedPrecondition } from '@skiff/plugin';
import { crypto } from './files.js';

/** node:util is loaded when first needed (making the image), not at every start. */
const execFileAsync = async (file: string, args: string[], options: { maxBuffer: number }) =>
  (await import('node:util')).promisify(execFile)(file, args, options);

/** Bumped when the layout below changes, so the image id changes with it. */
const RECIPE = 'skiff-busybox-1';

export const BUSYBOX_HINT = 'apt-get install busybox-static';

const DIRECTORIES: [string, number][] = [
  ['bin', 0o755],
  ['sbin', 0o755],
  ['usr', 0o755],
  ['usr/bin', 0o755],
  ['usr/sbin', 0o755],
  ['etc', 0o755],
  ['proc', 0o555],
  ['sys', 0o555],
  ['dev', 0o755],
  ['tmp', 0o1777],
  ['root', 0o700],
  ['home', 0o755],
  ['var', 0o755],
  ['run', 0o755],
];

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n';

/** Fills the empty directory `dest` with the busybox root filesystem; returns a digest of its inputs. */
export async function buildBusyboxLayer(busybox: string, dest: string): Promise<string> {
  await checkStaticBusybox(busybox);
  const applets = await listApplets(busybox);
  await chmod(dest, 0o755);
  for (const [dir, mode] of DIRECTORIES) {
    await mkdir(join(dest, dir), { recursive: true });
    await chmod(join(dest, dir), mode); // exact, whatever the umask
  }
  await copyFile(busybox, join(dest, 'bin/busybox'));
  await chmod(join(dest, 'bin/busybox'), 0o755);
  for (const applet of applets) {
    if (applet === 'bin/busybox') continue;
    await mkdir(join(dest, dirname(applet)), { recursive: true, mode: 0o755 });
    const target = posix.relative(posix.dirname(applet), 'bin/busybox');
    await symlink(target, join(dest, applet)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  await writeFile(join(dest, 'etc/passwd'), PASSWD, { mode: 0o644 });
  await writeFile(join(dest, 'etc/group'), GROUP, { mode: 0o644 });
  await writeFile(join(dest, 'etc/hostname'), '', { mode: 0o644 });
  for (const file of ['etc/passwd', 'etc/group', 'etc/hostname']) await chmod(join(dest, file), 0o644);
  return crypto().createHash('sha256')
    .update(RECIPE)
    .update('\0')
    .update(await readFile(busybox))
    .update('\0')
    .update(applets.join('\n'))
    .digest('hex');
}

/** `busybox --list-full`: one applet path per line, relative to '/'. Anything odd is dropped. */
async function listApplets(busybox: string): Promise<string[]> {
  const { stdout } = await execFileAsync(busybox, ['--list-full'], { maxBuffer: 4 << 20 });
  return stdout
    .split('\n')
    .map((line) => line.trim().replace(/^\/+/, ''))
    .filter((line) => line !== '' && !line.split('/').some((part) => part === '' || part === '.' || part === '..'));
}

/** Refuses a missing busybox, and a dynamically linked one (it would not run inside the image). */
export async function checkStaticBusybox(busybox: string): Promise<void> {
  const info = await stat(busybox).catch(() => undefined);
  if (!info?.isFile()) {
    throw failedPrecondition(`cannot build the busybox image: ${busybox} does not exist`, { hint: BUSYBOX_HINT });
  }
  const interpreter = await hasElfInterpreter(busybox);
  if (interpreter === undefined) {
    throw failedPrecondition(`cannot build the busybox image: ${busybox} is not an ELF executable`, { hint: BUSYBOX_HINT });
  }
  if (interpreter) {
    throw failedPrecondition(`cannot build the busybox image: ${busybox} is dynamically linked and would not run in the image`, {
      hint: BUSYBOX_HINT,
    });
  }
}

/** Whether the ELF file has a PT_INTERP program header (is dynamically linked); undefined when not ELF. */
export async function hasElfInterpreter(path: string): Promise<boolean | undefined> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(64);
    await handle.read(header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = header[4] === 2;
    const little = header[5] === 1;
    const u16 = (buffer: Buffer, offset: number) => (little ? buffer.readUInt16LE(offset) : buffer.readUInt16BE(offset));
    const u32 = (buffer: Buffer, offset: number) => (little ? buffer.readUInt32LE(offset) : buffer.readUInt32BE(offset));
    const phoff = is64 ? Number(little ? header.readBigUInt64LE(0x20) : header.readBigUInt64BE(0x20)) : u32(header, 0x1c);
    const phentsize = u16(header, is64 ? 0x36 : 0x2a);
    const phnum = u16(header, is64 ? 0x38 : 0x2c);
    if (phentsize < 4 || phnum > 4096) return undefined;
    const table = Buffer.alloc(phentsize * phnum);
    await handle.read(table, 0, table.length, phoff);
    for (let index = 0; index < phnum; index++) {
      if (u32(table, index * phentsize) === 3 /* PT_INTERP */) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}
