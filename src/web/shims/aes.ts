/**
 * AES (FIPS 197, encryption direction only) with CBC, CTR, CCM (SP 800-38C) and GCM (SP 800-38D) in
 * plain synchronous JS, for the browser build: the engine decrypts and verifies signatures inline
 * while it reads a capture, and WebCrypto is asynchronous. Every mode SMB3 uses only needs the
 * forward cipher.
 */

const SBOX = new Uint8Array(256);
const T0 = new Uint32Array(256);
const T1 = new Uint32Array(256);
const T2 = new Uint32Array(256);
const T3 = new Uint32Array(256);

const xtime = (a: number): number => ((a << 1) ^ (a & 0x80 ? 0x11b : 0)) & 0xff;

(function initTables() {
  // exp/log over the generator 3 give the multiplicative inverses; the affine map gives the S-box.
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= xtime(x);
  }
  const rotl8 = (b: number, n: number) => ((b << n) | (b >> (8 - n))) & 0xff;
  for (let i = 0; i < 256; i++) {
    const inv = i === 0 ? 0 : exp[(255 - log[i]!) % 255]!;
    const s = inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63;
    SBOX[i] = s;
    const s2 = xtime(s);
    const t = ((s2 << 24) | (s << 16) | (s << 8) | (s2 ^ s)) >>> 0;
    T0[i] = t;
    T1[i] = ((t >>> 8) | (t << 24)) >>> 0;
    T2[i] = ((t >>> 16) | (t << 16)) >>> 0;
    T3[i] = ((t >>> 24) | (t << 8)) >>> 0;
  }
})();

const subWord = (w: number): number =>
  ((SBOX[w >>> 24]! << 24) |
    (SBOX[(w >>> 16) & 255]! << 16) |
    (SBOX[(w >>> 8) & 255]! << 8) |
    SBOX[w & 255]!) >>>
  0;

export class Aes {
  private readonly w: Uint32Array;
  private readonly rounds: number;

  constructor(key: Uint8Array) {
    const nk = key.length / 4;
    if (nk !== 4 && nk !== 6 && nk !== 8) throw new Error(`Invalid key length ${key.length}`);
    this.rounds = nk + 6;
    const w = new Uint32Array(4 * (this.rounds + 1));
    for (let i = 0; i < nk; i++)
      w[i] = ((key[4 * i]! << 24) | (key[4 * i + 1]! << 16) | (key[4 * i + 2]! << 8) | key[4 * i + 3]!) >>> 0;
    let rcon = 1;
    for (let i = nk; i < w.length; i++) {
      let t = w[i - 1]!;
      if (i % nk === 0) {
        t = subWord(((t << 8) | (t >>> 24)) >>> 0) ^ (rcon << 24);
        rcon = xtime(rcon);
      } else if (nk > 6 && i % nk === 4) t = subWord(t);
      w[i] = (w[i - nk]! ^ t) >>> 0;
    }
    this.w = w;
  }

  /** Encrypts the 16 bytes at `src[so]` into `dst[do_]` (may be the same place). */
  encryptBlock(src: Uint8Array, so: number, dst: Uint8Array, d: number): void {
    const w = this.w;
    const rd = (o: number) => ((src[o]! << 24) | (src[o + 1]! << 16) | (src[o + 2]! << 8) | src[o + 3]!) ^ 0;
    let s0 = rd(so) ^ w[0]!;
    let s1 = rd(so + 4) ^ w[1]!;
    let s2 = rd(so + 8) ^ w[2]!;
    let s3 = rd(so + 12) ^ w[3]!;
    let k = 4;
    for (let r = 1; r < this.rounds; r++, k += 4) {
      const t0 = T0[s0 >>> 24]! ^ T1[(s1 >>> 16) & 255]! ^ T2[(s2 >>> 8) & 255]! ^ T3[s3 & 255]! ^ w[k]!;
      const t1 = T0[s1 >>> 24]! ^ T1[(s2 >>> 16) & 255]! ^ T2[(s3 >>> 8) & 255]! ^ T3[s0 & 255]! ^ w[k + 1]!;
      const t2 = T0[s2 >>> 24]! ^ T1[(s3 >>> 16) & 255]! ^ T2[(s0 >>> 8) & 255]! ^ T3[s1 & 255]! ^ w[k + 2]!;
      const t3 = T0[s3 >>> 24]! ^ T1[(s0 >>> 16) & 255]! ^ T2[(s1 >>> 8) & 255]! ^ T3[s2 & 255]! ^ w[k + 3]!;
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
    }
    const last = (a: number, b: number, c: number, e: number, kw: number) =>
      ((SBOX[a >>> 24]! << 24) |
        (SBOX[(b >>> 16) & 255]! << 16) |
        (SBOX[(c >>> 8) & 255]! << 8) |
        SBOX[e & 255]!) ^
      kw;
    const o0 = last(s0, s1, s2, s3, w[k]!);
    const o1 = last(s1, s2, s3, s0, w[k + 1]!);
    const o2 = last(s2, s3, s0, s1, w[k + 2]!);
    const o3 = last(s3, s0, s1, s2, w[k + 3]!);
    const wr = (o: number, v: number) => {
      dst[o] = v >>> 24;
      dst[o + 1] = v >>> 16;
      dst[o + 2] = v >>> 8;
      dst[o + 3] = v;
    };
    wr(d, o0);
    wr(d + 4, o1);
    wr(d + 8, o2);
    wr(d + 12, o3);
  }

  block(b: Uint8Array): Uint8Array {
    const out = new Uint8Array(16);
    this.encryptBlock(b, 0, out, 0);
    return out;
  }
}

/** Big-endian increment of the last `width` bytes of a counter block. */
function inc(ctr: Uint8Array, width: number): void {
  for (let i = 15; i >= 16 - width; i--) {
    ctr[i] = (ctr[i]! + 1) & 0xff;
    if (ctr[i] !== 0) break;
  }
}

/** CTR keystream with a byte position, so that update() chunks of any length work. */
class Ctr {
  private ks = new Uint8Array(16);
  private used = 16;
  constructor(
    private aes: Aes,
    private ctr: Uint8Array,
    private width: number,
  ) {}
  xor(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      if (this.used === 16) {
        this.aes.encryptBlock(this.ctr, 0, this.ks, 0);
        inc(this.ctr, this.width);
        this.used = 0;
      }
      out[i] = data[i]! ^ this.ks[this.used++]!;
    }
    return out;
  }
}

/** GHASH (SP 800-38D 6.4), multiplying in GF(2^128) with 4-bit tables (Shoup's method). */
class Ghash {
  // Table of i*H for the 16 nibble values, each as 4 big-endian 32-bit words.
  private tab = new Uint32Array(64);
  private y = new Uint32Array(4);
  private buf = new Uint8Array(16);
  private n = 0;

  constructor(h: Uint8Array) {
    const v = [rd32(h, 0), rd32(h, 4), rd32(h, 8), rd32(h, 12)];
    // tab[8] = H, tab[4] = H*x, tab[2] = H*x^2, tab[1] = H*x^3 (bit-reflected order), then sums.
    const set = (i: number, a: number[]) => this.tab.set(a, i * 4);
    set(8, v);
    for (let i = 4; i > 0; i >>= 1) {
      const p = [...this.tab.subarray(i * 8, i * 8 + 4)];
      const lsb = p[3]! & 1;
      const q = [
        (p[0]! >>> 1) ^ (lsb ? 0xe1000000 : 0),
        ((p[1]! >>> 1) | (p[0]! << 31)) >>> 0,
        ((p[2]! >>> 1) | (p[1]! << 31)) >>> 0,
        ((p[3]! >>> 1) | (p[2]! << 31)) >>> 0,
      ].map((x) => x >>> 0);
      set(i, q);
    }
    for (let i = 2; i < 16; i <<= 1)
      for (let j = 1; j < i; j++)
        for (let k = 0; k < 4; k++) this.tab[(i + j) * 4 + k] = this.tab[i * 4 + k]! ^ this.tab[j * 4 + k]!;
  }

  private mul(): void {
    const y = this.y;
    let z0 = 0;
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    // Process nibbles from the last (lowest degree last) to the first: Z = Z*x^4 + nibble*H.
    for (let i = 15; i >= 0; i--) {
      const byte = (y[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
      for (const nib of [byte & 0xf, byte >>> 4]) {
        // Z * x^4: shift right by 4 with reduction of the 4 bits that fall off.
        const rem = z3 & 0xf;
        z3 = ((z3 >>> 4) | (z2 << 28)) >>> 0;
        z2 = ((z2 >>> 4) | (z1 << 28)) >>> 0;
        z1 = ((z1 >>> 4) | (z0 << 28)) >>> 0;
        z0 = (z0 >>> 4) ^ REDUCE4[rem]!;
        const t = nib * 4;
        z0 ^= this.tab[t]!;
        z1 ^= this.tab[t + 1]!;
        z2 ^= this.tab[t + 2]!;
        z3 ^= this.tab[t + 3]!;
      }
    }
    y[0] = z0 >>> 0;
    y[1] = z1 >>> 0;
    y[2] = z2 >>> 0;
    y[3] = z3 >>> 0;
  }

  private absorb(b: Uint8Array, o: number): void {
    for (let k = 0; k < 4; k++) this.y[k] = (this.y[k]! ^ rd32(b, o + 4 * k)) >>> 0;
    this.mul();
  }

  update(d: Uint8Array): void {
    let i = 0;
    if (this.n) {
      while (this.n < 16 && i < d.length) this.buf[this.n++] = d[i++]!;
      if (this.n < 16) return;
      this.absorb(this.buf, 0);
      this.n = 0;
    }
    for (; i + 16 <= d.length; i += 16) this.absorb(d, i);
    while (i < d.length) this.buf[this.n++] = d[i++]!;
  }

  /** Zero-pads a partial block (the AAD and the ciphertext are each padded). */
  pad(): void {
    if (!this.n) return;
    this.buf.fill(0, this.n);
    this.absorb(this.buf, 0);
    this.n = 0;
  }

  digest(): Uint8Array {
    const out = new Uint8Array(16);
    for (let k = 0; k < 4; k++) wr32(out, 4 * k, this.y[k]!);
    return out;
  }
}

// Reduction constants for the 4 bits shifted out: bit-reflected multiples of 0xE1 (x^128 = x^7+x^2+x+1).
const REDUCE4 = new Uint32Array(16);
for (let r = 0; r < 16; r++) {
  let v = 0;
  for (let b = 0; b < 4; b++) if (r & (1 << b)) v ^= 0xe1000000 >>> (3 - b);
  REDUCE4[r] = v >>> 0;
}

function rd32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function wr32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}
function wr64(b: Uint8Array, o: number, v: number): void {
  wr32(b, o, Math.floor(v / 2 ** 32));
  wr32(b, o + 4, v >>> 0);
}

export class Gcm {
  private aes: Aes;
  private gh: Ghash;
  private ctr: Ctr;
  private j0: Uint8Array;
  private aadLen = 0;
  private ctLen = 0;
  private inData = false;

  constructor(
    key: Uint8Array,
    iv: Uint8Array,
    private decrypt: boolean,
  ) {
    if (iv.length !== 12) throw new Error("GCM: only 96-bit IVs are supported");
    this.aes = new Aes(key);
    this.gh = new Ghash(this.aes.block(new Uint8Array(16)));
    this.j0 = new Uint8Array(16);
    this.j0.set(iv);
    this.j0[15] = 1;
    const c = this.j0.slice();
    inc(c, 4);
    this.ctr = new Ctr(this.aes, c, 4);
  }

  aad(a: Uint8Array): void {
    if (this.inData) throw new Error("GCM: AAD after data");
    this.gh.update(a);
    this.aadLen += a.length;
  }

  update(d: Uint8Array): Uint8Array {
    if (!this.inData) {
      this.gh.pad();
      this.inData = true;
    }
    const out = this.ctr.xor(d);
    this.gh.update(this.decrypt ? d : out);
    this.ctLen += d.length;
    return out;
  }

  tag(): Uint8Array {
    this.gh.pad();
    const lens = new Uint8Array(16);
    wr64(lens, 0, this.aadLen * 8);
    wr64(lens, 8, this.ctLen * 8);
    this.gh.update(lens);
    const s = this.gh.digest();
    const e = this.aes.block(this.j0);
    for (let i = 0; i < 16; i++) s[i]! ^= e[i]!;
    return s;
  }
}

/** CCM decryption/encryption in one call (as node requires for CCM), tag of `tagLen` bytes. */
export function ccm(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  data: Uint8Array,
  tagLen: number,
  decrypt: boolean,
): { out: Uint8Array; tag: Uint8Array } {
  const aes = new Aes(key);
  const n = nonce.length;
  if (n < 7 || n > 13) throw new Error("CCM: nonce must be 7..13 bytes");
  const L = 15 - n;
  const ctr0 = new Uint8Array(16);
  ctr0[0] = L - 1;
  ctr0.set(nonce, 1);
  const s0 = aes.block(ctr0);
  const c1 = ctr0.slice();
  inc(c1, L);
  const out = new Ctr(aes, c1, L).xor(data);
  const plain = decrypt ? out : data;
  // CBC-MAC over B0, the length-prefixed AAD and the plaintext, each zero-padded to blocks.
  const b0 = new Uint8Array(16);
  b0[0] = (aad.length ? 64 : 0) | (((tagLen - 2) / 2) << 3) | (L - 1);
  b0.set(nonce, 1);
  let len = plain.length;
  for (let i = 15; i > n; i--) {
    b0[i] = len & 0xff;
    len = Math.floor(len / 256);
  }
  const y = aes.block(b0);
  const mac = (buf: Uint8Array) => {
    for (let o = 0; o < buf.length; o += 16) {
      for (let i = 0; i < 16 && o + i < buf.length; i++) y[i]! ^= buf[o + i]!;
      aes.encryptBlock(y, 0, y, 0);
    }
  };
  if (aad.length) {
    const pre = aad.length < 0xff00 ? 2 : 6;
    const a = new Uint8Array(pre + aad.length);
    if (pre === 2) {
      a[0] = aad.length >> 8;
      a[1] = aad.length;
    } else {
      a[0] = 0xff;
      a[1] = 0xfe;
      wr32(a, 2, aad.length);
    }
    a.set(aad, pre);
    mac(a);
  }
  mac(plain);
  const tag = y.subarray(0, tagLen);
  for (let i = 0; i < tagLen; i++) tag[i]! ^= s0[i]!;
  return { out, tag: tag.slice() };
}

export function cbcEncrypt(aes: Aes, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  let prev = iv;
  for (let o = 0; o + 16 <= data.length; o += 16) {
    for (let i = 0; i < 16; i++) out[o + i] = data[o + i]! ^ prev[i]!;
    aes.encryptBlock(out, o, out, o);
    prev = out.subarray(o, o + 16);
  }
  return out;
}
