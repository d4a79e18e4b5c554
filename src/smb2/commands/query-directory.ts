/** SMB2 QUERY_DIRECTORY (command 0x0e), MS-SMB2 2.2.33 / 2.2.34. */
import type { BitSpec, Fields } from "../../dissect/fields.js";
import { node } from "../../dissect/tree.js";
import { fileId, olb, structureSize } from "../common.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";
import { dirEntries, FIND_LEVELS } from "../fscc/dir.js";

const FIND_FLAGS: readonly BitSpec[] = [
  { name: "smb2.find.restart_scans", label: "Restart Scans", mask: 0x1 },
  { name: "smb2.find.single_entry", label: "Single Entry", mask: 0x2 },
  { name: "smb2.find.index_specified", label: "Index Specified", mask: 0x4 },
  { name: "smb2.find.reopen", label: "Reopen", mask: 0x10 },
];

function levelText(level: number | undefined): string {
  if (level === undefined) return "";
  return FIND_LEVELS[level] ?? `(Level:0x${level.toString(16).padStart(2, "0")})`;
}

/** Wireshark's ` LEVEL Pattern: p` tail, also used for error responses (`findSummary`). */
export function findSummary(m: Smb2Msg): string {
  if (m.rec.level === undefined) return "";
  return ` ${levelText(m.rec.level)} Pattern: ${m.rec.pattern ?? ""}`;
}

function request(f: Fields, m: Smb2Msg): void {
  const c = f.c;
  structureSize(f);
  const level = f.uint("smb2.find.infolevel", "Info Level", 1, { vals: FIND_LEVELS });
  f.bitmask("smb2.find.flags", "Find Flags", 1, FIND_FLAGS);
  f.uint("smb2.file_index", "File Index", 4, { base: "hex" });
  fileId(f, m);
  const offAt = c.pos;
  const off = c.u16();
  const len = c.u16();
  f.uint("smb2.output_buffer_len", "Output Buffer Length", 4);
  const at = m.h.at + off;
  const ok = len > 0 && c.has(len, at);
  const pattern = ok ? c.buf.subarray(at, at + (len & ~1)).toString("utf16le") : "";
  if (!f.light && len) {
    const offShow = `0x${off.toString(16).padStart(8, "0")}`;
    const n = node("smb2.find.pattern", `Search Pattern: ${pattern}`, pattern, pattern, at, ok ? len : 0);
    n.children = [
      node("smb2.olb.offset", `Blob Offset: ${offShow}`, offShow, off, offAt, 2),
      node("smb2.olb.length", `Blob Length: ${len}`, String(len), len, offAt + 2, 2),
    ];
    f.add(n);
  }
  if (m.ctx.first) {
    m.rec.level = level;
    m.rec.pattern = pattern;
    if (m.info.path !== undefined) m.rec.path = m.info.path;
  }
  m.info.detail = FIND_LEVELS[level] ?? `level=${level}`;
  const file = m.info.path !== undefined ? ` File: ${m.info.path}` : "";
  sum(m, `${file} ${levelText(level)} Pattern: ${pattern}`);
}

function response(f: Fields, m: Smb2Msg): void {
  const level = m.rec.level;
  if (level !== undefined && !f.light)
    f.add(
      node(
        "smb2.find.infolevel",
        `Info Level: ${FIND_LEVELS[level] ?? "Unknown"} (${level})`,
        String(level),
        level,
        f.c.pos,
        0,
      ),
    );
  structureSize(f);
  const [off, len] = olb(f, 2, 4);
  if (m.rec.path !== undefined) m.info.path = m.rec.path;
  if (level !== undefined) m.info.detail = FIND_LEVELS[level] ?? `level=${level}`;
  sum(m, findSummary(m));
  if (f.light || !len) return;
  const at = m.h.at + off;
  if (!f.c.has(len, at)) {
    // Like tshark, a cut-short output buffer (snap length) is not decoded.
    f.malformed("output buffer runs past the end of the message", at);
    return;
  }
  const avail = len;
  f.within(at, avail, () => {
    const blob = f.c.buf.subarray(at, at + avail);
    f.c.pos = at;
    f.tree(
      "smb2.find.info_blob",
      "Info",
      (n) => {
        const b = Buffer.from(blob);
        const nb = { ...n };
        void nb;
        n.label = `Info: ${b.length > 36 ? `${b.subarray(0, 36).toString("hex")}…` : b.toString("hex")}`;
        n.show = b.toString("hex").replace(/(..)(?!$)/g, "$1:");
        n.value = b.toString("hex");
        if (level !== undefined) dirEntries(f, level, avail);
      },
      avail,
    );
  });
}

export const queryDirectory: Smb2Command = {
  request,
  response,
  /** Error responses (e.g. STATUS_NO_MORE_FILES) still show the request's level and pattern, as Wireshark does. */
  errorPrefix(f: Fields, m: Smb2Msg) {
    const level = m.rec.level;
    if (level === undefined) return;
    m.info.detail ??= levelText(level);
    sum(m, findSummary(m));
    if (!f.light) {
      const n = f.generated("smb2.find.infolevel", "Info Level", String(level), level);
      n.label = `Info Level: ${levelText(level)} (${level})`;
      n.flags = 0;
      n.offset = f.c.pos;
    }
  },
};
