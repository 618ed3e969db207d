/**
 * runc's --log and --log-format: errors (and with --debug, debug lines) go to the log file as JSON lines
 * `{"level":"error","msg":"...","time":"..."}` or logrus text `time="..." level=error msg="..."`; containerd's
 * shim reads the last error from there. Errors also go to stderr.
 */
import { appendFileSync } from 'node:fs';
import { writeOut } from '../write-out.js';

export type LogFormat = 'text' | 'json';

export class Logger {
  constructor(
    readonly file: string | undefined,
    readonly format: LogFormat,
    readonly debugOn: boolean,
  ) {}

  #write(level: string, msg: string): void {
    if (!this.file) return;
    const time = new Date().toISOString();
    const line = this.format === 'json' ? JSON.stringify({ level, msg, time }) : `time=${JSON.stringify(time)} level=${level} msg=${JSON.stringify(msg)}`;
    try {
      appendFileSync(this.file, `${line}\n`);
    } catch {
      // A log we cannot write must not hide the error itself, which stderr still gets.
    }
  }

  error(msg: string): void {
    writeOut(2, `skiff-runc: ${msg}\n`);
    this.#write('error', msg);
  }

  warn(msg: string): void {
    this.#write('warning', msg);
  }

  debug(msg: string): void {
    if (this.debugOn) this.#write('debug', msg);
  }
}
