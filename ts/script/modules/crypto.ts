/**
 * k6/crypto as in k6 v0.49 (js/modules/k6/crypto/crypto.go): hashes, HMAC, randomBytes, hexEncode,
 * with k6's argument handling and error messages. Hashes come from node:crypto, MD4 (and RIPEMD-160
 * when OpenSSL lacks it) from legacyHashes.ts.
 */
import { createHash as nodeCreateHash, randomBytes as nodeRandomBytes, type Hash } from 'node:crypto';
import { Md4, Ripemd160 } from './legacyHashes';

/** k6's errors from Go code reach the script as a GoError (`e.name`), thrown as an Error. */
export class GoError extends Error {}
GoError.prototype.name = 'GoError';

/** A running hash; digest() leaves it usable, as Go's hash.Sum does. */
interface Digester {
  update(data: Uint8Array): void;
  digest(): Buffer;
  copy(): Digester;
}

class NodeDigester implements Digester {
  constructor(private readonly hash: Hash) {}
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Buffer {
    return this.hash.copy().digest();
  }
  copy(): Digester {
    return new NodeDigester(this.hash.copy());
  }
}

class LegacyDigester implements Digester {
  constructor(private readonly hash: Md4 | Ripemd160) {}
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Buffer {
    return this.hash.digest();
  }
  copy(): Digester {
    return new LegacyDigester(this.hash.copy() as Md4 | Ripemd160);
  }
}

interface Algorithm {
  make: () => Digester;
  /** In bytes, for HMAC. */
  blockSize: number;
}

function nodeAlgorithm(name: string, blockSize: number, fallback?: () => Md4 | Ripemd160): Algorithm {
  let available = true;
  try {
    nodeCreateHash(name);
  } catch {
    available = false;
  }
  if (!available && fallback) return { make: () => new LegacyDigester(fallback()), blockSize };
  return { make: () => new NodeDigester(nodeCreateHash(name)), blockSize };
}

/** k6's algorithm names (parseHashFunc); anything else is "invalid algorithm". */
const ALGORITHMS: Record<string, Algorithm> = {
  md4: { make: () => new LegacyDigester(new Md4()), blockSize: 64 },
  md5: nodeAlgorithm('md5', 64),
  sha1: nodeAlgorithm('sha1', 64),
  sha256: nodeAlgorithm('sha256', 64),
  sha384: nodeAlgorithm('sha384', 128),
  sha512: nodeAlgorithm('sha512', 128),
  sha512_224: nodeAlgorithm('sha512-224', 128),
  sha512_256: nodeAlgorithm('sha512-256', 128),
  ripemd160: nodeAlgorithm('ripemd160', 64, () => new Ripemd160()),
};

function algorithm(name: string): Algorithm | undefined {
  return Object.prototype.hasOwnProperty.call(ALGORITHMS, name) ? ALGORITHMS[name] : undefined;
}

/** HMAC (RFC 2104) over a Digester, so that it can be digested more than once as in Go. */
class HmacDigester implements Digester {
  private constructor(
    private readonly alg: Algorithm,
    private readonly inner: Digester,
    private readonly outerKey: Buffer,
  ) {}

  static create(alg: Algorithm, key: Buffer): HmacDigester {
    let k = key;
    if (k.length > alg.blockSize) {
      const h = alg.make();
      h.update(k);
      k = h.digest();
    }
    const padded = Buffer.alloc(alg.blockSize);
    k.copy(padded);
    const inner = alg.make();
    inner.update(padded.map((b) => b ^ 0x36));
    return new HmacDigester(alg, inner, Buffer.from(padded.map((b) => b ^ 0x5c)));
  }

  update(data: Uint8Array): void {
    this.inner.update(data);
  }
  digest(): Buffer {
    const outer = this.alg.make();
    outer.update(this.outerKey);
    outer.update(this.inner.digest());
    return outer.digest();
  }
  copy(): Digester {
    return new HmacDigester(this.alg, this.inner.copy(), this.outerKey);
  }
}

/** The Go type goja exports a JS value as, for k6's "invalid type %T" message. */
function goType(value: unknown): string {
  if (value === undefined || value === null) return '<nil>';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? 'int64' : 'float64';
    case 'bigint':
      return '*big.Int';
    case 'symbol':
      return '*goja.Symbol';
    case 'function':
      return 'func(goja.FunctionCall) goja.Value';
    default:
      break;
  }
  if (Array.isArray(value) || value instanceof Set) return '[]interface {}';
  if (value instanceof Map) return '[][2]interface {}';
  if (value instanceof Date) return 'time.Time';
  if (value instanceof Promise) return '*goja.Promise';
  const typed: Record<string, string> = {
    Int8Array: '[]int8',
    Int16Array: '[]int16',
    Uint16Array: '[]uint16',
    Int32Array: '[]int32',
    Uint32Array: '[]uint32',
    Float32Array: '[]float32',
    Float64Array: '[]float64',
    BigInt64Array: '[]int64',
    BigUint64Array: '[]uint64',
  };
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (ArrayBuffer.isView(value) && typed[tag]) return typed[tag];
  return 'map[string]interface {}';
}

/** k6's common.ToBytes: a string (UTF-8), an ArrayBuffer or a Uint8Array (Go's []byte). */
function toBytes(data: unknown): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  const tag = Object.prototype.toString.call(data);
  if (tag === '[object ArrayBuffer]') return new Uint8Array(data as ArrayBuffer);
  if (ArrayBuffer.isView(data) && (tag === '[object Uint8Array]' || tag === '[object Uint8ClampedArray]')) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  throw new GoError(`invalid type ${goType(data)}, expected string, []byte or ArrayBuffer`);
}

/** A JS value given where Go takes a string: null and undefined are "". */
function goString(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function encode(sum: Buffer, outputEncoding: unknown): string | ArrayBuffer {
  const encoding = goString(outputEncoding);
  switch (encoding) {
    case 'base64':
      return sum.toString('base64');
    case 'base64url': {
      const out = sum.toString('base64url');
      return out + '='.repeat((4 - (out.length % 4)) % 4);
    }
    case 'base64rawurl':
      return sum.toString('base64url');
    case 'hex':
      return sum.toString('hex');
    case 'binary':
      return toArrayBuffer(sum);
    default:
      throw new GoError(`invalid output encoding: ${encoding}`);
  }
}

/** The object createHash() and createHMAC() give the script: own `digest` and `update`, as k6's. */
export interface Hasher {
  digest(outputEncoding: string): string | ArrayBuffer;
  update(input: string | ArrayBuffer | Uint8Array): void;
}

function hasher(d: Digester): Hasher {
  return {
    digest: (outputEncoding) => encode(d.digest(), outputEncoding),
    update: (input) => {
      d.update(toBytes(input));
    },
  };
}

export function createCrypto() {
  /**
   * An unknown algorithm is a GoError the script can catch, as for createHMAC (k6 v0.49 itself
   * panics there, a nil hash constructor, and aborts the whole test: a bug not copied).
   */
  function createHash(name: unknown): Hasher {
    const alg = algorithm(goString(name));
    if (!alg) throw new GoError(`invalid algorithm: ${goString(name)}`);
    return hasher(alg.make());
  }

  function createHMAC(name: unknown, key: unknown): Hasher {
    const alg = algorithm(goString(name));
    if (!alg) throw new GoError(`invalid algorithm: ${goString(name)}`);
    return hasher(HmacDigester.create(alg, Buffer.from(toBytes(key))));
  }

  function hmac(name: unknown, key: unknown, input: unknown, outputEncoding: unknown): string | ArrayBuffer {
    const h = createHMAC(name, key);
    h.update(input as string);
    return h.digest(outputEncoding as string);
  }

  /** md5(input, outputEncoding) and the like: an input error names the function, as k6's. */
  const digestOf =
    (name: string) =>
    (input: unknown, outputEncoding: unknown): string | ArrayBuffer => {
      const d = ALGORITHMS[name].make();
      try {
        d.update(toBytes(input));
      } catch (e) {
        if (e instanceof GoError) throw new GoError(`${name} failed: ${e.message}`);
        throw e;
      }
      return encode(d.digest(), outputEncoding);
    };

  function randomBytes(size: unknown): ArrayBuffer {
    const n = Math.trunc(Number(size ?? NaN));
    if (!Number.isFinite(n) || n < 1) throw new GoError('invalid size');
    return toArrayBuffer(nodeRandomBytes(n));
  }

  function hexEncode(data: unknown): string {
    return Buffer.from(toBytes(data)).toString('hex');
  }

  const api = {
    createHash,
    createHMAC,
    hmac,
    md4: digestOf('md4'),
    md5: digestOf('md5'),
    randomBytes,
    ripemd160: digestOf('ripemd160'),
    sha1: digestOf('sha1'),
    sha256: digestOf('sha256'),
    sha384: digestOf('sha384'),
    sha512: digestOf('sha512'),
    sha512_224: digestOf('sha512_224'),
    sha512_256: digestOf('sha512_256'),
    hexEncode,
  };
  return { ...api, default: api };
}
