import { Executor, type ExecOptions } from './exec.js';
import { FUNCTIONS } from './functions.js';
import { parseTemplate } from './parse.js';

export { struct, NO_VALUE } from './exec.js';
export { TemplateError } from './lex.js';

export interface Template {
  /** The text the template prints for `dot`; throws a TemplateError (Go's wording) on an unknown field and the like. */
  render(dot: unknown): string;
}

const NAMES: ReadonlySet<string> = new Set(Object.keys(FUNCTIONS));

/** Parses a Go text/template with docker's functions (json, join, lower, upper, …); throws a TemplateError. */
export function compileTemplate(source: string, options: Omit<ExecOptions, 'functions'> = {}): Template {
  const nodes = parseTemplate(source, NAMES);
  const executor = new Executor(source, { ...options, functions: FUNCTIONS });
  return { render: (dot) => executor.run(nodes, dot) };
}

/**
 * Go's text/tabwriter as docker's formatter sets it up (minwidth 10, padding 3, spaces): a column is made of
 * tab-terminated cells of consecutive lines; the text after a line's last tab is not aligned.
 */
export function tabwrite(text: string, minWidth = 10, padding = 3): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const width = (cell: string) => [...cell].length;
  const widths: number[] = [];
  const out: string[] = [];
  const write = (from: number, to: number) => {
    for (let index = from; index < to; index++) {
      const cells = lines[index]!;
      out[index] = cells.map((cell, column) => (column < widths.length && column < cells.length - 1 ? cell + ' '.repeat(Math.max(0, widths[column]! - width(cell))) : cell)).join('');
    }
  };
  const format = (from: number, to: number) => {
    const column = widths.length;
    let start = from;
    for (let line = from; line < to; line++) {
      if (column >= lines[line]!.length - 1) continue;
      write(start, line);
      start = line;
      let columnWidth = minWidth;
      for (; line < to && column < lines[line]!.length - 1; line++) columnWidth = Math.max(columnWidth, width(lines[line]![column]!) + padding);
      widths.push(columnWidth);
      format(start, line);
      widths.pop();
      start = line;
      line--;
    }
    write(start, to);
  };
  format(0, lines.length);
  return out.join('\n');
}

export interface ListFormat {
  /** What `--format table` (or no --format) means for this command, without the `table ` prefix. */
  table: string;
  /** The value that prints each column's title (a struct of strings, or of methods for `.Label "key"`). */
  header: unknown;
  missingKey?: 'default' | 'error';
}

/**
 * docker's formatter for lists: `json` is `{{json .}}`; `table …` prints a header row and aligns the columns at the
 * tabs; anything else is one rendering per row, each followed by a newline. A `\t` or `\n` typed literally in the
 * format is a tab or newline, as docker reads it.
 */
export function formatList(format: string, rows: unknown[], list: ListFormat): string {
  let source = format === 'json' ? '{{json .}}' : format;
  const table = source.startsWith('table');
  if (table) source = source === 'table' ? list.table : source.slice('table'.length).replace(/^ +/, '');
  source = source.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const template = compileTemplate(source, { missingKey: list.missingKey });
  const rendered = rows.map((row) => `${template.render(row)}\n`).join('');
  if (!table) return rendered;
  return tabwrite(`${template.render(list.header)}\n${rendered}`);
}
