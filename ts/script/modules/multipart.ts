/**
 * Request bodies given as objects, built as k6 builds them (js/modules/k6/http/request.go): a
 * form (`application/x-www-form-urlencoded`, keys sorted as Go's url.Values encodes them), or,
 * when a value is an `http.file(...)`, a multipart/form-data body as Go's mime/multipart writes
 * it.
 */
import { randomBytes } from 'node:crypto';

type Bytes = string | ArrayBuffer | ArrayBufferView | number[];

/** `http.file(data, filename, contentType)`: k6's FileData, with its field names. */
export class FileData {
  readonly data: Uint8Array;
  readonly filename: string;
  readonly content_type: string;

  constructor(data: Uint8Array, filename: string, contentType: string) {
    this.data = data;
    this.filename = filename;
    this.content_type = contentType;
  }
}

/** k6's common.ToBytes: a string (UTF-8), an ArrayBuffer or a view of one, or an array of bytes. */
export function toBytes(data: unknown): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255)) return Uint8Array.from(data as number[]);
  throw new Error(`invalid type ${data === null ? 'null' : typeof data}, expected string, []byte or ArrayBuffer`);
}

/** k6 names a file without a name after the time in nanoseconds. */
export function file(data: Bytes, filename?: string, contentType?: string): FileData {
  const name = filename ?? String(BigInt(Date.now()) * 1_000_000n);
  return new FileData(Uint8Array.from(toBytes(data)), name, contentType ?? 'application/octet-stream');
}

/** Go's fmt `%v` for the simple values a form holds. */
function formValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  return String(v);
}

/** Go's escapeQuotes for Content-Disposition names. */
function escapeQuotes(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export interface FormBody {
  bytes: Buffer;
  contentType: string;
}

/** An object body: urlencoded, or multipart as soon as one value is a file. */
export function formBody(data: Record<string, unknown>): FormBody {
  const entries = Object.entries(data);
  if (!entries.some(([, v]) => v instanceof FileData)) {
    const form = new URLSearchParams();
    for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (Array.isArray(v)) for (const el of v) form.append(k, formValue(el));
      else form.append(k, formValue(v));
    }
    return { bytes: Buffer.from(form.toString()), contentType: 'application/x-www-form-urlencoded' };
  }
  // Go's multipart.Writer: a random 30-byte boundary in hex, headers of a part sorted by name.
  const boundary = randomBytes(30).toString('hex');
  const chunks: Buffer[] = [];
  entries.forEach(([k, v], i) => {
    const lines = [`${i === 0 ? '' : '\r\n'}--${boundary}`];
    if (v instanceof FileData) {
      lines.push(`Content-Disposition: form-data; name="${escapeQuotes(k)}"; filename="${escapeQuotes(v.filename)}"`);
      lines.push(`Content-Type: ${v.content_type}`);
    } else {
      lines.push(`Content-Disposition: form-data; name="${escapeQuotes(k)}"`);
    }
    chunks.push(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`));
    chunks.push(v instanceof FileData ? Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength) : Buffer.from(formValue(v)));
  });
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return { bytes: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
