import { TemplateError, lineOf } from './lex.js';
import type { Command, Node, Operand, Pipe } from './parse.js';

/**
 * Execution of a parsed template over JavaScript data, with Go's semantics where docker's output depends on them:
 * - a plain object is a Go map: a missing key prints `<no value>` (or fails with `missingKey: 'error'`, as
 *   `docker inspect` does);
 * - an object made with `struct(typeName, fields)` is a Go struct: a missing field fails (`can't evaluate field
 *   X in type T`); a function-valued field is a method (`{{.Label "key"}}`);
 * - truth, printing (`[a b]`, `map[k:v]`, `<nil>`) and comparisons follow Go's rules.
 */

const TYPE = Symbol.for('skiff.template.type');

/** A Go-struct-like value: its fields in order, and the type name errors print. */
export function struct<T extends object>(typeName: string, fields: T): T {
  return Object.defineProperty(fields, TYPE, { value: typeName, enumerable: false });
}

export function typeNameOf(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? (value as { [TYPE]?: string })[TYPE] : undefined;
}

/** The value of a missing map key: prints `<no value>`. */
export const NO_VALUE = Symbol('no value');

export type TemplateFunction = (...args: unknown[]) => unknown;

export interface ExecOptions {
  functions: Record<string, TemplateFunction>;
  missingKey?: 'default' | 'error';
}

class Break {}
class Continue {}

export function goType(value: unknown): string {
  if (value === null || value === undefined || value === NO_VALUE) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  return typeNameOf(value) ?? 'map[string]interface {}';
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && typeNameOf(value) === undefined;

/** Go's truth: false, 0, "", nil and empty collections are false; structs are true. */
export function truth(value: unknown): boolean {
  if (value === null || value === undefined || value === NO_VALUE) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'function') return true;
  return typeNameOf(value) !== undefined || Object.keys(value).length > 0;
}

/** fmt's %v. */
export function printValue(value: unknown): string {
  if (value === NO_VALUE || value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(printValue).join(' ')}]`;
  if (typeof value === 'function') return '<func>';
  if (typeNameOf(value) !== undefined) return `{${Object.values(value as object).map(printValue).join(' ')}}`;
  const map = value as Record<string, unknown>;
  return `map[${Object.keys(map).sort().map((key) => `${key}:${printValue(map[key])}`).join(' ')}]`;
}

interface Variable {
  name: string;
  value: unknown;
}

export class Executor {
  private readonly variables: Variable[] = [];
  private out = '';

  constructor(
    private readonly source: string,
    private readonly options: ExecOptions,
  ) {}

  run(nodes: Node[], dot: unknown): string {
    this.out = '';
    this.variables.length = 0;
    this.variables.push({ name: '$', value: dot });
    this.walk(nodes, dot);
    return this.out;
  }

  private fail(pos: number, text: string, message: string): never {
    const before = this.source.slice(0, pos);
    const newline = before.lastIndexOf('\n');
    const column = newline < 0 ? pos : pos - newline - 1;
    throw new TemplateError(`template: :${lineOf(this.source, pos)}:${column}: executing "" at <${text}>: ${message}`, false);
  }

  private walk(nodes: Node[], dot: unknown): void {
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          this.out += node.text;
          break;
        case 'action': {
          const value = this.pipeline(node.pipe, dot);
          if (node.pipe.variables.length === 0) this.out += printValue(value);
          break;
        }
        case 'if':
        case 'with': {
          const mark = this.variables.length;
          const value = this.pipeline(node.pipe, dot);
          if (truth(value)) this.walk(node.list, node.kind === 'with' ? value : dot);
          else if (node.otherwise) this.walk(node.otherwise, dot);
          this.variables.length = mark;
          break;
        }
        case 'range':
          this.range(node, dot);
          break;
        case 'break':
          throw new Break();
        case 'continue':
          throw new Continue();
      }
    }
  }

  private range(node: Extract<Node, { list: Node[] }>, dot: unknown): void {
    const mark = this.variables.length;
    // The pipeline's own declarations are bound per element, not to the pipeline's value.
    const value = this.pipeline({ ...node.pipe, variables: [] }, dot);
    const names = node.pipe.variables;
    let entries: [unknown, unknown][];
    if (value === null || value === undefined || value === NO_VALUE) entries = [];
    else if (Array.isArray(value)) entries = value.map((element, index) => [index, element]);
    else if (typeof value === 'number' && Number.isInteger(value)) entries = Array.from({ length: Math.max(0, value) }, (_, index) => [index, index]);
    else if (isMap(value)) entries = Object.keys(value).sort().map((key) => [key, value[key]]);
    else this.fail(node.pipe.pos, node.pipe.commands[0]!.text, `range can't iterate over ${printValue(value)}`);
    for (const [key, element] of entries) {
      this.variables.length = mark;
      if (names.length === 1) this.variables.push({ name: names[0]!, value: element });
      if (names.length === 2) this.variables.push({ name: names[0]!, value: key }, { name: names[1]!, value: element });
      try {
        this.walk(node.list, element);
      } catch (signal) {
        if (signal instanceof Break) break;
        if (!(signal instanceof Continue)) throw signal;
      }
    }
    this.variables.length = mark;
    if (entries.length === 0 && node.otherwise) this.walk(node.otherwise, dot);
  }

  private pipeline(pipe: Pipe, dot: unknown): unknown {
    let value: unknown;
    let final = false;
    for (const command of pipe.commands) {
      value = this.command(command, dot, final ? [value] : []);
      final = true;
    }
    if (pipe.assign) {
      const variable = this.variables.findLast((v) => v.name === pipe.variables[0]);
      if (variable) variable.value = value;
    } else {
      for (const name of pipe.variables) this.variables.push({ name, value });
    }
    return value;
  }

  private variable(name: string): unknown {
    return this.variables.findLast((v) => v.name === name)!.value;
  }

  /** One command: a function call, a method or field (with arguments), or a plain operand. `final` is the piped value. */
  private command(command: Command, dot: unknown, final: unknown[]): unknown {
    const [first, ...rest] = command.args;
    const args = () => [...rest.map((arg) => this.operand(arg, dot)), ...final];
    if (first!.kind === 'function') return this.call(first!, command, rest, final, dot);
    if (first!.fields.length > 0) {
      const receiver = first!.kind === 'field' ? dot : this.base(first!, dot);
      return this.fields(receiver, first!, args, rest.length + final.length > 0);
    }
    if (rest.length + final.length > 0) this.fail(first!.pos, first!.text, `can't give argument to non-function ${first!.text}`);
    return this.base(first!, dot);
  }

  /** An operand's value before its field chain. */
  private base(operand: Operand, dot: unknown): unknown {
    switch (operand.kind) {
      case 'dot':
      case 'field':
        return dot;
      case 'variable':
        return this.variable(operand.name);
      case 'literal':
        return operand.value;
      case 'pipe': {
        const mark = this.variables.length;
        const value = this.pipeline(operand.pipe, dot);
        this.variables.length = mark;
        return value;
      }
      case 'function':
        return this.call(operand, { pos: operand.pos, text: operand.text, args: [operand] }, [], [], dot);
    }
  }

  private operand(operand: Operand, dot: unknown): unknown {
    const value = this.base(operand, dot);
    return operand.fields.length ? this.fields(operand.kind === 'field' ? dot : value, operand, () => [], false) : value;
  }

  /** Walks `.A.B.C` from `receiver`; the last name may be a method given `args`. */
  private fields(receiver: unknown, operand: Operand, args: () => unknown[], hasArgs: boolean): unknown {
    let value = receiver;
    operand.fields.forEach((name, index) => {
      const last = index === operand.fields.length - 1;
      const at = operand.kind === 'field' ? `.${operand.fields.slice(0, index + 1).join('.')}` : operand.text;
      if (value === null || value === undefined || value === NO_VALUE) this.fail(operand.pos, at, `nil pointer evaluating interface {}.${name}`);
      const typeName = typeNameOf(value);
      if (typeName !== undefined) {
        if (!Object.hasOwn(value as object, name)) this.fail(operand.pos, at, `can't evaluate field ${name} in type ${typeName}`);
        const field = (value as Record<string, unknown>)[name];
        if (typeof field === 'function') {
          value = this.guard(operand, at, () => (field as TemplateFunction)(...(last ? args() : [])));
          return;
        }
        if (last && hasArgs) this.fail(operand.pos, at, `${name} has arguments but cannot be invoked as function`);
        value = field;
        return;
      }
      if (isMap(value)) {
        if (last && hasArgs) this.fail(operand.pos, at, `${name} is not a method but has arguments`);
        if (Object.hasOwn(value, name)) value = value[name];
        else if (this.options.missingKey === 'error') this.fail(operand.pos, at, `map has no entry for key "${name}"`);
        else value = NO_VALUE;
        return;
      }
      this.fail(operand.pos, at, `can't evaluate field ${name} in type ${goType(value)}`);
    });
    return value;
  }

  private call(fn: Operand & { kind: 'function' }, command: Command, rest: Operand[], final: unknown[], dot: unknown): unknown {
    // and/or evaluate their arguments only as far as needed (Go 1.18+).
    if (fn.name === 'and' || fn.name === 'or') {
      const thunks = [...rest.map((arg) => () => this.operand(arg, dot)), ...final.map((value) => () => value)];
      if (thunks.length === 0) this.fail(command.pos, command.text, `wrong number of args for ${fn.name}: want at least 1 got 0`);
      let value: unknown;
      for (const thunk of thunks) {
        value = thunk();
        if (truth(value) === (fn.name === 'or')) return value;
      }
      return value;
    }
    const args = [...rest.map((arg) => this.operand(arg, dot)), ...final];
    const value = this.guard(fn, command.text, () => this.options.functions[fn.name]!(...args), fn.name);
    return fn.fields.length ? this.fields(value, fn, () => [], false) : value;
  }

  /** Runs a function or method; its thrown error becomes Go's `error calling NAME: …` line. */
  private guard(operand: Operand, at: string, run: () => unknown, name = operand.fields[operand.fields.length - 1]): unknown {
    try {
      return run();
    } catch (error) {
      if (TemplateError.isTemplateError(error)) throw error;
      this.fail(operand.pos, at, `error calling ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
