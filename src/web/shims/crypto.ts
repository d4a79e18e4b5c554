/**
 * node:crypto for the browser build, synchronous like node's (the engine hashes, derives keys,
 * decrypts and verifies signatures inline while it reads a capture; WebCrypto is async): SHA-256,
 * SHA-512, HMAC, and the AES modes SMB3 uses (ECB/CBC encryption for CMAC, CCM, GCM) from ./aes.ts.
 */
import { Aes, cbcEncrypt, ccm, Gcm } from "./aes.js";

const K = [
  "428a2f98d728ae22",
  "7137449123ef65cd",
  "b5c0fbcfec4d3b2f",
  "e9b5dba58189dbbc",
  "3956c25bf348b538",
  "59f111f1b605d019",
  "923f82a4af194f9b",
  "ab1c5ed5da6d8118",
  "d807aa98a3030242",
  "12835b0145706fbe",
  "243185be4ee4b28c",
  "550c7dc3d5ffb4e2",
  "72be5d74f27b896f",
  "80deb1fe3b1696b1",
  "9bdc06a725c71235",
  "c19bf174cf692694",
  "e49b69c19ef14ad2",
  "efbe4786384f25e3",
  "0fc19dc68b8cd5b5",
  "240ca1cc77ac9c65",
  "2de92c6f592b0275",
  "4a7484aa6ea6e483",
  "5cb0a9dcbd41fbd4",
  "76f988da831153b5",
  "983e5152ee66dfab",
  "a831c66d2db43210",
  "b00327c898fb213f",
  "bf597fc7beef0ee4",
  "c6e00bf33da88fc2",
  "d5a79147930aa725",
  "06ca6351e003826f",
  "142929670a0e6e70",
  "27b70a8546d22ffc",
  "2e1b21385c26c926",
  "4d2c6dfc5ac42aed",
  "53380d139d95b3df",
  "650a73548baf63de",
  "766a0abb3c77b2a8",
  "81c2c92e47edaee6",
  "92722c851482353b",
  "a2bfe8a14cf10364",
  "a81a664bbc423001",
  "c24b8b70d0f89791",
  "c76c51a30654be30",
  "d192e819d6ef5218",
  "d69906245565a910",
  "f40e35855771202a",
  "106aa07032bbd1b8",
  "19a4c116b8d2d0c8",
  "1e376c085141ab53",
  "2748774cdf8eeb99",
  "34b0bcb5e19b48a8",
  "391c0cb3c5c95a63",
  "4ed8aa4ae3418acb",
  "5b9cca4f7763e373",
  "682e6ff3d6b2b8a3",
  "748f82ee5defb2fc",
  "78a5636f43172f60",
  "84c87814a1f0ab72",
  "8cc702081a6439ec",
  "90befffa23631e28",
  "a4506cebde82bde9",
  "bef9a3f7b2c67915",
  "c67178f2e372532b",
  "ca273eceea26619c",
  "d186b8c721c0c207",
  "eada7dd6cde0eb1e",
  "f57d4f7fee6ed178",
  "06f067aa72176fba",
  "0a637dc5a2c898a6",
  "113f9804bef90dae",
  "1b710b35131c471b",
  "28db77f523047d84",
  "32caab7b40c72493",
  "3c9ebe0a15c9bebc",
  "431d67c49c100d4c",
  "4cc5d4becb3e42b6",
  "597f299cfc657e2a",
  "5fcb6fab3ad6faec",
  "6c44198c4a475817",
].map((h) => BigInt(`0x${h}`));
const H0 = [
  "6a09e667f3bcc908",
  "bb67ae8584caa73b",
  "3c6ef372fe94f82b",
  "a54ff53a5f1d36f1",
  "510e527fade682d1",
  "9b05688c2b3e6c1f",
  "1f83d9abfb41bd6b",
  "5be0cd19137e2179",
].map((h) => BigInt(`0x${h}`));
const M = (1n << 64n) - 1n;
const rotr = (x: bigint, n: bigint) => ((x >> n) | (x << (64n - n))) & M;

export function sha512(data: Uint8Array): Uint8Array {
  const bitLen = BigInt(data.length) * 8n;
  const padLen = ((data.length + 17 + 127) >> 7) << 7;
  const p = new Uint8Array(padLen);
  p.set(data);
  p[data.length] = 0x80;
  const dv = new DataView(p.buffer);
  dv.setBigUint64(padLen - 8, bitLen);
  const h = [...H0];
  const w = new Array<bigint>(80);
  for (let off = 0; off < padLen; off += 128) {
    for (let i = 0; i < 16; i++) w[i] = dv.getBigUint64(off + i * 8);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = rotr(x, 1n) ^ rotr(x, 8n) ^ (x >> 7n);
      const s1 = rotr(y, 19n) ^ rotr(y, 61n) ^ (y >> 6n);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) & M;
    }
    let [a, b, c, d, e, f, g, hh] = h as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
    for (let i = 0; i < 80; i++) {
      const S1 = rotr(e, 14n) ^ rotr(e, 18n) ^ rotr(e, 41n);
      const ch = (e & f) ^ (~e & M & g);
      const t1 = (hh + S1 + ch + K[i]! + w[i]!) & M;
      const S0 = rotr(a, 28n) ^ rotr(a, 34n) ^ rotr(a, 39n);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) & M;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) & M;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) & M;
    }
    const v = [a, b, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = (h[i]! + v[i]!) & M;
  }
  const out = Buffer.alloc(64);
  const odv = new DataView(out.buffer, out.byteOffset, 64);
  for (let i = 0; i < 8; i++) odv.setBigUint64(i * 8, h[i]!);
  return out;
}

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

export function sha256(data: Uint8Array): Uint8Array {
  const padLen = ((data.length + 9 + 63) >> 6) << 6;
  const p = new Uint8Array(padLen);
  p.set(data);
  p[data.length] = 0x80;
  const dv = new DataView(p.buffer);
  dv.setUint32(padLen - 8, Math.floor(data.length / 2 ** 29));
  dv.setUint32(padLen - 4, (data.length * 8) >>> 0);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padLen; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      w[i] =
        w[i - 16]! +
        (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) +
        w[i - 7]! +
        (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10));
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    for (let i = 0; i < 64; i++) {
      const t1 =
        (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i]! + w[i]!) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    const v = [a, b, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = h[i]! + v[i]!;
  }
  const out = Buffer.alloc(32);
  const odv = new DataView(out.buffer, out.byteOffset, 32);
  for (let i = 0; i < 8; i++) odv.setUint32(i * 4, h[i]!);
  return out;
}

const HASHES: Record<string, { fn: (d: Uint8Array) => Uint8Array; block: number }> = {
  sha256: { fn: sha256, block: 64 },
  sha512: { fn: sha512, block: 128 },
};

function hashAlg(alg: string): { fn: (d: Uint8Array) => Uint8Array; block: number } {
  const h = HASHES[alg.toLowerCase().replace("-", "")];
  if (!h) throw new Error(`Digest method not supported: ${alg} (browser build)`);
  return h;
}

class Hash {
  private parts: Uint8Array[] = [];
  private fn: (d: Uint8Array) => Uint8Array;
  constructor(alg: string) {
    this.fn = hashAlg(alg).fn;
  }
  update(d: Uint8Array): this {
    this.parts.push(Uint8Array.from(d));
    return this;
  }
  digest(): Uint8Array {
    return this.fn(Buffer.concat(this.parts));
  }
}

export function createHash(alg: string): Hash {
  return new Hash(alg);
}

/** HMAC (RFC 2104) over SHA-256 or SHA-512. */
class Hmac {
  private inner: Uint8Array;
  private outer: Uint8Array;
  private parts: Uint8Array[] = [];
  private fn: (d: Uint8Array) => Uint8Array;
  constructor(alg: string, key: Uint8Array) {
    const { fn, block } = hashAlg(alg);
    this.fn = fn;
    const k = new Uint8Array(block);
    k.set(key.length > block ? fn(key) : key);
    this.inner = k.map((x) => x ^ 0x36);
    this.outer = k.map((x) => x ^ 0x5c);
  }
  update(d: Uint8Array): this {
    this.parts.push(Uint8Array.from(d));
    return this;
  }
  digest(): Uint8Array {
    const ih = this.fn(Buffer.concat([this.inner, ...this.parts]));
    return this.fn(Buffer.concat([this.outer, ih]));
  }
}

export function createHmac(alg: string, key: Uint8Array): Hmac {
  return new Hmac(alg, key);
}

/** "aes-128-gcm" → mode and key size, checked like node checks them. */
function parseAlgo(algo: string, key: Uint8Array): string {
  const m = /^aes-(128|192|256)-(ecb|cbc|ccm|gcm)$/.exec(algo.toLowerCase());
  if (!m) throw new Error(`Unknown cipher ${algo} (browser build)`);
  if (key.length * 8 !== Number(m[1])) throw new RangeError("Invalid key length");
  return m[2]!;
}

interface AeadOptions {
  authTagLength?: number;
}

/** ECB/CBC encryption without padding, and GCM/CCM (encrypt and decrypt) with node's call sequence. */
class Cipher {
  private mode: string;
  private aes?: Aes;
  private pending = new Uint8Array(0);
  private chain: Uint8Array;
  private gcm?: Gcm;
  private aadBytes: Uint8Array = new Uint8Array(0);
  private expected?: Uint8Array;
  private tag?: Uint8Array;
  private ccmOk = true;
  private tagLen: number;

  constructor(
    algo: string,
    private key: Uint8Array,
    private iv: Uint8Array | null,
    private decrypt: boolean,
    opts: AeadOptions = {},
  ) {
    this.mode = parseAlgo(algo, key);
    this.tagLen = opts.authTagLength ?? 16;
    this.chain = iv ? Uint8Array.from(iv) : new Uint8Array(16);
    if (this.mode === "gcm") this.gcm = new Gcm(key, iv ?? new Uint8Array(0), decrypt);
    else if (this.mode !== "ccm") {
      if (decrypt) throw new Error(`${algo} decryption is not available in the browser build`);
      this.aes = new Aes(key);
      if (this.mode === "cbc" && iv?.length !== 16) throw new Error("Invalid initialization vector");
    }
  }

  setAutoPadding(on: boolean): this {
    if (on) throw new Error("PKCS#7 padding is not available in the browser build");
    return this;
  }

  setAAD(a: Uint8Array, _opts?: { plaintextLength?: number }): this {
    if (this.gcm) this.gcm.aad(a);
    else this.aadBytes = Buffer.concat([this.aadBytes, a]);
    return this;
  }

  setAuthTag(t: Uint8Array): this {
    this.expected = Uint8Array.from(t);
    return this;
  }

  getAuthTag(): Uint8Array {
    if (!this.tag) throw new Error("getAuthTag before final");
    return Buffer.from(this.tag);
  }

  update(d: Uint8Array): Uint8Array {
    if (this.gcm) return Buffer.from(this.gcm.update(d));
    if (this.mode === "ccm") {
      const r = ccm(this.key, this.iv ?? new Uint8Array(0), this.aadBytes, d, this.tagLen, this.decrypt);
      this.tag = r.tag;
      if (this.decrypt) {
        this.ccmOk = !!this.expected && equal(this.expected, r.tag);
        // Like node: no plaintext is released when the tag does not verify.
        if (!this.ccmOk) throw new Error("Unsupported state or unable to authenticate data");
      }
      return Buffer.from(r.out);
    }
    const all = Buffer.concat([this.pending, d]);
    const n = all.length - (all.length % 16);
    this.pending = all.subarray(n);
    const body = all.subarray(0, n);
    const aes = this.aes!;
    if (this.mode === "cbc") {
      const out = cbcEncrypt(aes, this.chain, body);
      if (n) this.chain = out.slice(n - 16);
      return Buffer.from(out);
    }
    const out = new Uint8Array(n);
    for (let o = 0; o < n; o += 16) aes.encryptBlock(body, o, out, o);
    return Buffer.from(out);
  }

  final(): Uint8Array {
    if (this.gcm) {
      this.tag = this.gcm.tag().subarray(0, this.tagLen);
      if (this.decrypt && !(this.expected && equal(this.expected, this.tag)))
        throw new Error("Unsupported state or unable to authenticate data");
      return Buffer.alloc(0);
    }
    if (this.mode === "ccm") {
      if (!this.ccmOk) throw new Error("Unsupported state or unable to authenticate data");
      return Buffer.alloc(0);
    }
    if (this.pending.length) throw new Error("data not multiple of block length");
    return Buffer.alloc(0);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function createCipheriv(
  algo: string,
  key: Uint8Array,
  iv: Uint8Array | null,
  opts?: AeadOptions,
): Cipher {
  return new Cipher(algo, key, iv, false, opts);
}

export function createDecipheriv(
  algo: string,
  key: Uint8Array,
  iv: Uint8Array | null,
  opts?: AeadOptions,
): Cipher {
  return new Cipher(algo, key, iv, true, opts);
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) throw new RangeError("Input buffers must have the same byte length");
  return equal(a, b);
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(Buffer.alloc(n));
}

export function getCiphers(): string[] {
  return ["aes-128-ccm", "aes-128-gcm", "aes-256-ccm", "aes-256-gcm", "aes-128-cbc", "aes-128-ecb"];
}
