/**
 * A minimal double-buffered cell renderer over raw ANSI: the app draws a whole frame into a cell
 * grid, `flush()` compares it with the last frame sent and writes only the changed cells (cursor
 * moves + SGR), in one write. Over ssh that means a cursor move redraws two lines, not the screen.
 */

/** Attribute bits; foreground colour in bits 8..11 (0 = default), background in 12..15. */
export const A = {
  bold: 1,
  dim: 2,
  reverse: 4,
  underline: 8,
} as const;

export const C = {
  red: 1,
  green: 2,
  yellow: 3,
  blue: 4,
  magenta: 5,
  cyan: 6,
  white: 7,
  gray: 8,
} as const;

export function fg(c: number): number {
  return (c + 1) << 8;
}
export function bg(c: number): number {
  return (c + 1) << 12;
}

function sgr(attr: number): string {
  const p = ["0"];
  if (attr & A.bold) p.push("1");
  if (attr & A.dim) p.push("2");
  if (attr & A.underline) p.push("4");
  if (attr & A.reverse) p.push("7");
  const f = (attr >> 8) & 15;
  const b = (attr >> 12) & 15;
  if (f) p.push(f - 1 === 8 ? "90" : String(30 + f - 1));
  if (b) p.push(b - 1 === 8 ? "100" : String(40 + b - 1));
  return `\x1b[${p.join(";")}m`;
}

/** Terminal columns of a code point: 0 (combining), 2 (East Asian wide, emoji) or 1. */
export function charWidth(c: number): number {
  if (c >= 0x300 && c < 0x370) return 0;
  if (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1faff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** What a code point shows as: control characters become a dot so column arithmetic stays exact. */
export function cellChar(ch: string): string {
  const c = ch.codePointAt(0)!;
  if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return "·";
  return ch;
}

export class Screen {
  w = 0;
  h = 0;
  private ch: string[] = [];
  private at: number[] = [];
  private prevCh: string[] = [];
  private prevAt: number[] = [];
  /** Force a full repaint on next flush (after resize, Ctrl-L). */
  private dirty = true;

  constructor(private readonly write: (s: string) => void) {}

  resize(w: number, h: number): void {
    this.w = Math.max(1, w);
    this.h = Math.max(1, h);
    const n = this.w * this.h;
    this.ch = new Array(n).fill(" ");
    this.at = new Array(n).fill(0);
    this.prevCh = new Array(n).fill("");
    this.prevAt = new Array(n).fill(-1);
    this.dirty = true;
  }

  invalidate(): void {
    this.dirty = true;
  }

  clear(): void {
    this.ch.fill(" ");
    this.at.fill(0);
  }

  /** Writes text at (x, y), clipped to `maxW` columns (default: to the right edge); returns the end column. */
  text(x: number, y: number, s: string, attr = 0, maxW = this.w - x): number {
    if (y < 0 || y >= this.h) return x;
    const end = Math.min(this.w, x + Math.max(0, maxW));
    for (const raw of s) {
      if (x >= end) break;
      let c = cellChar(raw);
      let cw = charWidth(c.codePointAt(0)!);
      if (cw === 0) continue;
      // A wide character takes its cell plus a continuation cell ("").
      if (cw === 2 && x + 1 >= end) {
        c = "…";
        cw = 1;
      }
      if (x >= 0) {
        const i = y * this.w + x;
        this.ch[i] = c;
        this.at[i] = attr;
        if (cw === 2) {
          this.ch[i + 1] = "";
          this.at[i + 1] = attr;
        }
      }
      x += cw;
    }
    return x;
  }

  /** Fills a rectangle with spaces of `attr`. */
  fill(x: number, y: number, w: number, h: number, attr = 0, c = " "): void {
    for (let yy = Math.max(0, y); yy < Math.min(this.h, y + h); yy++)
      for (let xx = Math.max(0, x); xx < Math.min(this.w, x + w); xx++) {
        const i = yy * this.w + xx;
        this.ch[i] = c;
        this.at[i] = attr;
      }
  }

  /** Adds attribute bits to a span (search-match highlight, cursor line). */
  paint(x: number, y: number, w: number, attr: number, replace = false): void {
    if (y < 0 || y >= this.h) return;
    for (let xx = Math.max(0, x); xx < Math.min(this.w, x + w); xx++) {
      const i = y * this.w + xx;
      this.at[i] = replace ? attr : this.at[i]! | attr;
    }
  }

  /** Sends the changed cells; returns the number of bytes written. */
  flush(): number {
    let out = "";
    let cur = -1;
    let curX = -1;
    let curY = -1;
    if (this.dirty) out += "\x1b[0m\x1b[2J";
    // A wide character overwritten by a narrow one leaves half a pair: repair before diffing.
    const wide = (c: string) => c !== "" && c.charCodeAt(0) >= 0x1100 && charWidth(c.codePointAt(0)!) === 2;
    for (let i = 0; i < this.ch.length; i++) {
      const c = this.ch[i]!;
      if (c === "" && (i % this.w === 0 || !wide(this.ch[i - 1]!))) this.ch[i] = " ";
      else if (wide(c) && (i % this.w === this.w - 1 || this.ch[i + 1] !== "")) this.ch[i] = "?";
    }
    // Wide characters: when either half of a pair changes, both cells are resent (the lead draws both).
    const n = this.w * this.h;
    for (let i = 0; i < n; i++) {
      if (this.ch[i] === this.prevCh[i] && this.at[i] === this.prevAt[i]) continue;
      if ((this.ch[i] === "" || this.prevCh[i] === "") && i > 0) this.prevAt[i - 1] = -1;
      if (i + 1 < n && (this.ch[i + 1] === "" || this.prevCh[i + 1] === "")) this.prevAt[i + 1] = -1;
    }
    for (let y = 0; y < this.h; y++) {
      for (let x = 0; x < this.w; x++) {
        const i = y * this.w + x;
        const c = this.ch[i]!;
        const a = this.at[i]!;
        if (!this.dirty && c === this.prevCh[i] && a === this.prevAt[i]) continue;
        this.prevCh[i] = c;
        this.prevAt[i] = a;
        if (c === "") continue; // drawn by its lead cell
        // The last cell of the screen is never written: that scrolls some terminals.
        if (y === this.h - 1 && x === this.w - 1) continue;
        if (curY !== y || curX !== x) out += `\x1b[${y + 1};${x + 1}H`;
        if (a !== cur) {
          out += sgr(a);
          cur = a;
        }
        out += c;
        curX = x + (this.ch[i + 1] === "" && x + 1 < this.w ? 2 : 1);
        curY = y;
      }
    }
    this.dirty = false;
    if (!out) return 0;
    out += "\x1b[0m";
    this.write(out);
    return out.length;
  }
}

/** Terminal modes: alternate screen, hidden cursor, SGR mouse; `leave()` undoes all of them. */
export const ENTER = "\x1b[?1049h\x1b[?25l\x1b[?1000h\x1b[?1006h\x1b[?7l";
export const LEAVE = "\x1b[?1000l\x1b[?1006l\x1b[?7h\x1b[0m\x1b[?25h\x1b[?1049l";
