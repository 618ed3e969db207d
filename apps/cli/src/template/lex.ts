import { SkiffError } from '@skiff/plugin';

/**
 * Lexer for the subset of Go's text/template that docker's `--format` accepts. Text outside `{{ }}` is kept as is;
 * `{{- ` and ` -}}` trim the whitespace next to them; `{{/* … *\/}}` is a comment. Positions are byte offsets into
 * the template (as Go reports them: `template: :LINE:COL:`).
 */

export type TokenKind =
  | 'text' | 'open' | 'close' | 'field' | 'variable' | 'identifier' | 'string' | 'number' | 'bool' | 'nil' | 'dot'
  | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' | 'keyword' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token's text; for strings, the unquoted value. */
  value: string;
  pos: number;
  /** A field chain written right after a variable or `)`: `$x.A`, `(…).B`. */
  chained?: boolean;
}

export const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue']);

/**
 * A template that cannot be parsed or run, with Go's wording (`template: :1: unexpected "}" in operand`,
 * `template: :1:2: executing "" at <.Foo>: …`). Control characters from the template are escaped, so the
 * message stays one line.
 */
export class TemplateError extends SkiffError {
  constructor(message: string, readonly parse: boolean) {
    // eslint-disable-next-line no-control-regex
    super('INVALID_ARGUMENT', message.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\x7f' ? '\\u007f' : JSON.stringify(c).slice(1, -1))), { exitCode: parse ? 125 : 1 });
    this.name = 'TemplateError';
  }

  static isTemplateError(value: unknown): value is TemplateError {
    return SkiffError.isInstance(value) && (value as Error).name === 'TemplateError';
  }
}

export function lineOf(source: string, pos: number): number {
  let line = 1;
  for (let index = 0; index < pos && index < source.length; index++) if (source[index] === '\n') line++;
  return line;
}

export function parseError(source: string, pos: number, message: string): TemplateError {
  return new TemplateError(`template: :${lineOf(source, pos)}: ${message}`, true);
}

const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{N}_]/u;

export function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    let text = source.slice(pos, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) tokens.push({ kind: 'text', value: text, pos });
      break;
    }
    let inside = open + 2;
    if (source.startsWith('- ', inside) || source.startsWith('-\t', inside) || source.startsWith('-\n', inside) || source.startsWith('-\r', inside)) {
      text = text.replace(/[ \t\r\n]+$/, '');
      inside += 2;
    }
    if (text) tokens.push({ kind: 'text', value: text, pos });
    // A comment is a whole action: {{/* ... */}}, optionally with trim markers.
    const afterSpace = skipSpace(source, inside);
    if (source.startsWith('/*', afterSpace)) {
      const end = source.indexOf('*/', afterSpace + 2);
      if (end < 0) throw parseError(source, open, 'unclosed comment');
      const close = closeAt(source, end + 2);
      if (close === undefined) throw parseError(source, open, 'comment ends before closing delimiter');
      trimNext = close.trim;
      pos = close.end;
      continue;
    }
    tokens.push({ kind: 'open', value: '{{', pos: open });
    pos = inside;
    for (;;) {
      if (pos >= source.length) throw parseError(source, open, 'unclosed action');
      const close = closeAt(source, pos);
      if (close !== undefined) {
        tokens.push({ kind: 'close', value: '}}', pos });
        trimNext = close.trim;
        pos = close.end;
        break;
      }
      const char = source[pos]!;
      if (SPACE.test(char)) {
        pos++;
        continue;
      }
      const start = pos;
      if (char === '|') tokens.push({ kind: 'pipe', value: '|', pos: pos++ });
      else if (char === '(') tokens.push({ kind: 'lparen', value: '(', pos: pos++ });
      else if (char === ')') tokens.push({ kind: 'rparen', value: ')', pos: pos++ });
      else if (char === ',') tokens.push({ kind: 'comma', value: ',', pos: pos++ });
      else if (char === ':' && source[pos + 1] === '=') tokens.push({ kind: 'declare', value: ':=', pos: (pos += 2) - 2 });
      else if (char === '=') tokens.push({ kind: 'assign', value: '=', pos: pos++ });
      else if (char === '"') {
        let value = '';
        pos++;
        for (;;) {
          const c = source[pos];
          if (c === undefined || c === '\n') throw parseError(source, start, 'unterminated quoted string');
          if (c === '"') break;
          if (c === '\\') {
            const [decoded, length] = unescape(source, pos);
            if (decoded === undefined) throw parseError(source, start, `invalid syntax: ${source.slice(start, pos + 2)}`);
            value += decoded;
            pos += length;
          } else {
            value += c;
            pos++;
          }
        }
        pos++;
        tokens.push({ kind: 'string', value, pos: start });
      } else if (char === '`') {
        const end = source.indexOf('`', pos + 1);
        if (end < 0) throw parseError(source, start, 'unterminated raw quoted string');
        tokens.push({ kind: 'string', value: source.slice(pos + 1, end), pos: start });
        pos = end + 1;
      } else if (char === '.' && !/[0-9]/.test(source[pos + 1] ?? '')) {
        // `.` alone, or a field chain `.A.B` (also after a variable or a parenthesis: see below).
        if (!ALNUM.test(source[pos + 1] ?? '')) {
          tokens.push({ kind: 'dot', value: '.', pos: pos++ });
        } else {
          pos = word(source, pos + 1);
          tokens.push({ kind: 'field', value: source.slice(start, pos), pos: start });
        }
      } else if (char === '$') {
        pos = word(source, pos + 1);
        tokens.push({ kind: 'variable', value: source.slice(start, pos), pos: start });
      } else if (/[0-9+\-.]/.test(char)) {
        const match = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(source.slice(pos));
        const text = match?.[0] ?? '';
        if (!/\d/.test(text) || ALNUM.test(source[pos + text.length] ?? '')) throw parseError(source, start, `bad number syntax: "${source.slice(pos, pos + Math.max(1, text.length + 1))}"`);
        pos += text.length;
        tokens.push({ kind: 'number', value: text, pos: start });
      } else if (ALNUM.test(char)) {
        pos = word(source, pos);
        const value = source.slice(start, pos);
        const kind: TokenKind = KEYWORDS.has(value) ? 'keyword' : value === 'true' || value === 'false' ? 'bool' : value === 'nil' ? 'nil' : 'identifier';
        tokens.push({ kind, value, pos: start });
      } else {
        throw parseError(source, start, `unexpected ${JSON.stringify(char)} in command`);
      }
      // A field chain may follow a variable or a closing parenthesis without space: $x.A, (...).B
      const last = tokens[tokens.length - 1]!;
      if ((last.kind === 'variable' || last.kind === 'rparen') && source[pos] === '.' && ALNUM.test(source[pos + 1] ?? '')) {
        const chainStart = pos;
        pos = word(source, pos + 1);
        tokens.push({ kind: 'field', value: source.slice(chainStart, pos), pos: chainStart, chained: true });
      }
    }
  }
  tokens.push({ kind: 'eof', value: '', pos: source.length });
  return tokens;
}

function skipSpace(source: string, pos: number): number {
  while (pos < source.length && SPACE.test(source[pos]!)) pos++;
  return pos;
}

/** `}}` or ` -}}` at pos (after optional space): where the action ends and whether it trims what follows. */
function closeAt(source: string, pos: number): { end: number; trim: boolean } | undefined {
  if (source.startsWith('}}', pos)) return { end: pos + 2, trim: false };
  if (SPACE.test(source[pos] ?? '')) {
    const after = skipSpace(source, pos);
    if (source.startsWith('-}}', after)) return { end: after + 3, trim: true };
    if (source.startsWith('}}', after)) return { end: after + 2, trim: false };
  }
  return undefined;
}

/** An identifier and its dotted continuation (`A.B.C`): the end offset. */
function word(source: string, pos: number): number {
  while (pos < source.length && (ALNUM.test(source[pos]!) || (source[pos] === '.' && ALNUM.test(source[pos + 1] ?? '')))) pos++;
  return pos;
}

const SIMPLE: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };

/** One Go string escape at pos (a backslash): the decoded text and how many characters it took. */
function unescape(source: string, pos: number): [string | undefined, number] {
  const c = source[pos + 1] ?? '';
  if (c in SIMPLE) return [SIMPLE[c], 2];
  const hex = (length: number) => {
    const digits = source.slice(pos + 2, pos + 2 + length);
    return new RegExp(`^[0-9a-fA-F]{${length}}$`).test(digits) ? parseInt(digits, 16) : undefined;
  };
  if (c === 'x') {
    const code = hex(2);
    return code === undefined ? [undefined, 2] : [String.fromCharCode(code), 4];
  }
  if (c === 'u' || c === 'U') {
    const length = c === 'u' ? 4 : 8;
    const code = hex(length);
    return code === undefined || code > 0x10ffff || (code >= 0xd800 && code < 0xe000) ? [undefined, 2] : [String.fromCodePoint(code), 2 + length];
  }
  if (/[0-7]/.test(c)) {
    const digits = source.slice(pos + 1, pos + 4);
    return /^[0-7]{3}$/.test(digits) && parseInt(digits, 8) < 256 ? [String.fromCharCode(parseInt(digits, 8)), 4] : [undefined, 2];
  }
  return [undefined, 2];
}
