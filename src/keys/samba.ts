/**
 * Samba's key dump, printed by smbclient/smbd with `debug encryption = yes` (and a debug level that
 * shows it), e.g. `smbclient --option=debugencryption=yes -d 10`:
 *
 *   debug encryption: dumping generated session keys
 *   Session Id    [0000] D7 03 E3 3A 00 00 00 00                             ...:....
 *   Session Key   [0000] 75 0D DA 3F 4E 9B E9 99   31 F7 31 38 BC FA A5 CA   u..?N... 1.18....
 *   ServerIn Key  [0000] 38 BE 72 D2 76 CE 88 78   12 A4 0A 9A 24 DB 1A 4D   8.r.v..x ....$..M
 *   [0010] F3 D6 23 CA C6 FA 2F 3E   85 EB 8B 2F 1F 1A 94 80   ..#.../> .../....
 *
 * The whole log may be given: everything else is ignored. The Session Id dump is the wire bytes.
 */
import { type KeyEntry, sesIdFromWire } from "./types.js";

const LABELS: Record<string, keyof KeyEntry | "sesId" | "ignore"> = {
  "session id": "sesId",
  "session key": "sessionKey",
  "signing key": "signingKey",
  "serverin key": "serverIn",
  "serverout key": "serverOut",
  "app key": "ignore",
};

/** Bytes of one dump_data() line: fixed columns after "]": " XX XX ... XX   XX ... XX   ascii". */
function dumpBytes(afterBracket: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < 16; i++) {
    const col = 1 + 3 * i + (i >= 8 ? 2 : 0);
    const pair = afterBracket.slice(col, col + 2);
    if (!/^[0-9A-Fa-f]{2}$/.test(pair) || (afterBracket[col - 1] !== " " && col > 0)) break;
    out.push(Number.parseInt(pair, 16));
  }
  return out;
}

export function parseSambaLog(text: string, name = "samba log"): KeyEntry[] {
  const out: KeyEntry[] = [];
  let cur: { sesId?: string; fields: Partial<Record<string, number[]>>; line: number } | undefined;
  let field: string | undefined;
  const flush = () => {
    if (cur?.sesId) {
      const e: KeyEntry = { sesId: cur.sesId, source: `${name}:${cur.line}` };
      for (const k of ["sessionKey", "signingKey", "serverIn", "serverOut"] as const) {
        const v = cur.fields[k];
        if (v?.length) e[k] = Buffer.from(v);
      }
      if (e.sessionKey || e.serverIn || e.serverOut) out.push(e);
    }
    cur = undefined;
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^\s*(?:([A-Za-z][A-Za-z ]*?)\s*)?\[([0-9A-Fa-f]{4})\](.*)$/.exec(line);
    if (!m) {
      field = undefined;
      continue;
    }
    const label = m[1]?.toLowerCase();
    if (label !== undefined) {
      const target = LABELS[label];
      if (!target || m[2] !== "0000") {
        field = undefined;
        continue;
      }
      field = target;
      if (target === "sesId") {
        flush();
        cur = { fields: {}, line: i + 1 };
      }
    } else if (!field || m[2] === "0000") {
      continue;
    }
    if (!cur || !field || field === "ignore") continue;
    const bytes = dumpBytes(m[3]!);
    if (field === "sesId") {
      if (bytes.length === 8) cur.sesId = sesIdFromWire(Buffer.from(bytes));
      field = undefined;
      continue;
    }
    const prev = label === undefined ? (cur.fields[field] ?? []) : [];
    cur.fields[field] = [...prev, ...bytes];
  }
  flush();
  return out;
}
