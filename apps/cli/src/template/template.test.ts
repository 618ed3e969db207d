import { describe, expect, it } from 'vitest';
import { compileTemplate, formatList, struct, tabwrite } from './index.js';

const render = (source: string, dot: unknown, missingKey?: 'error') => compileTemplate(source, { missingKey }).render(dot);
const failure = (source: string, dot: unknown = {}, missingKey?: 'error') => {
  try {
    render(source, dot, missingKey);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`no error for ${source}`);
};

describe('Go text/template subset', () => {
  it('fields, nested fields, maps and missing keys', () => {
    expect(render('{{.A}} {{.B.C}} {{.Missing}}', { A: 1, B: { C: 'x' } })).toBe('1 x <no value>');
    expect(failure('{{.State.Nope}}', { State: {} }, 'error')).toBe('template: :1:2: executing "" at <.State.Nope>: map has no entry for key "Nope"');
    expect(render('{{.M}} {{.L}} {{.N}}', { M: { b: 2, a: 1 }, L: [1, 'x'], N: null })).toBe('map[a:1 b:2] [1 x] <nil>');
  });

  it('a struct refuses an unknown field with docker wording; methods take arguments', () => {
    const row = struct('*formatter.ContainerContext', { ID: 'abc', Label: (key: unknown) => `v-${String(key)}` });
    expect(render('{{.ID}} {{.Label "x"}}', row)).toBe('abc v-x');
    expect(failure('x {{.Nope}}', row)).toBe('template: :1:4: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext');
    expect(failure('\n{{.ID.X}}', row)).toBe('template: :2:2: executing "" at <.ID.X>: can\'t evaluate field X in type string');
    expect(failure('{{.ID 1}}', row)).toMatch(/ID has arguments but cannot be invoked as function/);
  });

  it('if / else if / else, with, range (index and element, else, break, continue), variables', () => {
    const source = '{{if eq .A 1}}one{{else if eq .A 2}}two{{else}}other{{end}}';
    expect([1, 2, 3].map((A) => render(source, { A }))).toEqual(['one', 'two', 'other']);
    expect(render('{{with .M}}{{.k}}{{else}}none{{end}}|{{with .Z}}x{{else}}none{{end}}', { M: { k: 'v' }, Z: '' })).toBe('v|none');
    expect(render('{{range $i, $e := .L}}{{$i}}={{$e}},{{end}}', { L: ['a', 'b'] })).toBe('0=a,1=b,');
    expect(render('{{range $k, $v := .M}}{{$k}}:{{$v}};{{end}}', { M: { b: 2, a: 1 } })).toBe('a:1;b:2;');
    expect(render('{{range .L}}{{.}}{{else}}none{{end}}', { L: [] })).toBe('none');
    expect(render('{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}', [1, 2, 3, 4, 5])).toBe('13');
    expect(render('{{$x := .A}}{{range .L}}{{$x}}{{.}}{{end}}{{$x = 9}}{{$x}}{{$}}', { A: 'a', L: [1, 2] }).startsWith('a1a29')).toBe(true);
  });

  it('functions: json, join, lower, upper, len, index, printf, split, title, pad, truncate, slice, and/or/not', () => {
    expect(render('{{json .}}', { A: [1, '<x>&'], B: null })).toBe('{"A":[1,"<x>&"],"B":null}');
    expect(render('{{join .L ","}} {{upper "abc"}} {{lower "ABC"}} {{len .L}} {{len "héllo"}}', { L: ['a', 'b'] })).toBe('a,b ABC abc 2 6');
    expect(render('{{index .M "k"}} {{index .L 1}} {{index .N "a" 0}}', { M: { k: 'v' }, L: ['a', 'b'], N: { a: ['deep'] } })).toBe('v b deep');
    expect(render('{{printf "%-5s|%05d|%.2f|%q|%v|%x|%t|%%" "ab" 42 3.14159 "x" .L 255 true}}', { L: [1, 2] })).toBe('ab   |00042|3.14|"x"|[1 2]|ff|true|%');
    expect(render('{{printf "%d %s"  1}}|{{printf "%d" "x"}}|{{printf "a" 1}}', {})).toBe('1 %!s(MISSING)|%!d(string=x)|a%!(EXTRA int=1)');
    expect(render('{{split "a:b" ":"}} {{title "hello world"}} {{pad "x" 1 2}}| {{truncate "abcdef" 3}} {{slice "hello" 1 3}}', {})).toBe('[a b] Hello World  x  | abc el');
    expect(render('{{not 0}} {{and 1 0}} {{or 0 "" "z"}} {{lt 1 2}} {{ne "a" "b"}} {{eq 1 2 3 1}}', {})).toBe('true 0 z true true true');
    // and/or stop at the first deciding argument, as Go 1.18+: the missing field after it is never evaluated.
    expect(render('{{or 1 .Nope}}', struct('T', {}))).toBe('1');
  });

  it('pipelines, parentheses, trim markers, comments, raw strings, escapes', () => {
    expect(render('{{.A | printf "%03d"}} {{"abc" | upper | printf "<%s>"}} {{(index .L 0) | upper}} {{(index .M "k").x}}', { A: 5, L: ['q'], M: { k: { x: 'y' } } })).toBe(
      '005 <ABC> Q y',
    );
    expect(render('a  {{- " b " -}}  c{{/* comment */}}d {{- /* trimmed */ -}} e', {})).toBe('a b cde');
    expect(render('{{`raw\\n`}}{{"\\t\\u00e9\\x41"}}', {})).toBe('raw\\n\té' + 'A');
  });

  it('parse errors are one line with Go wording', () => {
    expect(failure('{{if}}')).toBe('template: :1: missing value for if');
    expect(failure('{{end}}')).toBe('template: :1: unexpected {{end}}');
    expect(failure('{{if 1}}x')).toBe('template: :1: unexpected EOF');
    expect(failure('{{foo 1}}')).toBe('template: :1: function "foo" not defined');
    expect(failure('{{.A')).toBe('template: :1: unclosed action');
    expect(failure('{{$y}}')).toBe('template: :1: undefined variable "$y"');
    expect(failure('{{"a" | "b"}}')).toBe('template: :1: non executable command in pipeline stage 2');
    expect(failure('a\n{{"x\n"}}')).toBe('template: :2: unterminated quoted string');
    expect(failure('{{break}}')).toBe('template: :1: {{break}} outside {{range}}');
  });

  it('execution errors of functions name the function', () => {
    expect(failure('{{lower 1}}')).toBe('template: :1:2: executing "" at <lower 1>: error calling lower: wrong type for value; expected string; got int');
    expect(failure('{{index .L 5}}', { L: [] })).toMatch(/error calling index: index out of range: 5/);
    expect(failure('{{range .S}}{{end}}', { S: 'str' })).toMatch(/range can't iterate over str/);
  });
});

describe('docker list formatting', () => {
  const header = struct('H', { ID: 'CONTAINER ID', Names: 'NAMES', Short: 'S' });
  const rows = [struct('C', { ID: 'abc', Names: 'n1', Short: 'x' }), struct('C', { ID: 'abcdefabcdef', Names: 'n2', Short: 'y' })];

  it('table: header from the column titles, tabwriter alignment (min width 10, padding 3); \\t typed literally is a tab', () => {
    expect(formatList('table {{.ID}}\\t{{.Names}}', rows, { table: '', header })).toBe('CONTAINER ID   NAMES\nabc            n1\nabcdefabcdef   n2\n');
    expect(formatList('table {{.Short}}\t{{.Names}}', rows, { table: '', header })).toBe('S         NAMES\nx         n1\ny         n2\n');
    expect(formatList('table', rows, { table: '{{.Names}}', header })).toBe('NAMES\nn1\nn2\n');
    expect(formatList('table {{.ID}}', [], { table: '', header })).toBe('CONTAINER ID\n');
  });

  it('plain templates print one line per row; json is {{json .}}', () => {
    expect(formatList('{{.Names}}', rows, { table: '', header })).toBe('n1\nn2\n');
    expect(formatList('json', rows.slice(0, 1), { table: '', header })).toBe('{"ID":"abc","Names":"n1","Short":"x"}\n');
    expect(formatList('{{.Names}}', [], { table: '', header })).toBe('');
  });

  it('tabwrite leaves the last cell of a line unpadded and aligns blocks of consecutive lines', () => {
    expect(tabwrite('a\tb\tc\nlonger-cell\td\n')).toBe(`${'a'.padEnd(14)}${'b'.padEnd(10)}c\n${'longer-cell'.padEnd(14)}d\n`);
  });
});
