/**
 * docker pull's progress: one line per layer (`abc123def456: Downloading [==>   ] 1.2MB/3.4MB`). On a terminal the
 * lines are rewritten in place; in a pipe or file only changes of state are printed, one line each.
 */
import type { PullEvent } from '@skiff/image';
import { humanSize } from './format.js';

export interface ProgressWriter {
  (event: PullEvent): void;
}

function bar(current: number, total: number): string {
  const width = 50;
  const filled = total > 0 ? Math.min(width, Math.floor((current / total) * width)) : 0;
  const arrow = filled < width ? `${'='.repeat(Math.max(filled - 1, 0))}>` : '='.repeat(width);
  return `[${arrow.padEnd(width)}] ${humanSize(current)}/${humanSize(total)}`;
}

export function progressWriter(out: NodeJS.WriteStream | NodeJS.WritableStream, tty: boolean): ProgressWriter {
  const order: string[] = [];
  const last = new Map<string, string>();
  return (event) => {
    if (!event.id) return;
    const text = event.status === 'Downloading' && event.total ? `Downloading ${bar(event.current ?? 0, event.total)}` : event.status;
    if (!tty) {
      if (event.status === 'Downloading' || last.get(event.id) === event.status) return;
      last.set(event.id, event.status);
      out.write(`${event.id}: ${text}\n`);
      return;
    }
    const index = order.indexOf(event.id);
    if (index < 0) {
      order.push(event.id);
      out.write(`${event.id}: ${text}\n`);
      return;
    }
    // Up to the layer's line, rewrite it, back down.
    const up = order.length - index;
    out.write(`\x1b[${up}A\r\x1b[2K${event.id}: ${text}\r\x1b[${up}B`);
  };
}
