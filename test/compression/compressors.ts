/**
 * Tiny MS-XCA compressors for round-trip tests and for the compression fixtures (not product code):
 * plain LZ77, LZNT1 and LZ77+Huffman with fixed 9-bit codes.
 */

/** Greedy matches (window `maxOff`, lengths up to `maxLen`) with a 3-byte hash chain head. */
export function* tokens(data: Buffer, maxOff: number, maxLen: number, start = 0, end = data.length) {
  const head = new Map<number, number>();
  let i = start;
  while (i < end) {
    let best = 0;
    let bestOff = 0;
    if (i + 3 <= end) {
      const key = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16);
      const cand = head.get(key);
      if (cand !== undefined && i - cand <= maxOff) {
        let l = 0;
        while (l < maxLen && i + l < end && data[cand + l] === data[i + l]) l++;
        if (l >= 3) {
          best = l;
          bestOff = i - cand;
        }
      }
      head.set(key, i);
    }
    if (best) {
      yield { match: true as const, off: bestOff, len: best, at: i };
      for (let k = i + 1; k < i + best && k + 3 <= end; k++) {
        head.set(data[k]! | (data[k + 1]! << 8) | (data[k + 2]! << 16), k);
      }
      i += best;
    } else {
      yield { match: false as const, byte: data[i]!, at: i };
      i++;
    }
  }
}

/** MS-XCA 2.3 plain LZ77 compressor (with the shared nibble and all length escapes). */
export function lz77Compress(data: Buffer): Buffer {
  const out: number[] = [0, 0, 0, 0];
  let flagPos = 0;
  let flags = 0;
  let flagCount = 0;
  let nibblePos = -1;
  const pushFlag = (bit: number) => {
    flags = (flags << 1) | bit;
    if (++flagCount === 32) {
      const w = Buffer.alloc(4);
      w.writeUInt32LE(flags >>> 0);
      out.splice(flagPos, 4, ...w);
      flagPos = out.length;
      out.push(0, 0, 0, 0);
      flags = 0;
      flagCount = 0;
    }
  };
  for (const t of tokens(data, 8192, 70000)) {
    if (!t.match) {
      out.push(t.byte);
      pushFlag(0);
      continue;
    }
    const l = t.len - 3;
    const w = ((t.off - 1) << 3) | Math.min(l, 7);
    out.push(w & 0xff, w >> 8);
    if (l >= 7) {
      const l2 = l - 7;
      const nib = Math.min(l2, 15);
      if (nibblePos < 0) {
        nibblePos = out.length;
        out.push(nib);
      } else {
        out[nibblePos]! |= nib << 4;
        nibblePos = -1;
      }
      if (l2 >= 15) {
        const l3 = l2 - 15;
        if (l3 < 255) out.push(l3);
        else {
          out.push(255);
          // The 16/32-bit escape carries length - 3 itself.
          if (l <= 0xffff) out.push(l & 0xff, l >> 8);
          else {
            out.push(0, 0);
            const b = Buffer.alloc(4);
            b.writeUInt32LE(l);
            out.push(...b);
          }
        }
      }
    }
    pushFlag(1);
  }
  // Pad the last flag word with 1 bits: the decoder stops at a match flag with no input left.
  const pad = 32 - flagCount;
  const w = Buffer.alloc(4);
  w.writeUInt32LE((((flags << pad) >>> 0) | ((2 ** pad - 1) >>> 0)) >>> 0);
  out.splice(flagPos, 4, ...w);
  return Buffer.from(out);
}

/** MS-XCA 2.5 LZNT1 compressor: 4 KB chunks, uncompressed chunks when compression does not pay. */
export function lznt1Compress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let c = 0; c < data.length; c += 4096) {
    const end = Math.min(c + 4096, data.length);
    const body: number[] = [];
    let flagIdx = -1;
    let bit = 8;
    for (const t of tokens(data, 4096, 4096, c, end)) {
      if (bit === 8) {
        flagIdx = body.length;
        body.push(0);
        bit = 0;
      }
      const pos = t.at - c;
      if (!t.match || pos === 0) {
        body.push(t.match ? data[t.at]! : t.byte);
        bit++;
        if (t.match) throw new Error("unreachable");
        continue;
      }
      // Split long matches into tokens that fit the position-dependent offset/length split.
      let done = 0;
      while (done < t.len) {
        if (bit === 8) {
          flagIdx = body.length;
          body.push(0);
          bit = 0;
        }
        const p = pos + done;
        let lengthBits = 12;
        for (let q = p - 1; q >= 0x10; q >>= 1) lengthBits--;
        const len = Math.min(t.len - done, (1 << lengthBits) + 2);
        if (len < 3 || t.off > 1 << (16 - lengthBits)) {
          body.push(data[t.at + done]!);
          bit++;
          done++;
          continue;
        }
        const token = ((t.off - 1) << lengthBits) | (len - 3);
        body[flagIdx]! |= 1 << bit;
        body.push(token & 0xff, token >> 8);
        bit++;
        done += len;
      }
    }
    const raw = data.subarray(c, end);
    const hdr = Buffer.alloc(2);
    if (body.length < raw.length) {
      hdr.writeUInt16LE(0xb000 | (body.length - 1));
      parts.push(hdr, Buffer.from(body));
    } else {
      hdr.writeUInt16LE(0x3000 | (raw.length - 1));
      parts.push(hdr, raw);
    }
  }
  return Buffer.concat(parts);
}

/**
 * LZ77+Huffman with every symbol 9 bits long (a complete canonical code: code = symbol). Long-match
 * length bytes go where the decoder reads them: after the 16-bit words it has fetched by then (two at
 * the block start, one more each time its 16 spare bits run out).
 */
export function lz77HuffmanCompress(data: Buffer, maxLen = 17, crossBlocks = true): Buffer {
  const parts: Buffer[] = [];
  // A block ends after 65536 output bytes, or after the match that crosses that point.
  for (let b = 0; b < data.length; ) {
    const words: number[] = [];
    const inserts: { afterWords: number; bytes: number[] }[] = [];
    let acc = 0;
    let nbits = 0;
    let total = 0;
    const put = (v: number, n: number) => {
      for (let i = n - 1; i >= 0; i--) {
        acc = (acc << 1) | ((v >> i) & 1);
        if (++nbits === 16) {
          words.push(acc);
          acc = 0;
          nbits = 0;
        }
      }
      total += n;
    };
    const wordsRead = () => 2 + Math.max(0, Math.ceil((total - 16) / 16));
    let next = data.length;
    for (const t of tokens(
      data,
      65535,
      maxLen,
      b,
      crossBlocks ? data.length : Math.min(b + 65536, data.length),
    )) {
      if (t.at >= b + 65536) {
        next = t.at;
        break;
      }
      if (!t.match) {
        put(t.byte, 9);
        continue;
      }
      const ob = 31 - Math.clz32(t.off);
      const l = t.len - 3;
      put(256 + Math.min(l, 15) + (ob << 4), 9);
      if (l >= 15) {
        let bytes: number[];
        if (l - 15 < 255) bytes = [l - 15];
        else if (l <= 0xffff) bytes = [255, l & 0xff, l >> 8];
        else bytes = [255, 0, 0, l & 0xff, (l >>> 8) & 0xff, (l >>> 16) & 0xff, l >>> 24];
        inserts.push({ afterWords: wordsRead(), bytes });
      }
      if (ob) put(t.off - (1 << ob), ob);
    }
    // The last block ends with the EOF symbol (256), as MS-XCA's compressor writes it.
    if (next === data.length) put(256, 9);
    if (nbits) words.push(acc << (16 - nbits));
    // The decoder reads ceil(bits / 16) + 1 words of a block before the next table.
    while (words.length < Math.ceil(total / 16) + 1) words.push(0);
    const out: number[] = [];
    let k = 0;
    for (let w = 0; w <= words.length; w++) {
      while (k < inserts.length && inserts[k]!.afterWords === w) out.push(...inserts[k++]!.bytes);
      if (w < words.length) out.push(words[w]! & 0xff, words[w]! >> 8);
    }
    parts.push(Buffer.alloc(256, 0x99), Buffer.from(out));
    b = next;
  }
  return Buffer.concat(parts);
}

export function sampleData(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    // Mostly text-like with repeats, some noise, some long runs.
    if (i % 5000 < 1200) b[i] = 0x41;
    else if (i > 64 && x % 4 !== 0) b[i] = b[i - 1 - (x % 60)]!;
    else b[i] = 32 + ((x >>> 24) % 90);
  }
  return b;
}
