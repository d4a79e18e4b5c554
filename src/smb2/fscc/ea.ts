/** MS-FSCC 2.4.15 FILE_FULL_EA_INFORMATION lists, as Wireshark's `smb2.ea.*` fields. */
import type { Fields } from "../../dissect/fields.js";
import { FieldFlag } from "../../dissect/tree.js";

/** EA data shown like Wireshark: quoted text when printable, else hex. */
function eaText(b: Buffer): string {
  const s = b.toString("latin1").replace(/\0+$/, "");
  return /^[\x20-\x7e]*$/.test(s) ? `"${s}"` : b.toString("hex");
}

/** A chain of FILE_FULL_EA_INFORMATION entries filling `len` bytes at the cursor. */
export function eaList(f: Fields, len: number): void {
  const c = f.c;
  const start = c.pos;
  const end = Math.min(c.end, start + len);
  let at = start;
  for (let guard = 0; guard < 4096 && at + 8 <= end; guard++) {
    c.pos = at;
    const next = c.peekU32(at);
    const nameLen = c.peekU8(at + 5);
    const dataLen = c.peekU16(at + 6);
    const nameAt = at + 8;
    const name = c.has(nameLen, nameAt) ? c.buf.subarray(nameAt, nameAt + nameLen).toString("latin1") : "";
    const dAt = nameAt + nameLen + 1;
    const data = c.has(dataLen, dAt) ? c.buf.subarray(dAt, dAt + dataLen) : Buffer.alloc(0);
    f.tree("smbcmp.smb2.ea", `EA: ${name} := ${eaText(data)}`, (n) => {
      n.flags = FieldFlag.Text;
      f.uint("smb2.next_offset", "Next Offset", 4);
      f.uint("smb2.ea.flags", "EA Flags", 1, { base: "hex" });
      f.uint("smb2.ea.name_len", "EA Name Length", 1);
      f.uint("smb2.ea.data_len", "EA Data Length", 2);
      f.ascii("smb2.ea.name", "EA Name", nameLen);
      c.skip(1);
      const d = f.bytes("smb2.ea.data", "EA Data", dataLen);
      if (!f.light) f.nodes[f.nodes.length - 1]!.label = `EA Data: ${eaText(d)}`;
    });
    if (!next) break;
    at += next;
  }
  c.pos = end;
}
