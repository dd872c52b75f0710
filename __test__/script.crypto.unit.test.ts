/** k6/crypto's building blocks: MD4 and RIPEMD-160 in TS, HMAC on copyable hashes, repeated digests. */
import { createHash, createHmac, getHashes, randomBytes } from 'node:crypto';
import { createCrypto, GoError } from '../ts/script/modules/crypto';
import { Md4, Ripemd160 } from '../ts/script/modules/legacyHashes';

const hex = (b: Buffer) => b.toString('hex');

test('MD4 gives the RFC 1320 test vectors, whole or in pieces', () => {
  const vectors: Record<string, string> = {
    '': '31d6cfe0d16ae931b73c59d7e0c089c0',
    a: 'bde52cb31de33e46245e05fbdbd6fb24',
    abc: 'a448017aaf21d8525fc10ae87aa6729d',
    'message digest': 'd9130a8164549fe818874806e1c7014b',
    abcdefghijklmnopqrstuvwxyz: 'd79e1c308aa5bbcdeea8ed63df412da9',
    ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789: '043f8582f241db351ce627e153e7f0e4',
    '12345678901234567890123456789012345678901234567890123456789012345678901234567890': 'e33b4ddc9c38f2199c3e7b164fcc0536',
  };
  for (const [input, digest] of Object.entries(vectors)) {
    expect(hex(new Md4().update(Buffer.from(input)).digest())).toBe(digest);
    const h = new Md4();
    for (const ch of input) h.update(Buffer.from(ch));
    expect(hex(h.digest())).toBe(digest);
  }
});

test('RIPEMD-160 gives the reference vectors and agrees with OpenSSL when it has one', () => {
  expect(hex(new Ripemd160().update(Buffer.from('')).digest())).toBe('9c1185a5c5e9fc54612808977ee8f548b2258d31');
  expect(hex(new Ripemd160().update(Buffer.from('abc')).digest())).toBe('8eb208f7e05d987a9b044a8e98c6b087f15a0bfc');
  expect(hex(new Ripemd160().update(Buffer.from('a'.repeat(1_000_000))).digest())).toBe(
    '52783243c1697bdbe16d37f97f68f08325dc1528',
  );
  if (!getHashes().includes('ripemd160')) return;
  for (let n = 0; n < 200; n += 7) {
    const data = randomBytes(n);
    const h = new Ripemd160();
    h.update(data.subarray(0, n >> 1));
    h.update(data.subarray(n >> 1));
    expect(hex(h.digest())).toBe(createHash('ripemd160').update(data).digest('hex'));
  }
});

test('a digest leaves the hash as it was: digest again, copy, or go on updating', () => {
  const h = new Md4().update(Buffer.from('ab'));
  const first = hex(h.digest());
  expect(hex(h.digest())).toBe(first);
  const c = h.copy();
  h.update(Buffer.from('c'));
  expect(hex(h.digest())).toBe('a448017aaf21d8525fc10ae87aa6729d');
  expect(hex(c.digest())).toBe(first);
});

test('HMAC agrees with OpenSSL for every algorithm it has, keys shorter and longer than a block', () => {
  const crypto = createCrypto();
  const names: Record<string, string> = {
    md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512',
    sha512_224: 'sha512-224', sha512_256: 'sha512-256', ripemd160: 'ripemd160',
  };
  for (const [k6Name, nodeName] of Object.entries(names)) {
    if (!getHashes().includes(nodeName)) continue;
    for (const key of ['', 'k', 'x'.repeat(64), 'y'.repeat(129), 'z'.repeat(300)]) {
      const want = createHmac(nodeName, key).update('the data').digest('hex');
      expect(crypto.hmac(k6Name, key, 'the data', 'hex')).toBe(want);
      const h = crypto.createHMAC(k6Name, key);
      h.update('the ');
      expect(h.digest('hex')).not.toBe(want);
      h.update('data');
      expect(h.digest('hex')).toBe(want);
      expect(h.digest('hex')).toBe(want);
    }
  }
});

test('errors are GoErrors with k6 messages; binary digests are fresh ArrayBuffers', () => {
  const crypto = createCrypto();
  expect(() => crypto.md5('x', 'utf8')).toThrow(new GoError('invalid output encoding: utf8'));
  try {
    crypto.sha1(1, 'hex');
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect(String(e)).toBe('GoError: sha1 failed: invalid type int64, expected string, []byte or ArrayBuffer');
  }
  const a = crypto.md5('x', 'binary') as ArrayBuffer;
  const b = crypto.md5('x', 'binary') as ArrayBuffer;
  expect(a).toBeInstanceOf(ArrayBuffer);
  expect(a).not.toBe(b);
  expect(Buffer.from(a).toString('hex')).toBe(createHash('md5').update('x').digest('hex'));
});

test('createHash() with an unknown algorithm throws a GoError (k6 v0.49 panics there)', () => {
  const crypto = createCrypto();
  expect(() => crypto.createHash('sha3')).toThrow('invalid algorithm: sha3');
  try {
    crypto.createHash('sha3');
  } catch (e) {
    expect((e as Error).name).toBe('GoError');
  }
  expect(() => crypto.createHash('constructor')).toThrow(/invalid algorithm: constructor/);
});
