import { lstatSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { isContainerDir, sourceParts, tarInContainer, type Runtime } from '@skiff/core';
import { SkiffError, invalidArgument } from '@skiff/plugin';

export interface CopyOptions {
  /** -a: keep owners (else files belong to root on the container's side, to the caller on the host's). */
  archive: boolean;
  /** -L: follow a symlink given as the source. */
  follow: boolean;
}

/** `NAME:PATH` names a container's path; a local path with a colon is written `./a:b`, as docker reads it. */
export function splitContainerPath(arg: string): { container: string; path: string } | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const colon = arg.indexOf(':');
  if (colon <= 0 || arg.slice(0, colon).includes('/')) return undefined;
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) || '/' };
}


export async function copy(runtime: Runtime, source: string, destination: string, options: CopyOptions): Promise<void> {
  const from = source === '-' ? undefined : splitContainerPath(source);
  const to = destination === '-' ? undefined : splitContainerPath(destination);
  if (from && to) throw invalidArgument('copying between containers is not supported');
  if (!from && !to) throw invalidArgument('must specify at least one container source');
  if (from) return copyOut(runtime, from.container, absolute(from.path), destination, options);
  return copyIn(runtime, source, to!.container, absolute(to!.path), options);
}

const absolute = (path: string) => (path.startsWith('/') ? path : `/${path}`);


async function copyOut(runtime: Runtime, container: string, path: string, destination: string, options: CopyOptions): Promise<void> {
  const { dir, name, contents } = sourceParts(path);
  const args = ['tar', '-c', ...(options.follow ? ['-h'] : []), '-f', '-', '-C', dir, name];
  const notFound = (error: unknown) => {
    if (SkiffError.isInstance(error) && /no such file|cannot stat|can't (open|stat)/i.test(error.message)) {
      throw Object.assign(new SkiffError('NOT_FOUND', `Could not find the file ${path} in container ${container}`), { exitCode: 1 });
    }
    throw error;
  };
  if (destination === '-') {
    await tarInContainer(runtime, container, args, undefined, (out) => pipeline(out, process.stdout, { end: false })).catch(notFound);
    return;
  }
  const target = resolve(destination);
  const existing = statOr(target);
  const tar = await import('tar');
  const warnings: string[] = [];
  const absoluteLinks: { cwd: string; path: string; target: string }[] = [];
  const extract = (cwd: string) =>
    tar.x({
      cwd,
      preserveOwner: options.archive,
      // A forged archive: `..`, absolute names and writes through symlinks are refused (node-tar's checks), and
      // each refusal is reported. node-tar also cuts the `/` off a symlink's absolute target; it is put back below.
      onReadEntry: (entry: { type: string; path: string; linkpath?: string }) => {
        if (entry.type === 'SymbolicLink' && entry.linkpath?.startsWith('/')) absoluteLinks.push({ cwd, path: entry.path, target: entry.linkpath });
      },
      onwarn: (_code: string, message: string) => {
        if (!/absolute linkpath/.test(message)) warnings.push(message);
      },
    });
  const restoreLinks = async () => {
    const { restoreAbsoluteLinks } = await import('./cp-links.js');
    restoreAbsoluteLinks(absoluteLinks.splice(0));
  };
  if (existing?.isDirectory()) {
    await tarInContainer(runtime, container, args, undefined, (out) => pipeline(out, extract(target))).catch(notFound);
    await restoreLinks();
  } else {
    if (!statOr(dirname(target))?.isDirectory()) throw invalidArgument(`destination directory ${dirname(target)} does not exist`);
    if (destination.endsWith('/')) throw invalidArgument(`destination directory ${target} does not exist`);
    const staging = mkdtempSync(join(dirname(target), '.skiff-cp-'));
    try {
      await tarInContainer(runtime, container, args, undefined, (out) => pipeline(out, extract(staging))).catch(notFound);
      await restoreLinks();
      const top = contents ? staging : join(staging, name);
      const copied = lstatOr(top);
      if (!copied) throw new SkiffError('FAILED_PRECONDITION', `the container's tar sent no ${name}`);
      if (existing && copied.isDirectory()) throw invalidArgument(`cannot copy a directory to the file ${target}`);
      renameSync(top, target);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  if (warnings.length) {
    throw Object.assign(new SkiffError('FAILED_PRECONDITION', `refused parts of the container's archive: ${warnings.slice(0, 3).join('; ').replace(/[\x00-\x1f\x7f]/g, ' ')}`), { exitCode: 1 });
  }
}

async function copyIn(runtime: Runtime, source: string, container: string, path: string, options: CopyOptions): Promise<void> {
  const destIsDir = await isContainerDir(runtime, container, path);
  if (source === '-') {
    // docker: a tar stream from stdin is extracted into a directory that exists.
    if (!destIsDir) throw Object.assign(new SkiffError('NOT_FOUND', `Could not find the directory ${path} in container ${container}`), { exitCode: 1 });
    await tarInContainer(runtime, container, ['tar', '-x', ...(options.archive ? [] : ['-o']), '-f', '-', '-C', path], process.stdin, async (out) => void out.resume());
    return;
  }
  const local = resolve(source);
  const stat = options.follow ? statOr(local) : lstatOr(local);
  if (!stat) throw Object.assign(new SkiffError('NOT_FOUND', `no such file or directory: ${source}`), { exitCode: 1 });
  const { dir, name, contents } = sourceParts(source.endsWith('/.') || source.endsWith('/./') ? `${local}/.` : local);
  let targetDir: string;
  let rename: string | undefined;
  if (destIsDir) {
    targetDir = path;
  } else {
    if (path.endsWith('/')) throw Object.assign(new SkiffError('NOT_FOUND', `Could not find the directory ${path} in container ${container}`), { exitCode: 1 });
    targetDir = posix.dirname(path);
    if (!(await isContainerDir(runtime, container, targetDir))) {
      throw Object.assign(new SkiffError('NOT_FOUND', `Could not find the file ${targetDir} in container ${container}`), { exitCode: 1 });
    }
    rename = posix.basename(path);
  }
  const tar = await import('tar');
  const top = contents ? '.' : name;
  const archive = tar.c(
    {
      cwd: dir,
      portable: !options.archive,
      follow: options.follow && !stat.isDirectory() ? true : undefined,
      onWriteEntry: (entry: { path: string }) => {
        if (rename === undefined) return;
        const rest = contents ? entry.path.replace(/^\.\/?/, '') : entry.path.slice(top.length).replace(/^\//, '');
        entry.path = rest ? `${rename}/${rest}` : stat.isDirectory() ? `${rename}/` : rename;
      },
    },
    [options.follow && !stat.isDirectory() ? name : top],
  );
  // -o: the files belong to the extracting user (root in the container) unless -a keeps the archive's owners.
  await tarInContainer(runtime, container, ['tar', '-x', ...(options.archive ? [] : ['-o']), '-f', '-', '-C', targetDir], archive as unknown as Readable, async (out) => void out.resume());
}

function statOr(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function lstatOr(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
