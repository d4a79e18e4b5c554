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
