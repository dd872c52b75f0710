/**
 * k6/html as in k6 v0.49 (js/modules/k6/html): parseHTML() gives a Selection with goquery's
 * traversals, and Selection.get() gives Elements with k6's DOM-like methods (methods, not
 * properties, as in k6). Parsing (parse5) and CSS selectors (css-select) come from cheerio; the
 * traversals, text and HTML rendering follow goquery and Go's x/net/html so results match k6's.
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Document, Element as DomElement } from 'domhandler';

/**
 * cheerio, loaded on the first parse: every script worker loads k6/http (which offers res.html()),
 * and most scripts never parse HTML; loading it eagerly cost each worker thread its memory.
 */
let cheerioModule: typeof import('cheerio') | null = null;
function cheerio(): typeof import('cheerio') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cheerioModule ??= require('cheerio') as typeof import('cheerio');
  return cheerioModule;
}

/** k6's errors from Go code reach the script as a GoError. */
class GoError extends Error {}
GoError.prototype.name = 'GoError';

// ---------------------------------------------------------------------------------------------
// Nodes (domhandler's, as cheerio's parse5 adapter makes them)

const isElement = (n: AnyNode): n is DomElement => n.type === 'tag' || n.type === 'script' || n.type === 'style';
const isText = (n: AnyNode): boolean => n.type === 'text';
const childrenOf = (n: AnyNode): AnyNode[] => ('children' in n ? (n.children as AnyNode[]) : []);
const attribsOf = (n: AnyNode): Record<string, string> | null => (isElement(n) ? n.attribs : null);

function attrOf(n: AnyNode | undefined, name: string): string | undefined {
  const attribs = n ? attribsOf(n) : null;
  return attribs && Object.prototype.hasOwnProperty.call(attribs, name) ? attribs[name] : undefined;
}

/** goquery.NodeName: the tag, or #text, #comment, #document; a doctype's name. */
function nodeName(n: AnyNode | undefined): string {
  if (!n) return '';
  if (isElement(n)) return n.name;
  switch (n.type) {
    case 'text':
      return '#text';
    case 'comment':
      return '#comment';
    case 'root':
      return '#document';
    case 'directive':
      return doctypeName(n.data);
    default:
      return '';
  }
}

function doctypeName(data: string): string {
  const m = /^!doctype\s+(\S+)/i.exec(data);
  return m ? m[1].toLowerCase() : '';
}

/** Go's html.Node.Data: what k6 picks an Element kind by (a tag; the text of a text node). */
function nodeData(n: AnyNode): string {
  if (isElement(n)) return n.name;
  if (n.type === 'text' || n.type === 'comment') return (n as unknown as { data: string }).data;
  if (n.type === 'directive') return doctypeName((n as unknown as { data: string }).data);
  return '';
}

/** goquery's Text(): the text nodes under each node, in order. */
function textOf(nodes: readonly AnyNode[]): string {
  let out = '';
  const walk = (n: AnyNode) => {
    if (isText(n)) out += (n as unknown as { data: string }).data;
    for (const c of childrenOf(n)) walk(c);
  };
  nodes.forEach(walk);
  return out;
}

// Go's html.Render (x/net/html/render.go).
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const RAW_TEXT = new Set(['iframe', 'noembed', 'noframes', 'noscript', 'plaintext', 'script', 'style', 'xmp']);
const ESCAPES: Record<string, string> = { '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\r': '&#13;' };
const goEscape = (s: string) => s.replace(/[&'<>"\r]/g, (c) => ESCAPES[c]);

function render(n: AnyNode, raw = false): string {
  switch (n.type) {
    case 'text': {
      const data = (n as unknown as { data: string }).data;
      return raw ? data : goEscape(data);
    }
    case 'comment':
      return `<!--${(n as unknown as { data: string }).data}-->`;
    case 'directive':
      return `<${(n as unknown as { data: string }).data.replace(/^!doctype/i, '!DOCTYPE')}>`;
    case 'root':
      return childrenOf(n).map((c) => render(c)).join('');
    default:
      break;
  }
  if (!isElement(n)) return '';
  const prefixes = (n as unknown as { 'x-attribsPrefix'?: Record<string, string> })['x-attribsPrefix'] ?? {};
  let out = `<${n.name}`;
  for (const [key, value] of Object.entries(n.attribs)) {
    const prefix = prefixes[key];
    const name = prefix && !key.startsWith(`${prefix}:`) ? `${prefix}:${key}` : key;
    out += ` ${name}="${goEscape(value)}"`;
  }
  if (VOID.has(n.name)) return `${out}/>`;
  out += '>';
  const first = n.children[0];
  if (first && isText(first) && (n.name === 'pre' || n.name === 'listing' || n.name === 'textarea') && (first as unknown as { data: string }).data.startsWith('\n')) out += '\n';
  const rawKids = RAW_TEXT.has(n.name);
  for (const c of n.children) out += render(c, rawKids);
  return `${out}</${n.name}>`;
}

/** goquery's Html(): the first node's children, rendered. */
const innerHTML = (n: AnyNode | undefined): string => (n ? childrenOf(n).map((c) => render(c, isElement(n) && RAW_TEXT.has(n.name))).join('') : '');

// ---------------------------------------------------------------------------------------------
// Helpers as in k6 (util.go)

const INITIALISMS = new Set([
  'ACL', 'API', 'ASCII', 'CPU', 'CSS', 'DNS', 'EOF', 'GUID', 'HTML', 'HTTP', 'HTTPS', 'ID', 'IP', 'JSON', 'LHS', 'QPS', 'RAM', 'RHS', 'RPC',
  'SLA', 'SMTP', 'SQL', 'SSH', 'TCP', 'TLS', 'TTL', 'UDP', 'UI', 'UID', 'UUID', 'URI', 'URL', 'UTF8', 'VM', 'XML', 'XMPP', 'XSRF', 'XSS',
]);

/** snaker.SnakeToCamel: each part capitalized, Go's initialisms upper-cased. */
function snakeToCamel(s: string): string {
  return s
    .split('_')
    .filter((p) => p !== '')
    .map((p) => (INITIALISMS.has(p.toUpperCase()) ? p.toUpperCase() : p[0].toUpperCase() + p.slice(1)))
    .join('');
}

/** `data-user-id` -> userID (k6's attrToProperty, after the `data-`). */
function attrToProperty(s: string): string {
  const idx = s.indexOf('-');
  return idx === -1 ? s : s.slice(0, idx) + snakeToCamel(s.slice(idx + 1).replace(/-/g, '_'));
}

/** userId, userID -> user-id (snaker.CamelToSnake, `_` as `-`). */
function propertyToAttr(s: string): string {
  return s
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/_/g, '-');
}

function convertDataAttrVal(val: string): unknown {
  if (val.length === 0) return undefined;
  if (val[0] === '{' || val[0] === '[') {
    try {
      return JSON.parse(val) as unknown;
    } catch {
      return val;
    }
  }
  switch (val) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
    case 'undefined':
      return undefined;
    default: {
      // A number only when Go's shortest formatting gives the same text back ("1.50", "1e3" stay strings).
      if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(val)) return val;
      const n = Number(val);
      const repr = Object.is(n, -0) ? '-0' : String(n);
      return repr === val ? n : val;
    }
  }
}

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** How Go names a JS value's exported type, for k6's "cannot use a '...' as a selector". */
function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (v instanceof Element) return `html.${v.kind}`;
  if (v instanceof Selection) return 'html.Selection';
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'int64' : 'float64';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'function':
      return 'func(goja.FunctionCall) goja.Value';
    default:
      return Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}';
  }
}

const selectorError = (v: unknown) => new GoError(`invalid argument, cannot use a '${goTypeName(v)}' as a selector`);

/** Nodes without repeats, in the order first seen (goquery's unique appends). */
function unique(nodes: Iterable<AnyNode>): AnyNode[] {
  const seen = new Set<AnyNode>();
  const out: AnyNode[] = [];
  for (const n of nodes) {
    if (!seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Selection

/** One parsed document: cheerio's API over it, for CSS selectors. */
class Doc {
  constructor(readonly $: CheerioAPI) {}

  /** Nodes of `nodes` matching `selector`; nothing for a selector that does not parse (as cascadia). */
  matching(nodes: readonly AnyNode[], selector: string): AnyNode[] {
    try {
      const matched = new Set<AnyNode>(this.$(nodes.filter(isElement)).filter(selector).toArray());
      return nodes.filter((n) => matched.has(n));
    } catch {
      return [];
    }
  }

  matches(node: AnyNode, selector: string): boolean {
    return this.matching([node], selector).length > 0;
  }

  /** The descendants of each node matching `selector`, in document order per node. */
  find(nodes: readonly AnyNode[], selector: string): AnyNode[] {
    try {
      return unique(nodes.flatMap((n) => this.$(n).find(selector).toArray()));
    } catch {
      return [];
    }
  }
}

type Fn = (...args: unknown[]) => unknown;

const parentElement = (n: AnyNode): AnyNode | null => (n.parent && isElement(n.parent) ? n.parent : null);

function elementSiblings(n: AnyNode, dir: 'next' | 'prev', all: boolean): AnyNode[] {
  const out: AnyNode[] = [];
  for (let s = dir === 'next' ? n.next : n.prev; s; s = dir === 'next' ? s.next : s.prev) {
    if (!isElement(s)) continue;
    out.push(s);
    if (!all) break;
  }
  return out;
}

function ancestors(n: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (let p = parentElement(n); p; p = parentElement(p)) out.push(p);
  return out;
}

/** A set of nodes, as k6's html.Selection (goquery's). */
export class Selection {
  /** The response's URL for res.html() (k6's `url` field); links resolve against it. */
  url: string;
  /** @internal */
  declare readonly nodes: AnyNode[];
  /** @internal */
  declare readonly doc: Doc;
  private declare readonly prevSel: Selection | null;

  constructor(doc: Doc, nodes: AnyNode[], url = '', prev: Selection | null = null) {
    this.url = url;
    Object.defineProperty(this, 'doc', { value: doc, enumerable: false });
    Object.defineProperty(this, 'nodes', { value: nodes, enumerable: false });
    Object.defineProperty(this, 'prevSel', { value: prev, enumerable: false });
  }

  private make(nodes: AnyNode[]): Selection {
    return new Selection(this.doc, nodes, this.url, this);
  }

  /** A selector, a Selection or an Element (a plain one, as k6) as nodes to match; `fromString` for a selector. */
  private vararg(arg: unknown, fromString: (s: string) => AnyNode[], fromNodes: (nodes: AnyNode[]) => AnyNode[]): Selection {
    if (typeof arg === 'string') return this.make(fromString(arg));
    if (arg instanceof Selection) return this.make(fromNodes(arg.nodes));
    if (arg instanceof Element && arg.kind === 'Element') return this.make(fromNodes([arg.node]));
    throw selectorError(arg);
  }

  /** The callback k6 gives filter/is/not: (index, the node's selection). */
  private matcher(fn: Fn): (n: AnyNode, i: number) => boolean {
    return (n, i) => Boolean(fn.call(undefined, i, this.make([n])));
  }

  add(arg: unknown): Selection {
    return this.vararg(arg, (s) => unique([...this.nodes, ...this.doc.find([this.doc.$.root()[0]], s)]), (nodes) => unique([...this.nodes, ...nodes]));
  }

  find(arg: unknown): Selection {
    return this.vararg(
      arg,
      (s) => this.doc.find(this.nodes, s),
      (nodes) => nodes.filter((n) => this.nodes.some((root) => root !== n && contains(root, n))),
    );
  }

  closest(arg: unknown): Selection {
    const climb = (test: (n: AnyNode) => boolean) =>
      unique(this.nodes.flatMap((n) => {
        for (let c: AnyNode | null = n; c && isElement(c); c = c.parent) if (test(c)) return [c];
        return [];
      }));
    return this.vararg(arg, (s) => climb((n) => this.doc.matches(n, s)), (nodes) => climb((n) => nodes.includes(n)));
  }

  has(arg: unknown): Selection {
    return this.vararg(
      arg,
      (s) => this.nodes.filter((n) => this.doc.find([n], s).length > 0),
      (nodes) => this.nodes.filter((n) => nodes.some((d) => d !== n && contains(n, d))),
    );
  }

  not(arg: unknown): Selection {
    if (typeof arg === 'function') {
      const match = this.matcher(arg as Fn);
      return this.make(this.nodes.filter((n, i) => !match(n, i)));
    }
    return this.vararg(
      arg,
      (s) => {
        const out = new Set(this.doc.matching(this.nodes, s));
        return this.nodes.filter((n) => !out.has(n));
      },
      (nodes) => this.nodes.filter((n) => !nodes.includes(n)),
    );
  }

  private adjacent(step: (n: AnyNode) => AnyNode[], filter: unknown[]): Selection {
    const nodes = unique(this.nodes.flatMap(step));
    return this.make(filter.length > 0 ? this.doc.matching(nodes, String(filter[0])) : nodes);
  }

  next(...filter: unknown[]): Selection {
    return this.adjacent((n) => elementSiblings(n, 'next', false), filter);
  }

  nextAll(...filter: unknown[]): Selection {
    return this.adjacent((n) => elementSiblings(n, 'next', true), filter);
  }

  prev(...filter: unknown[]): Selection {
    return this.adjacent((n) => elementSiblings(n, 'prev', false), filter);
  }

  prevAll(...filter: unknown[]): Selection {
    return this.adjacent((n) => elementSiblings(n, 'prev', true), filter);
  }

  parent(...filter: unknown[]): Selection {
    return this.adjacent((n) => {
      const p = parentElement(n);
      return p ? [p] : [];
    }, filter);
  }

  parents(...filter: unknown[]): Selection {
    return this.adjacent(ancestors, filter);
  }

  siblings(...filter: unknown[]): Selection {
    return this.adjacent((n) => (n.parent ? childrenOf(n.parent).filter((s) => s !== n && isElement(s)) : []), filter);
  }

  children(...filter: unknown[]): Selection {
    return this.adjacent((n) => childrenOf(n).filter(isElement), filter);
  }

  contents(): Selection {
    return this.make(unique(this.nodes.flatMap(childrenOf)));
  }

  /** nextUntil / prevUntil / parentsUntil: (until?: selector | Selection | null, filter?: selector). */
  private until(step: (n: AnyNode) => AnyNode[], args: unknown[]): Selection {
    let stop: (n: AnyNode) => boolean = () => false;
    if (args.length > 0) {
      const sel = args[0];
      if (typeof sel === 'string') stop = (n) => this.doc.matches(n, sel);
      else if (sel instanceof Selection) stop = (n) => sel.nodes.includes(n);
      else if (sel !== null && sel !== undefined) throw selectorError(sel);
    }
    const nodes = unique(this.nodes.flatMap((n) => {
      const out: AnyNode[] = [];
      for (const s of step(n)) {
        if (stop(s)) break;
        out.push(s);
      }
      return out;
    }));
    // k6 reads a second argument as text, even `undefined` ("undefined" matches nothing).
    return this.make(args.length > 1 ? this.doc.matching(nodes, String(args[1])) : nodes);
  }

  nextUntil(...args: unknown[]): Selection {
    return this.until((n) => elementSiblings(n, 'next', true), args);
  }

  prevUntil(...args: unknown[]): Selection {
    return this.until((n) => elementSiblings(n, 'prev', true), args);
  }

  parentsUntil(...args: unknown[]): Selection {
    return this.until(ancestors, args);
  }

  size(): number {
    return this.nodes.length;
  }

  end(): Selection {
    return this.prevSel ?? new Selection(this.doc, [], this.url);
  }

  eq(idx: number): Selection {
    const i = Math.trunc(Number(idx));
    const at = i < 0 ? this.nodes.length + i : i;
    return this.make(at >= 0 && at < this.nodes.length ? [this.nodes[at]] : []);
  }

  first(): Selection {
    return this.eq(0);
  }

  last(): Selection {
    return this.eq(-1);
  }

  text(): string {
    return textOf(this.nodes);
  }

  attr(name: string, ...def: unknown[]): unknown {
    const value = attrOf(this.nodes[0], String(name));
    if (value === undefined) return def.length > 0 ? def[0] : undefined;
    return value;
  }

  html(): string {
    return innerHTML(this.nodes[0]);
  }

  val(): unknown {
    const first = this.nodes[0];
    switch (nodeName(first)) {
      case 'input': {
        const value = attrOf(first, 'value');
        if (value !== undefined) return value;
        const type = attrOf(first, 'type');
        return type === 'radio' || type === 'checkbox' ? 'on' : '';
      }
      case 'button':
        return attrOf(first, 'value') ?? '';
      case 'textarea':
        return this.html();
      case 'option':
        return valueOrHTML(first);
      case 'select': {
        const selected = this.doc.find([first], 'option[selected]');
        if (attrOf(first, 'multiple') !== undefined) return selected.map(valueOrHTML);
        return valueOrHTML(selected[0]);
      }
      default:
        return undefined;
    }
  }

  each(fn: unknown): Selection {
    if (typeof fn !== 'function') throw new GoError('the argument to each() must be a function');
    this.nodes.forEach((n, i) => {
      try {
        (fn as Fn).call(undefined, i, toElement(this.make([n])));
      } catch (e) {
        throw new GoError(`the function passed to each() failed: ${String(e)}`);
      }
    });
    return this;
  }

  filter(arg: unknown): Selection {
    if (typeof arg === 'string') return this.make(this.doc.matching(this.nodes, arg));
    if (arg instanceof Selection) return this.make(this.nodes.filter((n) => arg.nodes.includes(n)));
    if (typeof arg !== 'function') throw new GoError('the argument to filter() must be a function, a selector or a selection');
    const match = this.matcher(arg as Fn);
    return this.make(this.nodes.filter(match));
  }

  is(arg: unknown): boolean {
    if (typeof arg === 'string') return this.doc.matching(this.nodes, arg).length > 0;
    if (arg instanceof Selection) return this.nodes.some((n) => arg.nodes.includes(n));
    if (typeof arg !== 'function') throw new GoError('the argument to is() must be a function, a selector or a selection');
    const match = this.matcher(arg as Fn);
    return this.nodes.some(match);
  }

  /** The callback's results (an exception leaves that node out, as k6). */
  map(fn: unknown): unknown[] {
    if (typeof fn !== 'function') throw new GoError('the argument to map() must be a function');
    const out: unknown[] = [];
    this.nodes.forEach((n, i) => {
      try {
        out.push((fn as Fn).call(undefined, i, this.make([n])));
      } catch {
        // k6 drops it.
      }
    });
    return out;
  }

  slice(start: number, ...end: number[]): Selection {
    const len = this.nodes.length;
    const norm = (i: number) => {
      const n = Math.trunc(Number(i));
      return n < 0 ? n + len : n;
    };
    const from = norm(start);
    const to = end.length > 0 ? norm(end[0]) : len;
    return this.make(this.nodes.slice(from, to));
  }

  get(...def: number[]): unknown {
    if (def.length === 0) return this.nodes.map((_n, i) => toElement(this.eq(i)));
    const i = Math.trunc(Number(def[0]));
    return i < this.nodes.length && i > -this.nodes.length ? toElement(this.eq(i)) : undefined;
  }

  toArray(): Selection[] {
    return this.nodes.map((_n, i) => this.eq(i));
  }

  index(...def: unknown[]): number {
    if (def.length === 0) {
      const first = this.nodes[0];
      if (!first) return -1;
      return first.parent ? (childrenOf(first.parent).filter(isElement) as AnyNode[]).indexOf(first) : 0;
    }
    const v = def[0];
    if (v instanceof Selection) return v.nodes.length ? this.nodes.indexOf(v.nodes[0]) : -1;
    if (typeof v === 'string') return this.nodes.length ? this.doc.find([this.doc.$.root()[0]], v).indexOf(this.nodes[0]) : -1;
    if (v instanceof Element && v.kind === 'Element') return this.nodes.indexOf(v.node);
    return -1;
  }

  data(...def: string[]): unknown {
    const first = this.nodes[0];
    const attribs = first ? attribsOf(first) : null;
    if (!attribs || Object.keys(attribs).length === 0) return undefined;
    if (def.length > 0) {
      const value = attrOf(first, `data-${propertyToAttr(String(def[0]))}`);
      return value === undefined ? undefined : convertDataAttrVal(value);
    }
    const data: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(attribs)) {
      if (key.startsWith('data-') && key.length > 5) data[attrToProperty(key.slice(5))] = convertDataAttrVal(value);
    }
    return data;
  }

  serializeArray(): Array<{ name: string; value: unknown }> {
    const submittable = 'input,select,textarea,keygen';
    const elements = this.is('form') ? this.doc.find(this.nodes, submittable) : this.doc.matching(this.nodes, submittable);
    return elements
      .filter((n) => {
        const name = attrOf(n, 'name') ?? '';
        const type = attrOf(n, 'type') ?? '';
        const checked = attrOf(n, 'checked') ?? '';
        return name !== '' && (attrOf(n, 'disabled') ?? '') !== 'disabled' && !['submit', 'button', 'reset', 'image', 'file'].includes(type) && (checked === 'checked' || (type !== 'checkbox' && type !== 'radio'));
      })
      .map((n) => ({ name: attrOf(n, 'name') as string, value: this.make([n]).val() }));
  }

  serializeObject(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const { name, value } of this.serializeArray()) out[name] = value;
    return out;
  }

  /** Go's url.Values: the last value of a name (all of a multiple select's), names sorted. */
  serialize(): string {
    const values = new Map<string, string[]>();
    for (const { name, value } of this.serializeArray()) {
      if (typeof value === 'string') values.set(name, [value]);
      else if (Array.isArray(value)) values.set(name, value.map(String));
    }
    return [...values.keys()]
      .sort()
      .flatMap((k) => (values.get(k) as string[]).map((v) => `${queryEscape(k)}=${queryEscape(v)}`))
      .join('&');
  }

  toJSON(): Record<string, unknown> {
    return { url: this.url };
  }
}

function contains(ancestor: AnyNode, node: AnyNode): boolean {
  for (let p = node.parent; p; p = p.parent) if (p === ancestor) return true;
  return false;
}

function valueOrHTML(n: AnyNode | undefined): string {
  const value = attrOf(n, 'value');
  return value !== undefined ? value : innerHTML(n);
}

// ---------------------------------------------------------------------------------------------
// Elements

const NODE_TYPES: Record<string, number> = { text: 3, root: 9, tag: 1, script: 1, style: 1, comment: 8, directive: 10, cdata: 1 };

/** Element kinds by tag, and the kinds they build on (k6's elements.go). */
const KINDS: Record<string, [string, string?]> = {
  a: ['AnchorElement', 'HrefElement'], area: ['AreaElement', 'HrefElement'], audio: ['AudioElement', 'MediaElement'], base: ['BaseElement'],
  button: ['ButtonElement', 'FormFieldElement'], canvas: ['CanvasElement'], data: ['DataElement'], datalist: ['DataListElement'],
  del: ['DelElement', 'ModElement'], embed: ['EmbedElement'], fieldset: ['FieldSetElement'], form: ['FormElement'], iframe: ['IFrameElement'],
  img: ['ImageElement'], input: ['InputElement', 'FormFieldElement'], ins: ['InsElement', 'ModElement'], keygen: ['KeygenElement'],
  label: ['LabelElement'], legend: ['LegendElement'], li: ['LiElement'], link: ['LinkElement'], map: ['MapElement'], meta: ['MetaElement'],
  meter: ['MeterElement'], object: ['ObjectElement'], ol: ['OListElement'], optgroup: ['OptGroupElement'], option: ['OptionElement'],
  output: ['OutputElement'], param: ['ParamElement'], pre: ['PreElement'], progress: ['ProgressElement'], quote: ['QuoteElement'],
  script: ['ScriptElement'], select: ['SelectElement'], source: ['SourceElement'], style: ['StyleElement'], table: ['TableElement'],
  thead: ['TableHeadElement', 'TableSectionElement'], tfoot: ['TableFootElement', 'TableSectionElement'], tbody: ['TableBodyElement', 'TableSectionElement'],
  tr: ['TableRowElement'], col: ['TableColElement'], td: ['TableDataCellElement', 'TableCellElement'], th: ['TableHeaderCellElement', 'TableCellElement'],
  textarea: ['TextAreaElement'], time: ['TimeElement'], title: ['TitleElement'], track: ['TrackElement'], ul: ['UListElement'], video: ['VideoElement', 'MediaElement'],
};

const REFERRER = ['', 'no-referrer', 'no-referrer-when-downgrade', 'origin', 'origin-when-cross-origin', 'unsafe-url'];
const CROSS_ORIGIN = ['anonymous', 'use-credentials'];
const INPUT_TYPES = ['text', 'button', 'checkbox', 'color', 'date', 'datetime-local', 'email', 'file', 'hidden', 'image', 'month', 'number', 'password', 'radio', 'range', 'reset', 'search', 'submit', 'tel', 'time', 'url', 'week'];
const ENCTYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * k6's generated attribute methods (gen/gen_elements.go): [kind, method, attribute, template, options].
 * string: the attribute or ""; bool: whether present; int: as a number or the default; url: resolved
 * against the response URL (the attribute as is without one); enum: a valid value or the first; enum-goja:
 * a valid value or undefined; const: the value.
 */
type Gen = [string, string, string, 'string' | 'bool' | 'int' | 'url' | 'enum' | 'enum-goja' | 'const', (string | number)[]?];
const GENERATED: Gen[] = [
  ['HrefElement', 'download', 'download', 'string'], ['HrefElement', 'referrerPolicy', 'referrerpolicy', 'enum', REFERRER],
  ['HrefElement', 'rel', 'rel', 'string'], ['HrefElement', 'href', 'href', 'url', ['']], ['HrefElement', 'target', 'target', 'string'],
  ['HrefElement', 'type', 'type', 'string'], ['HrefElement', 'accessKey', 'accesskey', 'string'], ['HrefElement', 'hrefLang', 'hreflang', 'string'],
  ['HrefElement', 'toString', 'href', 'url', ['']],
  ['MediaElement', 'autoplay', 'autoplay', 'bool'], ['MediaElement', 'controls', 'controls', 'bool'], ['MediaElement', 'loop', 'loop', 'bool'],
  ['MediaElement', 'muted', 'muted', 'bool'], ['MediaElement', 'preload', 'preload', 'enum', ['auto', 'metadata', 'none']],
  ['MediaElement', 'src', 'src', 'url', ['']], ['MediaElement', 'crossOrigin', 'crossorigin', 'enum-goja', CROSS_ORIGIN],
  ['MediaElement', 'currentSrc', 'src', 'string'], ['MediaElement', 'defaultMuted', 'muted', 'bool'], ['MediaElement', 'mediaGroup', 'mediagroup', 'string'],
  ['BaseElement', 'href', 'href', 'url', ['<url>']], ['BaseElement', 'target', 'target', 'string'],
  ['ButtonElement', 'accessKey', 'accesskey', 'string'], ['ButtonElement', 'autofocus', 'autofocus', 'bool'], ['ButtonElement', 'disabled', 'disabled', 'bool'],
  ['ButtonElement', 'tabIndex', 'tabindex', 'int', [0]], ['ButtonElement', 'type', 'type', 'enum', ['submit', 'button', 'menu', 'reset']],
  ['DataElement', 'value', 'value', 'string'],
  ['EmbedElement', 'height', 'height', 'string'], ['EmbedElement', 'width', 'width', 'string'], ['EmbedElement', 'src', 'src', 'string'], ['EmbedElement', 'type', 'type', 'string'],
  ['FieldSetElement', 'disabled', 'disabled', 'bool'], ['FieldSetElement', 'name', 'name', 'string'],
  ['FormElement', 'action', 'action', 'url', ['']], ['FormElement', 'name', 'name', 'string'], ['FormElement', 'target', 'target', 'string'],
  ['FormElement', 'enctype', 'enctype', 'enum', ENCTYPES], ['FormElement', 'encoding', 'enctype', 'enum', ENCTYPES],
  ['FormElement', 'acceptCharset', 'accept-charset', 'string'], ['FormElement', 'autocomplete', 'autocomplete', 'enum', ['on', 'off']],
  ['FormElement', 'noValidate', 'novalidate', 'bool'],
  ['IFrameElement', 'allowfullscreen', 'allowfullscreen', 'bool'], ['IFrameElement', 'referrerPolicy', 'referrerpolicy', 'enum', REFERRER],
  ['IFrameElement', 'height', 'height', 'string'], ['IFrameElement', 'width', 'width', 'string'], ['IFrameElement', 'name', 'name', 'string'],
  ['IFrameElement', 'src', 'src', 'url', ['']],
  ['ImageElement', 'currentSrc', 'src', 'url', ['']], ['ImageElement', 'sizes', 'sizes', 'string'], ['ImageElement', 'srcset', 'srcset', 'string'],
  ['ImageElement', 'alt', 'alt', 'string'], ['ImageElement', 'crossOrigin', 'crossorigin', 'enum-goja', CROSS_ORIGIN],
  ['ImageElement', 'height', 'height', 'int', [0]], ['ImageElement', 'width', 'width', 'int', [0]], ['ImageElement', 'isMap', 'ismap', 'bool'],
  ['ImageElement', 'name', 'name', 'string'], ['ImageElement', 'src', 'src', 'url', ['']], ['ImageElement', 'useMap', 'usemap', 'string'],
  ['ImageElement', 'referrerPolicy', 'referrerpolicy', 'enum', REFERRER],
  ['InputElement', 'name', 'name', 'string'], ['InputElement', 'tabIndex', 'tabindex', 'int', [0]], ['InputElement', 'type', 'type', 'enum', INPUT_TYPES],
  ['InputElement', 'disabled', 'disabled', 'bool'], ['InputElement', 'autofocus', 'autofocus', 'bool'], ['InputElement', 'required', 'required', 'bool'],
  ['InputElement', 'value', 'value', 'string'], ['InputElement', 'checked', 'checked', 'bool'], ['InputElement', 'defaultChecked', 'checked', 'bool'],
  ['InputElement', 'alt', 'alt', 'string'], ['InputElement', 'src', 'src', 'url', ['']], ['InputElement', 'height', 'height', 'string'],
  ['InputElement', 'width', 'width', 'string'], ['InputElement', 'accept', 'accept', 'string'], ['InputElement', 'autocomplete', 'autocomplete', 'enum', ['on', 'off']],
  ['InputElement', 'maxLength', 'maxlength', 'int', [-1]], ['InputElement', 'size', 'size', 'int', [0]], ['InputElement', 'pattern', 'pattern', 'string'],
  ['InputElement', 'placeholder', 'placeholder', 'string'], ['InputElement', 'readonly', 'readonly', 'bool'], ['InputElement', 'min', 'min', 'string'],
  ['InputElement', 'max', 'max', 'string'], ['InputElement', 'defaultValue', 'value', 'string'], ['InputElement', 'dirName', 'dirname', 'string'],
  ['InputElement', 'accessKey', 'accesskey', 'string'], ['InputElement', 'multiple', 'multiple', 'bool'], ['InputElement', 'step', 'step', 'string'],
  ['KeygenElement', 'autofocus', 'autofocus', 'bool'], ['KeygenElement', 'challenge', 'challenge', 'string'], ['KeygenElement', 'disabled', 'disabled', 'bool'],
  ['KeygenElement', 'keytype', 'keytype', 'enum', ['RSA', 'DSA', 'EC']], ['KeygenElement', 'name', 'name', 'string'], ['KeygenElement', 'type', 'type', 'const', ['keygen']],
  ['LabelElement', 'htmlFor', 'for', 'string'], ['LegendElement', 'accessKey', 'accesskey', 'string'],
  ['LiElement', 'value', 'value', 'int', [0]], ['LiElement', 'type', 'type', 'enum', ['', '1', 'a', 'A', 'i', 'I', 'disc', 'square', 'circle']],
  ['LinkElement', 'crossOrigin', 'crossorigin', 'enum-goja', CROSS_ORIGIN], ['LinkElement', 'referrerPolicy', 'referrerpolicy', 'enum', REFERRER],
  ['LinkElement', 'href', 'href', 'url', ['']], ['LinkElement', 'hreflang', 'hreflang', 'string'], ['LinkElement', 'media', 'media', 'string'],
  ['LinkElement', 'rel', 'rel', 'string'], ['LinkElement', 'target', 'target', 'string'], ['LinkElement', 'type', 'type', 'string'],
  ['MapElement', 'name', 'name', 'string'],
  ['MetaElement', 'content', 'content', 'string'], ['MetaElement', 'name', 'name', 'string'],
  ['MetaElement', 'httpEquiv', 'http-equiv', 'enum', ['content-type', 'default-style', 'refresh']],
  ['MeterElement', 'min', 'min', 'int', [0]], ['MeterElement', 'max', 'max', 'int', [0]], ['MeterElement', 'high', 'high', 'int', [0]],
  ['MeterElement', 'low', 'low', 'int', [0]], ['MeterElement', 'optimum', 'optimum', 'int', [0]],
  ['ModElement', 'cite', 'cite', 'string'], ['ModElement', 'datetime', 'datetime', 'string'],
  ['ObjectElement', 'data', 'data', 'url', ['']], ['ObjectElement', 'height', 'height', 'string'], ['ObjectElement', 'name', 'name', 'string'],
  ['ObjectElement', 'type', 'type', 'string'], ['ObjectElement', 'tabIndex', 'tabindex', 'int', [0]], ['ObjectElement', 'typeMustMatch', 'typemustmatch', 'bool'],
  ['ObjectElement', 'useMap', 'usemap', 'string'], ['ObjectElement', 'width', 'width', 'string'],
  ['OListElement', 'reversed', 'reversed', 'bool'], ['OListElement', 'start', 'start', 'int', [0]], ['OListElement', 'type', 'type', 'enum', ['1', 'a', 'A', 'i', 'I']],
  ['OptGroupElement', 'disabled', 'disabled', 'bool'], ['OptGroupElement', 'label', 'label', 'string'],
  ['OptionElement', 'defaultSelected', 'selected', 'bool'], ['OptionElement', 'selected', 'selected', 'bool'],
  ['OutputElement', 'htmlFor', 'for', 'string'], ['OutputElement', 'name', 'name', 'string'], ['OutputElement', 'type', 'type', 'const', ['output']],
  ['ParamElement', 'name', 'name', 'string'], ['ParamElement', 'value', 'value', 'string'],
  ['PreElement', 'name', 'name', 'string'], ['PreElement', 'value', 'value', 'string'], ['QuoteElement', 'cite', 'cite', 'string'],
  ['ScriptElement', 'crossOrigin', 'crossorigin', 'string'], ['ScriptElement', 'type', 'type', 'string'], ['ScriptElement', 'src', 'src', 'url', ['']],
  ['ScriptElement', 'charset', 'charset', 'string'], ['ScriptElement', 'async', 'async', 'bool'], ['ScriptElement', 'defer', 'defer', 'bool'],
  ['ScriptElement', 'noModule', 'nomodule', 'bool'],
  ['SelectElement', 'autofocus', 'autofocus', 'bool'], ['SelectElement', 'disabled', 'disabled', 'bool'], ['SelectElement', 'multiple', 'multiple', 'bool'],
  ['SelectElement', 'name', 'name', 'string'], ['SelectElement', 'required', 'required', 'bool'], ['SelectElement', 'tabIndex', 'tabindex', 'int', [0]],
  ['SourceElement', 'keySystem', 'keysystem', 'string'], ['SourceElement', 'media', 'media', 'string'], ['SourceElement', 'sizes', 'sizes', 'string'],
  ['SourceElement', 'src', 'src', 'url', ['']], ['SourceElement', 'srcset', 'srcset', 'string'], ['SourceElement', 'type', 'type', 'string'],
  ['StyleElement', 'media', 'media', 'string'], ['TableElement', 'sortable', 'sortable', 'bool'],
  ['TableCellElement', 'colSpan', 'colspan', 'int', [1]], ['TableCellElement', 'rowSpan', 'rowspan', 'int', [1]], ['TableCellElement', 'headers', 'headers', 'string'],
  ['TableHeaderCellElement', 'abbr', 'abbr', 'string'], ['TableHeaderCellElement', 'scope', 'scope', 'enum', ['', 'row', 'col', 'colgroup', 'rowgroup']],
  ['TableHeaderCellElement', 'sorted', 'sorted', 'bool'],
  ['TextAreaElement', 'type', 'type', 'const', ['textarea']], ['TextAreaElement', 'value', 'value', 'string'], ['TextAreaElement', 'defaultValue', 'value', 'string'],
  ['TextAreaElement', 'placeholder', 'placeholder', 'string'], ['TextAreaElement', 'rows', 'rows', 'int', [0]], ['TextAreaElement', 'cols', 'cols', 'int', [0]],
  ['TextAreaElement', 'maxLength', 'maxlength', 'int', [0]], ['TextAreaElement', 'tabIndex', 'tabindex', 'int', [0]], ['TextAreaElement', 'accessKey', 'accesskey', 'string'],
  ['TextAreaElement', 'readOnly', 'readonly', 'bool'], ['TextAreaElement', 'required', 'required', 'bool'],
  ['TextAreaElement', 'autocomplete', 'autocomplete', 'enum', ['on', 'off']],
  ['TextAreaElement', 'autocapitalize', 'autocapitalize', 'enum', ['sentences', 'none', 'off', 'characters', 'words']],
  ['TextAreaElement', 'wrap', 'wrap', 'enum', ['soft', 'hard', 'off']],
  ['TimeElement', 'datetime', 'datetime', 'string'],
  ['TrackElement', 'kind', 'kind', 'enum', ['subtitle', 'captions', 'descriptions', 'chapters', 'metadata']], ['TrackElement', 'src', 'src', 'url', ['']],
  ['TrackElement', 'srclang', 'srclang', 'string'], ['TrackElement', 'label', 'label', 'string'], ['TrackElement', 'default', 'default', 'bool'],
  ['UListElement', 'type', 'type', 'string'],
];

/** A Go-style url.URL view of a WHATWG URL, for the href parts (empty for a relative one). */
interface UrlParts {
  scheme: string;
  host: string;
  hostname: string;
  port: string;
  path: string;
  rawQuery: string;
  fragment: string;
  username: string;
  password: string;
  href: string;
}

function urlParts(ref: string, base: string): UrlParts | null {
  try {
    const u = base ? new URL(ref, base) : new URL(ref);
    return {
      scheme: u.protocol.replace(/:$/, ''), host: u.host, hostname: u.hostname, port: u.port, path: u.pathname,
      rawQuery: u.search.replace(/^\?/, ''), fragment: u.hash.replace(/^#/, ''),
      username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), href: u.href,
    };
  } catch {
    // A relative reference without a base (Go's url.Parse keeps only its path, query and fragment).
    const m = /^([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(ref) as RegExpExecArray;
    return { scheme: '', host: '', hostname: '', port: '', path: m[1], rawQuery: m[2] ?? '', fragment: m[3] ?? '', username: '', password: '', href: ref };
  }
}

/** One node, as k6's html.Element (or its kind for the tag: AnchorElement, FormElement...). */
export class Element {
  /** @internal */
  declare readonly node: AnyNode;
  /** @internal */
  declare readonly sel: Selection;
  /** @internal k6's Go type name: Element, LiElement, ... */
  declare readonly kind: string;
  /** @internal */
  declare readonly parentKind: string | undefined;

  constructor(sel: Selection) {
    const node = sel.nodes[0];
    const [kind, parentKind] = KINDS[nodeData(node)] ?? ['Element'];
    for (const [k, v] of Object.entries({ node, sel, kind, parentKind })) Object.defineProperty(this, k, { value: v, enumerable: false });
    // The methods of its kind (k6 gives each kind its own).
    for (const [owner, method, attr, template, opts] of GENERATED) {
      if (owner !== kind && owner !== parentKind) continue;
      Object.defineProperty(this, method, { value: () => this.generated(attr, template, opts ?? []), enumerable: false, configurable: true });
    }
    const extra = KIND_METHODS[kind];
    const inherited = parentKind ? KIND_METHODS[parentKind] : undefined;
    for (const methods of [inherited, extra]) {
      if (!methods) continue;
      for (const [method, fn] of Object.entries(methods)) Object.defineProperty(this, method, { value: () => fn(this), enumerable: false, configurable: true });
    }
  }

  private generated(attr: string, template: Gen[3], opts: (string | number)[]): unknown {
    switch (template) {
      case 'string':
        return this.attr(attr) ?? '';
      case 'bool':
        return this.attr(attr) !== undefined;
      case 'int':
        return this.attrAsInt(attr, opts[0] as number);
      case 'url':
        return this.attrAsURLString(attr, opts[0] === '<url>' ? this.sel.url : String(opts[0]));
      case 'enum': {
        const v = this.attr(attr) ?? '';
        return opts.slice(1).includes(v) ? v : opts[0];
      }
      case 'enum-goja': {
        const v = this.attr(attr);
        return v !== undefined && opts.includes(v) ? v : undefined;
      }
      case 'const':
        return opts[0];
    }
  }

  /** @internal */
  attr(name: string): string | undefined {
    return attrOf(this.node, name);
  }

  /** @internal Go's strconv.Atoi, or the default. */
  attrAsInt(name: string, def: number): number {
    const v = this.attr(name);
    return v !== undefined && /^[+-]?\d+$/.test(v) ? parseInt(v, 10) : def;
  }

  /** @internal */
  attrAsURLString(name: string, def: string): string {
    const v = this.attr(name);
    if (this.sel.url === '') return v ?? '';
    if (v === undefined) return def;
    try {
      return new URL(v, this.sel.url).href;
    } catch {
      return def;
    }
  }

  /** @internal */
  hrefParts(): UrlParts {
    const href = this.attr('href');
    if (href === undefined) return urlParts('', '') as UrlParts;
    return urlParts(href, this.sel.url) as UrlParts;
  }

  private nodeElement(node: AnyNode | null | undefined): Element | undefined {
    return node ? toElement(new Selection(this.sel.doc, [node], this.sel.url)) : undefined;
  }

  private elemList(nodes: AnyNode[]): Element[] {
    return nodes.map((n) => this.nodeElement(n) as Element);
  }

  /** @internal */
  ownerForm(): AnyNode | undefined {
    const closest = this.sel.closest('form').nodes[0];
    if (closest) return closest;
    const id = this.attr('form') ?? '';
    if (id === '') return undefined;
    return this.sel.doc.find([this.sel.doc.$.root()[0]], `#${id}`)[0];
  }

  /** @internal */
  ownerFormValue(): Element | undefined {
    return this.nodeElement(this.ownerForm());
  }

  /** @internal */
  elemLabels(): Element[] {
    const wrapper = this.sel.closest('label').nodes;
    const id = this.attr('id') ?? '';
    if (id === '') return this.elemList(wrapper);
    const byId = this.sel.doc.find([this.sel.doc.$.root()[0]], `label[for="${id}"]`);
    return this.elemList(unique([...wrapper, ...byId]));
  }

  getAttribute(name: string): string | undefined {
    return this.attr(name);
  }

  getAttributeNode(name: string): Attribute | undefined {
    const value = this.attr(name);
    return value === undefined ? undefined : new Attribute(this, name, this.attrPrefix(name), value);
  }

  private attrPrefix(name: string): string {
    return ((this.node as unknown as { 'x-attribsPrefix'?: Record<string, string> })['x-attribsPrefix'] ?? {})[name] ?? '';
  }

  hasAttribute(name: string): boolean {
    return this.attr(name) !== undefined;
  }

  hasAttributes(): boolean {
    return Object.keys(attribsOf(this.node) ?? {}).length > 0;
  }

  attributes(): Record<string, Attribute> {
    const out: Record<string, Attribute> = {};
    for (const [name, value] of Object.entries(attribsOf(this.node) ?? {})) out[name] = new Attribute(this, name, this.attrPrefix(name), value);
    return out;
  }

  toString(): string {
    return isElement(this.node) ? '[object html.Node]' : `[object ${nodeName(this.node)}]`;
  }

  hasChildNodes(): boolean {
    return childrenOf(this.node).length > 0;
  }

  /** k6's reads its selection's text: every match of a querySelector() (the others are single nodes). */
  textContent(): string {
    return textOf(this.sel.nodes);
  }

  id(): string {
    return this.attr('id') ?? '';
  }

  /** k6 compares only with a plain Element (not an AnchorElement, LiElement...). */
  isEqualNode(other: unknown): boolean {
    return other instanceof Element && other.kind === 'Element' && innerHTML(this.node) === innerHTML(other.node);
  }

  isSameNode(other: unknown): boolean {
    return other instanceof Element && other.kind === 'Element' && other.node === this.node;
  }

  contains(other: unknown): boolean {
    return other instanceof Element && other.kind === 'Element' && other.node !== this.node && contains(this.node, other.node);
  }

  matches(selector: string): boolean {
    return this.sel.is(selector);
  }

  getElementsByClassName(name: string): Element[] {
    return this.elemList(this.sel.doc.find([this.node], `.${name}`));
  }

  getElementsByTagName(name: string): Element[] {
    return this.elemList(this.sel.doc.find([this.node], name));
  }

  querySelector(selector: string): Element | undefined {
    return toElement(new Selection(this.sel.doc, this.sel.doc.find([this.node], selector), this.sel.url));
  }

  querySelectorAll(selector: string): Element[] {
    return this.elemList(this.sel.doc.find([this.node], selector));
  }

  nodeName(): string {
    return nodeName(this.node);
  }

  nodeType(): number | undefined {
    return NODE_TYPES[this.node.type];
  }

  /** k6 gives a text or comment node's text (a comment has none: ""), else undefined. */
  nodeValue(): string | undefined {
    return this.node.type === 'text' || this.node.type === 'comment' ? textOf([this.node]) : undefined;
  }

  firstChild(): Element | undefined {
    return this.nodeElement(childrenOf(this.node)[0]);
  }

  lastChild(): Element | undefined {
    const kids = childrenOf(this.node);
    return this.nodeElement(kids[kids.length - 1]);
  }

  firstElementChild(): Element | undefined {
    return this.nodeElement(childrenOf(this.node).find(isElement));
  }

  lastElementChild(): Element | undefined {
    return this.nodeElement(childrenOf(this.node).filter(isElement).pop());
  }

  previousSibling(): Element | undefined {
    return this.nodeElement(this.node.prev);
  }

  nextSibling(): Element | undefined {
    return this.nodeElement(this.node.next);
  }

  previousElementSibling(): Element | undefined {
    return this.nodeElement(elementSiblings(this.node, 'prev', false)[0]);
  }

  nextElementSibling(): Element | undefined {
    return this.nodeElement(elementSiblings(this.node, 'next', false)[0]);
  }

  parentNode(): Element | undefined {
    return this.nodeElement(this.node.parent);
  }

  parentElement(): Element | undefined {
    return this.nodeElement(parentElement(this.node));
  }

  childNodes(): Element[] {
    return this.elemList(childrenOf(this.node));
  }

  children(): Element[] {
    return this.elemList(childrenOf(this.node).filter(isElement));
  }

  childElementCount(): number {
    return childrenOf(this.node).filter(isElement).length;
  }

  classList(): string[] {
    const cls = this.attr('class');
    return cls === undefined ? [] : cls.split(/\s+/).filter((c) => c !== '');
  }

  className(): string | undefined {
    return this.attr('class');
  }

  lang(): string | undefined {
    return this.attrPrefix('lang') === '' ? this.attr('lang') : undefined;
  }

  ownerDocument(): Element | undefined {
    let n: AnyNode | null = this.node;
    while (n && n.type !== 'root') n = n.parent;
    return this.nodeElement(n);
  }

  namespaceURI(): string {
    return namespaceURI(this.nsPrefix());
  }

  isDefaultNamespace(): boolean {
    return this.nsPrefix() === '';
  }

  private nsPrefix(): string {
    const ns = (this.node as unknown as { namespace?: string }).namespace;
    if (ns === 'http://www.w3.org/2000/svg') return 'svg';
    if (ns === 'http://www.w3.org/1998/Math/MathML') return 'math';
    return '';
  }

  innerHTML(): string {
    return innerHTML(this.node);
  }
}

function namespaceURI(prefix: string): string {
  if (prefix === 'svg') return 'http://www.w3.org/2000/svg';
  if (prefix === 'math') return 'http://www.w3.org/1998/Math/MathML';
  return 'http://www.w3.org/1999/xhtml';
}

/** k6's html.Attribute: `owner_element`, `name`, `value` and prefix(), namespaceURI(), localName(). */
export class Attribute {
  owner_element: Element;
  name: string;
  value: string;
  private declare readonly nsPrefix: string;

  constructor(owner: Element, name: string, nsPrefix: string, value: string) {
    this.owner_element = owner;
    this.name = name;
    this.value = value;
    Object.defineProperty(this, 'nsPrefix', { value: nsPrefix, enumerable: false });
  }

  prefix(): string {
    return this.nsPrefix;
  }

  namespaceURI(): string {
    return namespaceURI(this.nsPrefix);
  }

  localName(): string {
    return this.name;
  }
}

const docRoot = (e: Element) => [e.sel.doc.$.root()[0]];
const findAll = (e: Element, selector: string) => e.sel.doc.find([e.node], selector);
const wrapAll = (e: Element, nodes: AnyNode[]) => nodes.map((n) => toElement(new Selection(e.sel.doc, [n], e.sel.url)) as Element);
const wrapOne = (e: Element, n: AnyNode | undefined) => (n ? toElement(new Selection(e.sel.doc, [n], e.sel.url)) : undefined);
const indexIn = (holder: AnyNode[], e: Element, selector: string) => (holder[0] ? e.sel.doc.find([holder[0]], selector).indexOf(e.node) : -1);
const closestAncestor = (e: Element, selector: string) => ancestors(e.node).find((n) => e.sel.doc.matches(n, selector));

function formOrElemAttr(e: Element, name: string): string | undefined {
  const own = e.attr(`form${name}`);
  if (own !== undefined) return own;
  return attrOf(e.ownerForm(), name);
}

/** The methods k6 writes by hand for some kinds (elements.go). */
const KIND_METHODS: Record<string, Record<string, (e: Element) => unknown>> = {
  HrefElement: {
    hash: (e) => (e.hrefParts().fragment ? `#${e.hrefParts().fragment}` : ''),
    host: (e) => {
      const u = e.hrefParts();
      return u.host;
    },
    hostname: (e) => e.hrefParts().hostname,
    port: (e) => e.hrefParts().port,
    username: (e) => e.hrefParts().username,
    password: (e) => e.hrefParts().password,
    origin: (e) => {
      const u = e.hrefParts();
      if (u.scheme === '') return '';
      if (u.scheme === 'file') return e.attrAsURLString('href', '');
      return `${u.scheme}://${u.host}`;
    },
    pathname: (e) => e.hrefParts().path,
    protocol: (e) => e.hrefParts().scheme || ':',
    relList: (e) => splitAttr(e, 'rel'),
    search: (e) => (e.hrefParts().rawQuery ? `?${e.hrefParts().rawQuery}` : ''),
    text: (e) => e.textContent(),
  },
  FormFieldElement: {
    form: (e) => e.ownerFormValue(),
    formAction: (e) => {
      const action = formOrElemAttr(e, 'action');
      if (e.sel.url === '') return action ?? '';
      if (!action) return e.sel.url;
      try {
        return new URL(action, e.sel.url).href;
      } catch {
        return action;
      }
    },
    formEnctype: (e) => {
      const enctype = formOrElemAttr(e, 'enctype');
      return enctype === 'multipart/form-data' || enctype === 'text/plain' ? enctype : 'application/x-www-form-urlencoded';
    },
    formMethod: (e) => ((formOrElemAttr(e, 'method') ?? '').toLowerCase() === 'post' ? 'post' : 'get'),
    formNoValidate: (e) => formOrElemAttr(e, 'novalidate') !== undefined,
    formTarget: (e) => formOrElemAttr(e, 'target') ?? '',
    labels: (e) => e.elemLabels(),
    name: (e) => e.attr('name') ?? '',
  },
  ButtonElement: { value: (e) => valueOrHTML(e.node) },
  CanvasElement: { width: (e) => e.attrAsInt('width', 150), height: (e) => e.attrAsInt('height', 150) },
  DataListElement: { options: (e) => wrapAll(e, findAll(e, 'option')) },
  FieldSetElement: {
    form: (e) => e.ownerFormValue(),
    type: () => 'fieldset',
    elements: (e) => wrapAll(e, findAll(e, 'input,select,button,textarea')),
    validity: () => undefined,
  },
  FormElement: {
    elements: (e) => wrapAll(e, findAll(e, 'input,select,button,textarea,fieldset')),
    length: (e) => findAll(e, 'input,select,button,textarea,fieldset').length,
    method: (e) => (e.attr('method') === 'post' ? 'post' : 'get'),
  },
  InputElement: {
    list: (e) => {
      const id = e.attr('list') ?? '';
      if (id === '' || ['hidden', 'checkbox', 'radio', 'file', 'button'].includes(e.attr('type') ?? '')) return undefined;
      return wrapOne(e, e.sel.doc.find(docRoot(e), `datalist[id="${id}"]`)[0]);
    },
  },
  KeygenElement: { form: (e) => e.ownerFormValue(), labels: (e) => e.elemLabels() },
  LabelElement: {
    control: (e) => {
      const id = e.attr('for');
      return id === undefined ? undefined : wrapOne(e, e.sel.doc.find(docRoot(e), `#${id}`)[0]);
    },
    form: (e) => e.ownerFormValue(),
  },
  LegendElement: { form: (e) => e.ownerFormValue() },
  LinkElement: { relList: (e) => splitAttr(e, 'rel') },
  MapElement: {
    areas: (e) => wrapAll(e, findAll(e, 'area')),
    images: (e) => {
      const name = e.attr('id');
      if (name === undefined) return [];
      return wrapAll(e, e.sel.doc.find(docRoot(e), `img[usemap="#${name}"],object[usemap="#${name}"]`));
    },
  },
  MeterElement: { labels: (e) => e.elemLabels() },
  ObjectElement: { form: (e) => e.ownerFormValue() },
  OptionElement: {
    disabled: (e) => e.attr('disabled') !== undefined || (closestAncestor(e, 'optgroup') ? attrOf(closestAncestor(e, 'optgroup'), 'disabled') !== undefined : false),
    form: (e) => {
      const form = closestAncestor(e, 'form');
      if (form) return wrapOne(e, form);
      const id = attrOf(closestAncestor(e, 'select'), 'form');
      return id === undefined ? undefined : wrapOne(e, e.sel.doc.find(docRoot(e), `form#${id}`)[0]);
    },
    index: (e) => {
      const holder = closestAncestor(e, 'select,datalist');
      return holder ? indexIn([holder], e, 'option') : 0;
    },
    label: (e) => e.attr('label') ?? e.textContent(),
    text: (e) => e.textContent(),
    value: (e) => valueOrHTML(e.node),
  },
  OutputElement: { form: (e) => e.ownerFormValue(), labels: (e) => e.elemLabels(), value: (e) => e.textContent(), defaultValue: (e) => e.textContent() },
  ProgressElement: {
    max: (e) => progressMax(e),
    value: (e) => progress(e, 0),
    position: (e) => progress(e, -1),
    labels: (e) => e.elemLabels(),
  },
  ScriptElement: { text: (e) => e.textContent() },
  SelectElement: {
    form: (e) => e.ownerFormValue(),
    labels: (e) => e.elemLabels(),
    length: (e) => findAll(e, 'option').length,
    options: (e) => wrapAll(e, findAll(e, 'option')),
    selectedIndex: (e) => {
      const selected = findAll(e, 'option[selected]');
      return selected.length ? findAll(e, 'option').indexOf(selected[0]) : -1;
    },
    selectedOptions: (e) => wrapAll(e, findAll(e, 'option[selected]')),
    size: (e) => (e.attr('multiple') !== undefined ? 4 : 1),
    type: (e) => (e.attr('multiple') !== undefined ? 'select-multiple' : 'select'),
    value: (e) => {
      const selected = findAll(e, 'option[selected]');
      return selected.length ? valueOrHTML(selected[0]) : '';
    },
  },
  StyleElement: { type: (e) => e.attr('type') || 'text/css' },
  TableElement: {
    caption: (e) => wrapOne(e, childrenOf(e.node).filter((n) => e.sel.doc.matches(n, 'caption'))[0]),
    tHead: (e) => wrapOne(e, childrenOf(e.node).filter((n) => e.sel.doc.matches(n, 'thead'))[0]),
    tFoot: (e) => wrapOne(e, childrenOf(e.node).filter((n) => e.sel.doc.matches(n, 'tfoot'))[0]),
    rows: (e) => wrapAll(e, findAll(e, 'tr')),
    tBodies: (e) => wrapAll(e, findAll(e, 'tbody')),
  },
  TableSectionElement: { rows: (e) => wrapAll(e, findAll(e, 'tr')) },
  TableCellElement: {
    cellIndex: (e) => {
      const row = closestAncestor(e, 'tr');
      return row ? indexIn([row], e, 'th,td') : -1;
    },
  },
  TableRowElement: {
    cells: (e) => wrapAll(e, findAll(e, 'th,td')),
    rowIndex: (e) => {
      const table = closestAncestor(e, 'table');
      return table ? indexIn([table], e, 'tr') : -1;
    },
    sectionRowIndex: (e) => {
      const section = closestAncestor(e, 'thead,tbody,tfoot');
      return section ? indexIn([section], e, 'tr') : -1;
    },
  },
  TextAreaElement: { form: (e) => e.ownerFormValue(), length: (e) => (e.attr('value') ?? '').length, labels: (e) => e.elemLabels() },
  TableColElement: { span: (e) => Math.max(1, e.attrAsInt('span', 1)) },
  MediaElement: { textTracks: (e) => wrapAll(e, findAll(e, 'track')) },
  TitleElement: { text: (e) => e.textContent() },
};

function splitAttr(e: Element, name: string): string[] {
  const v = e.attr(name) ?? '';
  return v === '' ? [] : v.split(' ');
}

function progressMax(e: Element): number {
  const v = e.attr('max');
  const n = v === undefined ? NaN : Number(v);
  return v === undefined || v.trim() === '' || Number.isNaN(n) || n < 0 ? 1 : n;
}

function progress(e: Element, def: number): number {
  const v = e.attr('value');
  const n = v === undefined ? NaN : Number(v);
  if (v === undefined || v.trim() === '' || Number.isNaN(n) || n < 0) return def;
  return n / progressMax(e);
}

/** The Element for a selection's first node (undefined for an empty one). */
function toElement(sel: Selection): Element | undefined {
  return sel.nodes.length === 0 ? undefined : new Element(sel);
}

/** k6's parseHTML: the whole document as a Selection; `url` for res.html(). */
export function parseHTML(src: unknown, url = ''): Selection {
  const $ = cheerio().load(String(src));
  const root = $.root()[0] as Document;
  return new Selection(new Doc($), [root], url);
}

export function createHtml() {
  const api = { parseHTML: (src: unknown) => parseHTML(src) };
  return { ...api, default: api };
}
