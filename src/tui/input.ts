/** Raw terminal input → key names and mouse events. */

export type InputEvent =
  | { type: "key"; key: string }
  | { type: "mouse"; button: number; x: number; y: number; release: boolean };

/**
 * Key names: printable characters as themselves; `up down left right pgup pgdn home end tab
 * backtab enter backspace delete esc`; control keys as `C-x`.
 */
const CSI: Record<string, string> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
  Z: "backtab",
  "1~": "home",
  "7~": "home",
  "4~": "end",
  "8~": "end",
  "5~": "pgup",
  "6~": "pgdn",
  "3~": "delete",
  "2~": "insert",
};

export function parseInput(data: string): InputEvent[] {
  const out: InputEvent[] = [];
  let i = 0;
  while (i < data.length) {
    const c = data[i]!;
    if (c === "\x1b") {
      const rest = data.slice(i);
      const mouse = /^\x1b\[<(\d+);(\d+);(\d+)([Mm])/.exec(rest);
      if (mouse) {
        out.push({
          type: "mouse",
          button: Number(mouse[1]),
          x: Number(mouse[2]) - 1,
          y: Number(mouse[3]) - 1,
          release: mouse[4] === "m",
        });
        i += mouse[0].length;
        continue;
      }
      const csi = /^\x1b[[O]([0-9;]*)([A-Za-z~])/.exec(rest);
      if (csi) {
        const params = csi[1]!.split(";")[0] ?? "";
        const k = csi[2] === "~" ? CSI[`${params}~`] : CSI[csi[2]!];
        if (k) out.push({ type: "key", key: k });
        i += csi[0].length;
        continue;
      }
      // Alt-x arrives as ESC x; a lone ESC is Escape.
      out.push({ type: "key", key: "esc" });
      i++;
      continue;
    }
    const code = c.charCodeAt(0);
    if (c === "\r" || c === "\n") out.push({ type: "key", key: "enter" });
    else if (c === "\t") out.push({ type: "key", key: "tab" });
    else if (code === 0x7f || code === 8) out.push({ type: "key", key: "backspace" });
    else if (code < 0x20) out.push({ type: "key", key: `C-${String.fromCharCode(code + 96)}` });
    else {
      const cp = data.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push({ type: "key", key: ch === " " ? "space" : ch });
      i += ch.length;
      continue;
    }
    i++;
  }
  return out;
}
