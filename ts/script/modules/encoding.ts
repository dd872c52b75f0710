/** k6/encoding: base64 in k6's four variants (std, rawstd, url, rawurl). */
type Variant = 'std' | 'rawstd' | 'url' | 'rawurl';

function toBuffer(input: string | ArrayBuffer): Buffer {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
}

export function b64encode(input: string | ArrayBuffer, encoding: Variant = 'std'): string {
  const url = encoding === 'url' || encoding === 'rawurl';
  let out = toBuffer(input).toString(url ? 'base64url' : 'base64');
  if (encoding === 'url') out += '='.repeat((4 - (out.length % 4)) % 4);
  if (encoding === 'rawstd') out = out.replace(/=+$/, '');
  return out;
}

export function b64decode(input: string, encoding: Variant = 'std', format?: 's'): ArrayBuffer | string {
  const url = encoding === 'url' || encoding === 'rawurl';
  const bytes = Buffer.from(input, url ? 'base64url' : 'base64');
  if (format === 's') return bytes.toString('utf8');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function createEncoding() {
  const api = { b64encode, b64decode };
  return { ...api, default: api };
}
