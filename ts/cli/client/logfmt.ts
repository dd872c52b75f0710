/**
 * The one line k6's logger (logrus' text format, no TTY) writes for a failed command:
 * `time="2026-11-23T10:58:33Z" level=error msg="Config update error: ..."` (spec §7).
 */

/** logrus quotes a value unless it is made only of these characters. */
const BARE = /^[A-Za-z0-9\-._/@^+]*$/;
const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const NAMED: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/** Go's `%q` (strconv.Quote): printable runes as they are, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (NAMED[c] !== undefined) out += NAMED[c];
    else if (GO_PRINTABLE.test(c)) out += c;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

export function errorLine(msg: string, now: Date = new Date()): string {
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return `time="${time}" level=error msg=${BARE.test(msg) ? msg : goQuote(msg)}\n`;
}
