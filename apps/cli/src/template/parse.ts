import { lex, parseError, type Token } from './lex.js';

/** The parse tree, after Go's text/template/parse: a list of nodes, each remembering its offset for errors. */
export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe }
  | { kind: 'if' | 'with' | 'range'; pipe: Pipe; list: Node[]; otherwise?: Node[]; pos: number }
  | { kind: 'break' | 'continue'; pos: number };

export interface Pipe {
  pos: number;
  /** Variables declared (`$x :=`, `$i, $e :=`) or assigned (`$x =`). */
  variables: string[];
  assign: boolean;
  commands: Command[];
}

export interface Command {
  pos: number;
  text: string;
  args: Operand[];
}

/** An operand; `fields` is a chain applied to it (`$x.A.B`, `(…).C`). */
export type Operand = (
  | { kind: 'field' }
  | { kind: 'dot' }
  | { kind: 'variable'; name: string }
  | { kind: 'function'; name: string }
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'pipe'; pipe: Pipe }
) & { pos: number; text: string; fields: string[] };

class Parser {
  private index = 0;
  private readonly tokens: Token[];
  /** Variables in scope, innermost last; `$` is always there. */
  private readonly scope: string[] = ['$'];
  private rangeDepth = 0;

  constructor(
    private readonly source: string,
    private readonly functions: ReadonlySet<string>,
  ) {
    this.tokens = lex(source);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    return this.tokens[Math.min(this.index++, this.tokens.length - 1)]!;
  }

  private fail(token: Token, message: string): never {
    throw parseError(this.source, token.pos, message);
  }

  private expect(kind: Token['kind'], context: string): Token {
    const token = this.next();
    if (token.kind !== kind) this.fail(token, `unexpected ${describe(token)} in ${context}`);
    return token;
  }

  /** The whole template: nodes until EOF; an `{{end}}` or `{{else}}` here has nothing to close. */
  parse(): Node[] {
    const [list, stop] = this.list();
    if (stop !== 'eof') this.fail(this.tokens[this.index - 1]!, `unexpected {{${stop}}}`);
    return list;
  }

  /** Nodes until `{{end}}`, `{{else…}}` or EOF; returns which one stopped it (the `else`'s tokens stay unread after it). */
  private list(): [Node[], 'end' | 'else' | 'eof'] {
    const nodes: Node[] = [];
    for (;;) {
      const token = this.next();
      if (token.kind === 'eof') return [nodes, 'eof'];
      if (token.kind === 'text') {
        nodes.push({ kind: 'text', text: token.value });
        continue;
      }
      // token is '{{'
      const word = this.peek();
      if (word.kind === 'keyword') {
        this.next();
        if (word.value === 'end') {
          this.expect('close', 'end');
          return [nodes, 'end'];
        }
        if (word.value === 'else') return [nodes, 'else'];
        if (word.value === 'break' || word.value === 'continue') {
          if (this.rangeDepth === 0) this.fail(word, `{{${word.value}}} outside {{range}}`);
          this.expect('close', word.value);
          nodes.push({ kind: word.value, pos: word.pos });
          continue;
        }
        nodes.push(this.control(word.value as 'if' | 'with' | 'range', word));
        continue;
      }
      const pipe = this.pipeline('command', 'close');
      nodes.push({ kind: 'action', pipe });
    }
  }

  /** if / with / range: their pipeline, body and optional else (`else if`/`else with` chain into a nested node). */
  private control(kind: 'if' | 'with' | 'range', keyword: Token): Node {
    const depth = this.scope.length;
    const pipe = this.pipeline(kind, 'close');
    if (kind === 'range') this.rangeDepth++;
    const [list, stop] = this.list();
    if (kind === 'range') this.rangeDepth--;
    if (stop === 'eof') this.fail(this.peek(), 'unexpected EOF');
    let otherwise: Node[] | undefined;
    if (stop === 'else') {
      const chained = this.peek();
      if ((kind === 'if' || kind === 'with') && chained.kind === 'keyword' && chained.value === kind) {
        // {{else if X}} is {{else}}{{if X}}…{{end}}, sharing the outer {{end}}.
        this.next();
        otherwise = [this.control(kind, chained)];
      } else {
        this.expect('close', 'else');
        const [elseList, elseStop] = this.list();
        if (elseStop !== 'end') this.fail(this.peek(), elseStop === 'eof' ? 'unexpected EOF' : 'expected end; found {{else}}');
        otherwise = elseList;
      }
    }
    this.scope.length = depth;
    return { kind, pipe, list, otherwise, pos: keyword.pos };
  }

  /** `[$x :=] command | command …` up to the `end` token (close or rparen). */
  private pipeline(context: string, end: 'close' | 'rparen'): Pipe {
    const start = this.peek();
    const variables: string[] = [];
    let assign = false;
    if (this.peek().kind === 'variable') {
      const a = this.peek(1);
      if (a.kind === 'declare' || a.kind === 'assign') {
        variables.push(this.next().value);
        assign = this.next().kind === 'assign';
      } else if (a.kind === 'comma' && this.peek(2).kind === 'variable' && this.peek(3).kind === 'declare' && context === 'range') {
        variables.push(this.next().value);
        this.next();
        variables.push(this.next().value);
        this.next();
      }
    }
    for (const name of variables) {
      if (assign && !this.scope.includes(name)) this.fail(start, `undefined variable "${name}"`);
      if (!assign) this.scope.push(name);
    }
    const commands: Command[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind === end) {
        this.next();
        break;
      }
      if (token.kind === 'pipe' && commands.length > 0) {
        this.next();
        continue;
      }
      if (commands.length > 0 && this.tokens[this.index - 1]!.kind !== 'pipe') this.fail(token, `unexpected ${describe(token)} in ${context}`);
      commands.push(this.command(context, end));
    }
    if (commands.length === 0) this.fail(start, `missing value for ${context}`);
    commands.forEach((command, stage) => {
      const first = command.args[0]!;
      if (stage > 0 && (first.kind === 'literal' || first.kind === 'dot') && first.fields.length === 0) {
        this.fail(this.tokens.find((t) => t.pos === first.pos) ?? start, `non executable command in pipeline stage ${stage + 1}`);
      }
    });
    return { pos: start.pos, variables, assign, commands };
  }

  private command(context: string, end: 'close' | 'rparen'): Command {
    const args: Operand[] = [];
    const start = this.peek().pos;
    while (this.peek().kind !== end && this.peek().kind !== 'pipe') {
      if (this.peek().kind === 'eof') this.fail(this.peek(), `unclosed action`);
      args.push(this.operand(context));
    }
    if (args.length === 0) this.fail(this.peek(), `missing value for command`);
    const last = args[args.length - 1]!;
    return { pos: start, text: this.source.slice(start, last.pos + last.text.length), args };
  }

  private operand(context: string): Operand {
    const token = this.next();
    const base = { pos: token.pos, text: token.value, fields: [] as string[] };
    let operand: Operand;
    switch (token.kind) {
      case 'field':
        operand = { ...base, kind: 'field', fields: token.value.slice(1).split('.') };
        break;
      case 'dot':
        operand = { ...base, kind: 'dot' };
        break;
      case 'variable': {
        const [name, ...fields] = token.value.split('.');
        if (!this.scope.includes(name!)) this.fail(token, `undefined variable "${name}"`);
        operand = { ...base, kind: 'variable', name: name!, fields };
        break;
      }
      case 'identifier':
        if (!this.functions.has(token.value)) this.fail(token, `function "${token.value}" not defined`);
        operand = { ...base, kind: 'function', name: token.value };
        break;
      case 'string':
        operand = { ...base, text: this.source.slice(token.pos, this.peek().pos).trimEnd(), kind: 'literal', value: token.value };
        break;
      case 'number': {
        const value = Number(token.value.replace(/_/g, '').replace(/^([+-]?)0[oO]/, '$10o'));
        if (Number.isNaN(value)) this.fail(token, `bad number syntax: "${token.value}"`);
        operand = { ...base, kind: 'literal', value };
        break;
      }
      case 'bool':
        operand = { ...base, kind: 'literal', value: token.value === 'true' };
        break;
      case 'nil':
        operand = { ...base, kind: 'literal', value: null };
        break;
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rparen');
        operand = { ...base, text: this.source.slice(token.pos, this.tokens[this.index - 1]!.pos + 1), kind: 'pipe', pipe };
        break;
      }
      default:
        this.fail(token, `unexpected ${describe(token)} in ${context === 'command' ? 'operand' : context}`);
    }
    const chain = this.peek();
    if (chain.kind === 'field' && chain.chained) {
      this.next();
      operand.fields = [...operand.fields, ...chain.value.slice(1).split('.')];
      operand.text += chain.value;
    }
    return operand;
  }
}

function describe(token: Token): string {
  if (token.kind === 'eof') return 'EOF';
  if (token.kind === 'close') return '"}}"';
  if (token.kind === 'string') return `quoted string`;
  return `<${token.value}>`;
}

/** Parses a template; throws a TemplateError with Go's `template: :LINE: …` wording. */
export function parseTemplate(source: string, functions: ReadonlySet<string>): Node[] {
  return new Parser(source, functions).parse();
}
