/**
 * Myers' O(ND) difference algorithm in linear space (the "middle snake" divide and conquer of
 * Myers 1986, section 4b), on integer symbol sequences.
 *
 * Memory is O(N+M) (two diagonal vectors plus the output), so two traces of 100k+ operations align
 * without an N*M table. When a sub-problem turns out to need more than `maxCost` edits, the search
 * stops early and splits at the furthest-reaching path found so far (the same trade-off GNU diff
 * makes): the result is still a valid common subsequence, maybe not the longest, and the running
 * time stays bounded by O((N+M) * maxCost) per level for very different inputs.
 */

export interface MyersOptions {
  /** Search depth after which a sub-problem is split heuristically (default 512). */
  maxCost?: number;
}

/**
 * Exact up to ~1000 edits per sub-problem; two unrelated 100k sequences then cost ~0.5 s instead
 * of several seconds (measured), with a common subsequence a little shorter than the longest.
 */
export const DEFAULT_MAX_COST = 512;

/** Interns strings into small integers so sequences compare by `===` on numbers. */
export class Interner {
  private ids = new Map<string, number>();
  id(s: string): number {
    let v = this.ids.get(s);
    if (v === undefined) {
      v = this.ids.size;
      this.ids.set(s, v);
    }
    return v;
  }
  get size(): number {
    return this.ids.size;
  }
}

/**
 * Matched index pairs of a common subsequence of `a` and `b`, increasing in both indices, as a flat
 * array `[i0, j0, i1, j1, ...]`.
 */
export function myersMatches(a: ArrayLike<number>, b: ArrayLike<number>, opts: MyersOptions = {}): number[] {
  const n = a.length;
  const m = b.length;
  const out: number[] = [];
  if (n === 0 || m === 0) return out;
  const maxCost = opts.maxCost ?? DEFAULT_MAX_COST;
  const off = m + 1;
  const size = n + m + 3;
  const fd = new Int32Array(size);
  const bd = new Int32Array(size);

  // Explicit stack of entries [tag, p, q, r, s]: tag 0 = range xoff,xlim,yoff,ylim to diff;
  // tag 1 = emit `r` diagonal matches starting at (p, q). Left parts are pushed last so they are
  // processed first and matches come out sorted.
  const stack: number[] = [0, 0, n, 0, m];
  while (stack.length) {
    const s4 = stack.pop()!;
    const s3 = stack.pop()!;
    const s2 = stack.pop()!;
    const s1 = stack.pop()!;
    const tag = stack.pop()!;
    if (tag === 1) {
      for (let k = 0; k < s3; k++) out.push(s1 + k, s2 + k);
      continue;
    }
    let xoff = s1;
    let xlim = s2;
    let yoff = s3;
    let ylim = s4;
    while (xoff < xlim && yoff < ylim && a[xoff] === b[yoff]) {
      out.push(xoff, yoff);
      xoff++;
      yoff++;
    }
    let sx = xlim;
    let sy = ylim;
    while (sx > xoff && sy > yoff && a[sx - 1] === b[sy - 1]) {
      sx--;
      sy--;
    }
    const suffixLen = xlim - sx;
    xlim = sx;
    ylim = sy;
    if (suffixLen) stack.push(1, xlim, ylim, suffixLen, 0);
    if (xoff === xlim || yoff === ylim) continue;
    let [xmid, ymid] = split(a, b, xoff, xlim, yoff, ylim, fd, bd, off, maxCost);
    if ((xmid === xoff && ymid === yoff) || (xmid === xlim && ymid === ylim)) {
      // Defensive: a split must make progress; drop one element of `a` instead.
      xmid = xoff + 1;
      ymid = yoff;
    }
    stack.push(0, xmid, xlim, ymid, ylim);
    stack.push(0, xoff, xmid, yoff, ymid);
  }
  return out;
}

/** Finds a split point of the non-empty, prefix/suffix-trimmed box (GNU diff's `diag`). */
function split(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  xoff: number,
  xlim: number,
  yoff: number,
  ylim: number,
  fd: Int32Array,
  bd: Int32Array,
  off: number,
  maxCost: number,
): [number, number] {
  const dmin = xoff - ylim;
  const dmax = xlim - yoff;
  const fmid = xoff - yoff;
  const bmid = xlim - ylim;
  let fmin = fmid;
  let fmax = fmid;
  let bmin = bmid;
  let bmax = bmid;
  const odd = ((fmid - bmid) & 1) !== 0;
  fd[off + fmid] = xoff;
  bd[off + bmid] = xlim;
  const NEG = -1;
  const POS = 0x7fffffff;
  for (let c = 1; ; c++) {
    if (fmin > dmin) fd[off + --fmin - 1] = NEG;
    else ++fmin;
    if (fmax < dmax) fd[off + ++fmax + 1] = NEG;
    else --fmax;
    for (let d = fmax; d >= fmin; d -= 2) {
      const tlo = fd[off + d - 1]!;
      const thi = fd[off + d + 1]!;
      let x = tlo >= thi ? tlo + 1 : thi;
      let y = x - d;
      while (x < xlim && y < ylim && a[x] === b[y]) {
        x++;
        y++;
      }
      fd[off + d] = x;
      if (odd && bmin <= d && d <= bmax && bd[off + d]! <= x) return [x, y];
    }
    if (bmin > dmin) bd[off + --bmin - 1] = POS;
    else ++bmin;
    if (bmax < dmax) bd[off + ++bmax + 1] = POS;
    else --bmax;
    for (let d = bmax; d >= bmin; d -= 2) {
      const tlo = bd[off + d - 1]!;
      const thi = bd[off + d + 1]!;
      let x = tlo < thi ? tlo : thi - 1;
      let y = x - d;
      while (x > xoff && y > yoff && a[x - 1] === b[y - 1]) {
        x--;
        y--;
      }
      bd[off + d] = x;
      if (!odd && fmin <= d && d <= fmax && x <= fd[off + d]!) return [x, y];
    }
    if (c >= maxCost) {
      // Too expensive: split where the forward or backward search got furthest.
      let fxybest = -1;
      let fxbest = xoff;
      for (let d = fmax; d >= fmin; d -= 2) {
        let x = Math.min(fd[off + d]!, xlim);
        let y = x - d;
        if (ylim < y) {
          x = ylim + d;
          y = ylim;
        }
        if (fxybest < x + y) {
          fxybest = x + y;
          fxbest = x;
        }
      }
      let bxybest = POS;
      let bxbest = xlim;
      for (let d = bmax; d >= bmin; d -= 2) {
        let x = Math.max(xoff, bd[off + d]!);
        let y = x - d;
        if (y < yoff) {
          x = yoff + d;
          y = yoff;
        }
        if (x + y < bxybest) {
          bxybest = x + y;
          bxbest = x;
        }
      }
      if (xlim + ylim - bxybest < fxybest - (xoff + yoff)) return [fxbest, fxybest - fxbest];
      return [bxbest, bxybest - bxbest];
    }
  }
}
