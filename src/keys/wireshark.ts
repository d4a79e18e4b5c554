/**
 * Wireshark's `smb2_seskey_list` uat file (in the profile folder): one session a line, comma-separated
 * quoted fields "Session ID","Session Key"[,"Server-to-Client","Client-to-Server"], the id being the
 * 8 wire bytes in hex; strings may contain \xNN escapes; "#" lines are comments.
 */
import { type KeyEntry, KeyParseError, parseHexKey, sesIdFromWire } from "./types.js";

function fieldsOf(line: string, where: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " " || line[i] === "\t") i++;
    let v = "";
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && line[i + 1] === "x") {
          v += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
        } else if (line[i] === "\\") {
          v += line[i + 1] ?? "";
          i += 2;
        } else v += line[i++];
      }
      if (line[i] !== '"') throw new KeyParseError(`${where}: unterminated quoted field`);
      i++;
    } else {
      while (i < line.length && line[i] !== ",") v += line[i++];
      v = v.trim();
    }
    out.push(v);
    while (line[i] === " " || line[i] === "\t") i++;
    if (i < line.length && line[i] !== ",") throw new KeyParseError(`${where}: expected "," after a field`);
    i++;
  }
  return out;
}

export function parseWiresharkUat(text: string, name = "smb2_seskey_list"): KeyEntry[] {
  const out: KeyEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const where = `${name}:${i + 1}`;
    const f = fieldsOf(line, where);
    if (f.length !== 2 && f.length !== 4)
      throw new KeyParseError(`${where}: expected 2 or 4 fields, got ${f.length}`);
    const id = parseHexKey(f[0]!);
    if (id?.length !== 8) throw new KeyParseError(`${where}: session id must be 8 bytes of hex (wire order)`);
    const e: KeyEntry = { sesId: sesIdFromWire(id), source: where };
    const [sk, s2c, c2s] = [f[1], f[2], f[3]].map((v) => (v ? parseHexKey(v) : undefined));
    if (f[1] && !sk) throw new KeyParseError(`${where}: session key is not hex`);
    if (sk) e.sessionKey = sk;
    if (c2s) e.serverIn = c2s;
    if (s2c) e.serverOut = s2c;
    out.push(e);
  });
  return out;
}
