/**
 * The file operations the managers use, behind one small interface so that unit tests can run the real
 * managers against a fake cgroupfs in a temp dir (see `testing/fake-cgroupfs.ts`).
 *
 * cgroupfs rules these follow: a value is written with one write(2) to an existing file, never created
 * (O_WRONLY|O_TRUNC, no O_CREAT); directories are made one level at a time; rmdir is the only way to delete.
 */
import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, statSync, writeSync } from 'node:fs';

export interface CgroupFs {
  readFile(path: string): string;
  /** Write `data` in one write(2) into an existing file. Throws the system error (its `code` is the errno name). */
  writeFile(path: string, data: string): void;
  exists(path: string): boolean;
  /** Make one directory; succeeds when it already exists. */
  mkdir(path: string): void;
  rmdir(path: string): void;
  /** Names of the subdirectories of `path`; [] when `path` does not exist. */
  listDirs(path: string): string[];
}

export const nodeCgroupFs: CgroupFs = {
  readFile: (path) => readFileSync(path, 'utf8'),
  writeFile(path, data) {
    const fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
  },
  exists(path) {
    try {
      statSync(path);
      return true;
    } catch {
      return false;
    }
  },
  mkdir(path) {
    try {
      mkdirSync(path, { mode: 0o755 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  },
  rmdir: (path) => rmdirSync(path),
  listDirs(path) {
    try {
      return readdirSync(path, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  },
};
