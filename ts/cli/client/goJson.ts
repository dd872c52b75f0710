/**
 * What Go's encoding/json says about a body that is not JSON, so that a client pointed at the
 * wrong thing fails as k6's does: an empty 405 gives `unexpected end of JSON input`, Go's
 * `404 page not found` text gives `invalid character 'p' after top-level value` (spec §7).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Go's `quoteChar`: the offending character between single quotes, escaped as strconv.Quote does. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const cp = c.codePointAt(0)!;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 92: '\\\\' };
  if (named[cp] !== undefined) return `'${named[cp]}'`;
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

class SyntaxFailure extends Error {}

/** Go's scanner, reduced to finding the first error. Returns null when `text` is valid JSON. */
export function goJsonSyntaxError(text: string): string | null {
  let pos = 0;
  const fail = (context: string): never => {
    if (pos >= text.length) throw new SyntaxFailure('unexpected end of JSON input');
    throw new SyntaxFailure(`invalid character ${quoteChar(text[pos])} ${context}`);
  };
  /** Go's scanner feeds a space at the end, which a number or literal cut short trips over. */
  const failInToken = (context: string): never => {
    throw new SyntaxFailure(`invalid character ${quoteChar(pos >= text.length ? ' ' : text[pos])} ${context}`);
  };
  const skipSpace = () => {
    while (pos < text.length && ' \t\r\n'.includes(text[pos])) pos++;
  };
  const digits = () => {
    while (pos < text.length && text[pos] >= '0' && text[pos] <= '9') pos++;
  };
  const isDigit = () => pos < text.length && text[pos] >= '0' && text[pos] <= '9';

  const string = () => {
    pos++;
    for (;;) {
      if (pos >= text.length) fail('');
      const c = text[pos];
      if (c === '"') return void pos++;
      if (c === '\\') {
        pos++;
        if (pos < text.length && 'bfnrt"\\/'.includes(text[pos])) pos++;
        else if (text[pos] === 'u') {
          pos++;
          for (let i = 0; i < 4; i++) {
            if (pos < text.length && /[0-9a-fA-F]/.test(text[pos])) pos++;
            else fail('in \\u hexadecimal character escape');
          }
        } else fail('in string escape code');
      } else if (c.charCodeAt(0) < 0x20) {
        fail('in string literal');
      } else pos++;
    }
  };

  const number = () => {
    if (text[pos] === '-') {
      pos++;
      if (!isDigit()) failInToken('in numeric literal');
    }
    if (text[pos] === '0') pos++;
    else digits();
    if (text[pos] === '.') {
      pos++;
      if (!isDigit()) failInToken('after decimal point in numeric literal');
      digits();
    }
    if (text[pos] === 'e' || text[pos] === 'E') {
      pos++;
      if (text[pos] === '+' || text[pos] === '-') pos++;
      if (!isDigit()) failInToken('in exponent of numeric literal');
      digits();
    }
  };

  const literal = (word: string) => {
    for (let i = 0; i < word.length; i++, pos++) {
      if (text[pos] !== word[i]) failInToken(`in literal ${word} (expecting ${quoteChar(word[i])})`);
    }
  };

  const value = (): void => {
    skipSpace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      skipSpace();
      if (text[pos] === '}') return void pos++;
      for (;;) {
        if (text[pos] !== '"') fail('looking for beginning of object key string');
        string();
        skipSpace();
        if (text[pos] !== ':') fail('after object key');
        pos++;
        value();
        skipSpace();
        if (text[pos] === '}') return void pos++;
        if (text[pos] !== ',') fail('after object key:value pair');
        pos++;
        skipSpace();
      }
    }
    if (c === '[') {
      pos++;
      skipSpace();
      if (text[pos] === ']') return void pos++;
      for (;;) {
        value();
        skipSpace();
        if (text[pos] === ']') return void pos++;
        if (text[pos] !== ',') fail('after array element');
        pos++;
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    fail('looking for beginning of value');
  };

  try {
    value();
    skipSpace();
    if (pos < text.length) fail('after top-level value');
    return null;
  } catch (e) {
    if (e instanceof SyntaxFailure) return e.message;
    throw e;
  }
}

/** Parses a response body, failing with Go's wording as k6's client would. */
export function parseGoJson(text: string): Json {
  const problem = goJsonSyntaxError(text);
  if (problem !== null) throw new Error(problem);
  return JSON.parse(text) as Json;
}
