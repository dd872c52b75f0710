/**
 * MD4 and RIPEMD-160 in TypeScript, for k6/crypto: Node under OpenSSL 3 has no md4 (legacy provider)
 * and may lack ripemd160. Streaming, with copy() so a digest leaves the hash usable (as Go's Sum).
 */

/** The common part of both: 64-byte blocks, little-endian words and bit length, Merkle-Damgård padding. */
abstract class LeBlockHash {
  private readonly pending = Buffer.alloc(64);
  private pendingLength = 0;
  private byteCount = 0;
  private readonly words = new Uint32Array(16);

  protected constructor(protected readonly state: Uint32Array) {}

  protected abstract compress(x: Uint32Array): void;
  protected abstract blank(): LeBlockHash;

  update(data: Uint8Array): this {
    let offset = 0;
    this.byteCount += data.length;
    while (offset < data.length) {
      const n = Math.min(64 - this.pendingLength, data.length - offset);
      this.pending.set(data.subarray(offset, offset + n), this.pendingLength);
      this.pendingLength += n;
      offset += n;
      if (this.pendingLength === 64) {
        this.block(this.pending);
        this.pendingLength = 0;
      }
    }
    return this;
  }

  copy(): LeBlockHash {
    const c = this.blank();
    c.state.set(this.state);
    this.pending.copy(c.pending);
    c.pendingLength = this.pendingLength;
    c.byteCount = this.byteCount;
    return c;
  }

  /** The digest of what was given so far; this hash is left as it was. */
  digest(): Buffer {
    const c = this.copy();
    const bits = this.byteCount * 8;
    const padLength = this.pendingLength < 56 ? 56 - this.pendingLength : 120 - this.pendingLength;
    const tail = Buffer.alloc(padLength + 8);
    tail[0] = 0x80;
    tail.writeUInt32LE(bits >>> 0, padLength);
    tail.writeUInt32LE(Math.floor(bits / 0x100000000) >>> 0, padLength + 4);
    c.update(tail);
    const out = Buffer.alloc(c.state.length * 4);
    c.state.forEach((w, i) => out.writeUInt32LE(w >>> 0, i * 4));
    return out;
  }

  private block(bytes: Buffer): void {
    for (let i = 0; i < 16; i++) this.words[i] = bytes.readUInt32LE(i * 4);
    this.compress(this.words);
  }
}

const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

const MD4_R2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
const MD4_R3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];

export class Md4 extends LeBlockHash {
  constructor() {
    super(Uint32Array.of(0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476));
  }

  protected blank(): Md4 {
    return new Md4();
  }

  protected compress(x: Uint32Array): void {
    const s = this.state;
    let [a, b, c, d] = s;
    const F = (p: number, q: number, r: number) => (p & q) | (~p & r);
    const G = (p: number, q: number, r: number) => (p & q) | (p & r) | (q & r);
    const H = (p: number, q: number, r: number) => p ^ q ^ r;
    const rounds: Array<[(p: number, q: number, r: number) => number, number[], number, number[]]> = [
      [F, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], 0, [3, 7, 11, 19]],
      [G, MD4_R2, 0x5a827999, [3, 5, 9, 13]],
      [H, MD4_R3, 0x6ed9eba1, [3, 9, 11, 15]],
    ];
    for (const [f, order, k, shifts] of rounds) {
      for (let i = 0; i < 16; i += 4) {
        a = rotl((a + f(b, c, d) + x[order[i]] + k) | 0, shifts[0]);
        d = rotl((d + f(a, b, c) + x[order[i + 1]] + k) | 0, shifts[1]);
        c = rotl((c + f(d, a, b) + x[order[i + 2]] + k) | 0, shifts[2]);
        b = rotl((b + f(c, d, a) + x[order[i + 3]] + k) | 0, shifts[3]);
      }
    }
    s[0] += a;
    s[1] += b;
    s[2] += c;
    s[3] += d;
  }
}

// RIPEMD-160: message word order, rotations and constants of the left and right lines.
const RL = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8, 3, 10, 14, 4, 9,
  15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12, 1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2, 4, 0, 5, 9, 7, 12, 2, 10, 14, 1,
  3, 8, 11, 6, 15, 13,
];
const RR = [
  5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12, 6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2, 15, 5, 1, 3, 7,
  14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13, 8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14, 12, 15, 10, 4, 1, 5, 8, 7, 6,
  2, 13, 14, 0, 3, 9, 11,
];
const SL = [
  11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8, 7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12, 11, 13, 6,
  7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5, 11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12, 9, 15, 5, 11, 6, 8, 13,
  12, 5, 12, 13, 14, 11, 8, 5, 6,
];
const SR = [
  8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6, 9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11, 9, 7, 15,
  11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5, 15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8, 8, 5, 12, 9, 12, 5,
  14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
];
const KL = [0x00000000, 0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xa953fd4e];
const KR = [0x50a28be6, 0x5c4dd124, 0x6d703ef3, 0x7a6d76e9, 0x00000000];

function ripemdF(round: number, x: number, y: number, z: number): number {
  switch (round) {
    case 0:
      return x ^ y ^ z;
    case 1:
      return (x & y) | (~x & z);
    case 2:
      return (x | ~y) ^ z;
    case 3:
      return (x & z) | (y & ~z);
    default:
      return x ^ (y | ~z);
  }
}

export class Ripemd160 extends LeBlockHash {
  constructor() {
    super(Uint32Array.of(0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0));
  }

  protected blank(): Ripemd160 {
    return new Ripemd160();
  }

  protected compress(x: Uint32Array): void {
    const h = this.state;
    let [al, bl, cl, dl, el] = h;
    let [ar, br, cr, dr, er] = h;
    for (let j = 0; j < 80; j++) {
      const round = j >> 4;
      let t = (rotl((al + ripemdF(round, bl, cl, dl) + x[RL[j]] + KL[round]) | 0, SL[j]) + el) | 0;
      al = el;
      el = dl;
      dl = rotl(cl, 10);
      cl = bl;
      bl = t;
      t = (rotl((ar + ripemdF(4 - round, br, cr, dr) + x[RR[j]] + KR[round]) | 0, SR[j]) + er) | 0;
      ar = er;
      er = dr;
      dr = rotl(cr, 10);
      cr = br;
      br = t;
    }
    const t = (h[1] + cl + dr) | 0;
    h[1] = h[2] + dl + er;
    h[2] = h[3] + el + ar;
    h[3] = h[4] + al + br;
    h[4] = h[0] + bl + cr;
    h[0] = t;
  }
}
