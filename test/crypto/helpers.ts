import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const fixtures = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/crypto");

export interface CorpusFixture {
  sesid: string;
  key: string;
  frames: { frame: number; c2s: boolean; payload: string }[];
  decrypted: Record<string, string[]>;
}

export function loadFixture(name: string): CorpusFixture {
  return JSON.parse(readFileSync(join(fixtures, name), "utf8")) as CorpusFixture;
}

export interface Nbss {
  frame: number;
  c2s: boolean;
  data: Buffer;
}

/** Splits TCP payloads into NBSS messages (these captures never split a message across segments). */
export function nbssMessages(f: CorpusFixture): Nbss[] {
  const out: Nbss[] = [];
  for (const fr of f.frames) {
    const p = Buffer.from(fr.payload, "hex");
    let off = 0;
    while (off + 4 <= p.length) {
      const len = p.readUInt32BE(off) & 0xffffff;
      out.push({ frame: fr.frame, c2s: fr.c2s, data: p.subarray(off + 4, off + 4 + len) });
      off += 4 + len;
    }
  }
  return out;
}

/** Splits a (decrypted) SMB2 buffer into its compounded messages at NextCommand. */
export function splitCompound(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off + 64 <= buf.length) {
    const next = buf.readUInt32LE(off + 20);
    const end = next ? off + next : buf.length;
    out.push(buf.subarray(off, Math.min(end, buf.length)));
    if (!next) break;
    off += next;
  }
  return out;
}

/** Reads a Samba "debug encryption" dump ("Signing Key   [0000] 4D E4 ..." plus "[0010] ..." lines). */
export function sambaDump(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let cur: string | undefined;
  for (const line of text.split("\n")) {
    const m = /^(?:([A-Za-z][A-Za-z ]*?)\s+)?\[([0-9A-F]{4})\]((?: {1,3}[0-9A-F]{2})+)/.exec(line);
    if (!m) continue;
    if (m[1]) cur = m[1];
    if (!cur) continue;
    out[cur] = (m[2] === "0000" ? "" : (out[cur] ?? "")) + m[3]!.replace(/ /g, "").toLowerCase();
  }
  return out;
}
