import { closeSync, fstatSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { invalidArgument } from '@skiff/plugin';

export interface CidFile {
  /** Writes the id and closes the file. */
  write(id: string): void;
  /** Removes the file (the container was not made); only if the path is still the file we created. */
  discard(): void;
}

/**
 * docker's --cidfile: the file is created before the container (O_CREAT|O_EXCL, so an existing file, or a
 * symlink planted at the path, is refused rather than followed or overwritten), and the id written once it exists.
 */
export function openCidFile(path: string): CidFile {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw invalidArgument(`container ID file found, make sure the other container isn't running or delete ${path}`);
    }
    throw invalidArgument(`cannot create the --cidfile ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
  const { dev, ino } = fstatSync(fd);
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    write(id) {
      writeSync(fd, id);
      close();
    },
    discard() {
      close();
      try {
        const now = lstatSync(path);
        if (now.dev === dev && now.ino === ino) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
