/**
 * The part of gopkg.in/yaml.v3's `Marshal` that k6's `status`, `pause`, `resume`, `scale` and
 * `stats` print through (spec §7), rebuilt so that the bytes match: block mappings and
 * sequences with yaml.v3's default indent of 4 (the first level inside a `- ` item sits 2 in,
 * deeper levels snap to multiples of 4), empty collections as `{}` / `[]`, map keys in
 * yaml.v3's "natural" order, floats as Go's `strconv.FormatFloat(f, 'g', -1, 64)`, and each
 * string in the style yaml.v3 would pick: plain, '…', "…" or a `|` block. yaml.v3 sets no line
 * width, so long scalars are never folded.
 *
 * Not covered, because these outputs never need them: flow style for non-empty collections,
 * anchors, tags, comments, and keys too long or multi-line for a simple key (yaml.v3 would
 * write those as `? key`).
 */

export type YamlNode =
  | { kind: 'str'; value: string }
  | { kind: 'int'; value: number | bigint }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'map'; entries: Array<[string, YamlNode]> }
  | { kind: 'seq'; items: YamlNode[] };

type ScalarNode = Extract<YamlNode, { kind: 'str' | 'int' | 'float' | 'bool' }>;

export const str = (value: string): YamlNode => ({ kind: 'str', value });
export const int = (value: number | bigint): YamlNode => ({ kind: 'int', value });
export const float = (value: number): YamlNode => ({ kind: 'float', value });
export const bool = (value: boolean): YamlNode => ({ kind: 'bool', value });
/** A Go struct: fields in declaration order. */
export const struct = (entries: Array<[string, YamlNode]>): YamlNode => ({ kind: 'map', entries });
/** A Go map: yaml.v3 sorts its keys (see `yamlKeyLess`). */
export const goMap = (entries: Array<[string, YamlNode]>): YamlNode => ({
  kind: 'map',
  entries: [...entries].sort(([a], [b]) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0)),
});
export const seq = (items: YamlNode[]): YamlNode => ({ kind: 'seq', items });

const BEST_INDENT = 4;

const isLetter = (c: string) => /^\p{L}$/u.test(c);
const isDigit = (c: string) => /^\p{Nd}$/u.test(c);

/**
 * yaml.v3's order for string map keys (sorter.go): letters compare as characters, a letter
 * sorts after a non-letter unless a digit run came just before, and digit runs compare as
 * numbers. So `p(90)` < `p(95)` < `p(99)` < `p(99.9)`, where a byte-wise sort agrees only by luck.
 */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigit(ar[i]);
      continue;
    }
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i].codePointAt(0)! < br[i].codePointAt(0)!;
    if (al || bl) return digits ? al : bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + (ar[ai].codePointAt(0)! - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + (br[bi].codePointAt(0)! - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i].codePointAt(0)! < br[i].codePointAt(0)!;
  }
  return ar.length < br.length;
}

/**
 * Go's `strconv.FormatFloat(f, 'g', -1, 64)`: the shortest digits that round-trip (as JS's own),
 * in exponent form when the exponent is below -4 or at least 6, with at least two exponent
 * digits: 1000000 -> `1e+06`, 0.00001 -> `1e-05`, 123456 -> `123456`, 100 -> `100`.
 */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return '.nan';
  if (f === Infinity) return '.inf';
  if (f === -Infinity) return '-.inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const neg = f < 0;
  const [mantissa, expText] = Math.abs(f).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  let out: string;
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    out = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return neg ? `-${out}` : out;
}

// ---- how yaml.v3 decides that a string must be quoted (encode.go stringv, resolve.go) ----

const RESOLVED_WORDS = new Set([
  ...['true', 'True', 'TRUE', 'false', 'False', 'FALSE', '', '~', 'null', 'Null', 'NULL'],
  ...['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF'],
]);
/** YAML 1.1 booleans: yaml.v3 resolves them as strings but still quotes them on the way out. */
const OLD_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
/** What Go's `strconv.ParseInt(s, 0, 64)` accepts (ignoring range) once `_` are removed. */
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
/** yaml.v3 tries `time.Parse` with these layouts on anything that starts with `YYYY-`. */
const TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(([Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[-+]\d{2}:\d{2}))|( \d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?))?$/;

/**
 * True when yaml.v3 would read `s`, written plain, back as something other than a string. Its
 * word table is only consulted for strings starting with one of `+-0-9.yYnNtTfFoO~`, so `<<`
 * (the merge key) stays plain.
 */
function resolvesToNonString(s: string): boolean {
  if (RESOLVED_WORDS.has(s)) return true;
  const c = s[0];
  if (c === '.') return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s);
  if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
    if (TIMESTAMP.test(s)) return true;
    const plain = s.replace(/_/g, '');
    return GO_INT.test(plain) || YAML_FLOAT.test(plain);
  }
  return false;
}

// ---- libyaml's scalar analysis (emitterc.go yaml_emitter_analyze_scalar) ----

const isBreak = (c: string) => c === '\r' || c === '\n' || c === '\u0085' || c === '\u2028' || c === '\u2029';
const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
/** yaml.v3's `is_printable`: astral characters (emoji) count as unprintable and get escaped. */
function isPrintable(c: string): boolean {
  const cp = c.codePointAt(0)!;
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

interface ScalarAnalysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

function analyzeScalar(value: string): ScalarAnalysis {
  if (value === '') return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  const chars = Array.from(value);
  let blockIndicators = value.startsWith('---') || value.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  chars.forEach((c, i) => {
    const next = chars[i + 1];
    const followedByWhitespace = next === undefined || isBlank(next);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      else if ((c === '?' || c === ':' || c === '-') && followedByWhitespace) blockIndicators = true;
    } else if (c === ':' && followedByWhitespace) {
      blockIndicators = true;
    } else if (c === '#' && precededByWhitespace) {
      blockIndicators = true;
    }
    if (c === '\t') tabs = true;
    else if (!isPrintable(c)) special = true;
    const last = i === chars.length - 1;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c) || c === '\0';
  });
  let blockPlainAllowed = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak);
  let singleQuotedAllowed = true;
  let blockAllowed = !trailingSpace;
  if (breakSpace) blockPlainAllowed = singleQuotedAllowed = false;
  if (spaceBreak || tabs || special) blockPlainAllowed = singleQuotedAllowed = false;
  if (spaceBreak || special) blockAllowed = false;
  if (lineBreaks || blockIndicators) blockPlainAllowed = false;
  return { multiline: lineBreaks, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

type Style = 'plain' | 'single' | 'double' | 'literal';

/** encode.go's choice for a Go string, then the emitter's downgrades for what it cannot write. */
function scalarStyle(node: ScalarNode, a: ScalarAnalysis, simpleKey: boolean): Style {
  let style: Style = 'plain';
  if (node.kind === 'str') {
    const s = node.value;
    const canUsePlain = !resolvesToNonString(s) && !BASE60_FLOAT.test(s) && !OLD_BOOLS.has(s);
    style = s.includes('\n') ? 'literal' : canUsePlain ? 'plain' : 'double';
  }
  if (simpleKey && a.multiline) style = 'double';
  if (style === 'plain' && (!a.blockPlainAllowed || (simpleKey && scalarText(node) === ''))) style = 'single';
  if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
  if (style === 'literal' && (!a.blockAllowed || simpleKey)) style = 'double';
  return style;
}

function scalarText(node: ScalarNode): string {
  switch (node.kind) {
    case 'str':
      return node.value;
    case 'int':
      return String(node.value);
    case 'float':
      return goFloat(node.value);
    case 'bool':
      return node.value ? 'true' : 'false';
  }
}

const ESCAPES: Record<number, string> = {
  0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
  0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
};

function escapeChar(c: string): string {
  const cp = c.codePointAt(0)!;
  const named = ESCAPES[cp];
  if (named !== undefined) return `\\${named}`;
  const [letter, width] = cp <= 0xff ? ['x', 2] : cp <= 0xffff ? ['u', 4] : ['U', 8];
  return `\\${letter}${cp.toString(16).toUpperCase().padStart(width, '0')}`;
}

/** libyaml's output state: the column, and whether the last thing written was whitespace/indentation. */
class Emitter {
  out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;

  private put(s: string): void {
    this.out += s;
    this.column += Array.from(s).length;
  }

  private putBreak(): void {
    this.out += '\n';
    this.column = 0;
    this.indention = true;
  }

  private writeIndent(indent: number): void {
    const target = Math.max(indent, 0);
    if (!this.indention || this.column > target || (this.column === target && !this.whitespace)) this.putBreak();
    while (this.column < target) this.put(' ');
    this.whitespace = true;
  }

  private indicator(text: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(text);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  /** yaml_emitter_increase_indent for block content: +2 right after `- `, else the next multiple of 4. */
  private static nested(indent: number, inSequenceItem: boolean): number {
    if (indent < 0) return 0;
    if (inSequenceItem) return indent + 2;
    return BEST_INDENT * Math.floor((indent + BEST_INDENT) / BEST_INDENT);
  }

  document(root: YamlNode): string {
    this.node(root, -1, false);
    this.writeIndent(0);
    return this.out;
  }

  /** `indent` is the enclosing block's; `inSequenceItem` when the node follows `- `. */
  private node(node: YamlNode, indent: number, inSequenceItem: boolean): void {
    switch (node.kind) {
      case 'map':
        if (node.entries.length === 0) return this.indicator('{}', true, false, false);
        return this.blockMap(node.entries, Emitter.nested(indent, inSequenceItem));
      case 'seq':
        if (node.items.length === 0) return this.indicator('[]', true, false, false);
        return this.blockSeq(node.items, Emitter.nested(indent, inSequenceItem));
      case 'str':
      case 'int':
      case 'float':
      case 'bool':
        return this.scalar(node, indent < 0 ? BEST_INDENT : Emitter.nested(indent, inSequenceItem), false);
    }
  }

  private blockMap(entries: Array<[string, YamlNode]>, indent: number): void {
    for (const [key, value] of entries) {
      this.writeIndent(indent);
      this.scalar({ kind: 'str', value: key }, Emitter.nested(indent, false), true);
      this.indicator(':', false, false, false);
      this.node(value, indent, false);
    }
  }

  private blockSeq(items: YamlNode[], indent: number): void {
    for (const item of items) {
      this.writeIndent(indent);
      this.indicator('-', true, false, true);
      this.node(item, indent, true);
    }
  }

  /** `indent` is where the lines of a multi-line scalar start. */
  private scalar(node: ScalarNode, indent: number, simpleKey: boolean): void {
    const text = scalarText(node);
    switch (scalarStyle(node, analyzeScalar(text), simpleKey)) {
      case 'plain':
        return this.plain(text);
      case 'single':
        return this.singleQuoted(text, indent);
      case 'double':
        return this.doubleQuoted(text);
      case 'literal':
        return this.literal(text, indent);
    }
  }

  private plain(text: string): void {
    if (text.length > 0 && !this.whitespace) this.put(' ');
    this.put(text);
    if (text.length > 0) this.whitespace = false;
    this.indention = false;
  }

  private singleQuoted(text: string, indent: number): void {
    this.indicator("'", true, false, false);
    let breaks = false;
    for (const c of text) {
      if (isBreak(c)) {
        if (!breaks && c === '\n') this.putBreak();
        this.writeBreak(c);
        breaks = true;
      } else {
        if (breaks) this.writeIndent(indent);
        this.put(c === "'" ? "''" : c);
        this.indention = false;
        breaks = false;
      }
    }
    this.indicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private doubleQuoted(text: string): void {
    this.indicator('"', true, false, false);
    // libyaml's BOM test looks at the start of the string whatever the position, so a leading
    // BOM gets every character escaped.
    const bom = text.startsWith('\ufeff');
    for (const c of text) {
      const escape = bom || !isPrintable(c) || isBreak(c) || c === '"' || c === '\\';
      this.put(escape ? escapeChar(c) : c);
    }
    this.indicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private literal(text: string, indent: number): void {
    const chars = Array.from(text);
    this.indicator('|', true, false, false);
    if (chars[0] === ' ' || isBreak(chars[0])) this.indicator(String(BEST_INDENT), false, false, false);
    const last = chars[chars.length - 1];
    let chomp = '';
    if (!isBreak(last)) chomp = '-';
    else if (chars.length === 1 || isBreak(chars[chars.length - 2])) chomp = '+';
    if (chomp) this.indicator(chomp, false, false, false);
    this.whitespace = true;
    let breaks = true;
    for (const c of chars) {
      if (isBreak(c)) {
        this.writeBreak(c);
        breaks = true;
      } else {
        if (breaks) this.writeIndent(indent);
        this.put(c);
        this.indention = false;
        breaks = false;
      }
    }
  }

  private writeBreak(c: string): void {
    if (c === '\n') return this.putBreak();
    this.out += c;
    this.column = 0;
    this.indention = true;
  }
}

/** The document `yaml.Marshal` returns for `root`, ending in a newline. */
export function toYaml(root: YamlNode): string {
  return new Emitter().document(root);
}
