/** `-k SESSID,KEY[,SERVERIN,SERVEROUT]` arguments and smbcmp's own key file. */
import { type KeyEntry, KeyParseError, normalizeSesId, parseHexKey } from "./types.js";

const KEY_LENGTHS = new Set([16, 32]);

function key(text: string | undefined, what: string, where: string): Buffer | undefined {
  if (text === undefined || text.trim() === "" || text.trim() === "-") return undefined;
  const k = parseHexKey(text);
  if (!k) throw new KeyParseError(`${where}: ${what} is not hex: "${text.trim()}"`);
  if (!KEY_LENGTHS.has(k.length))
    throw new KeyParseError(`${where}: ${what} must be 16 or 32 bytes, got ${k.length}`);
  return k;
}

function entry(fields: string[], where: string, source: string): KeyEntry {
  if (fields.length < 2 || fields.length > 4) {
    throw new KeyParseError(`${where}: expected "SESSID,KEY" or "SESSID,KEY,SERVERIN,SERVEROUT"`);
  }
  const sesId = normalizeSesId(fields[0]!);
  if (!sesId) {
    throw new KeyParseError(
      `${where}: bad session id "${fields[0]}" (16 hex digits of the wire bytes, or a 0x-number, or decimal)`,
    );
  }
  const e: KeyEntry = { sesId, source };
  const sk = key(fields[1], "session key", where);
  const si = key(fields[2], "ServerIn key", where);
  const so = key(fields[3], "ServerOut key", where);
  if (sk) e.sessionKey = sk;
  if (si) e.serverIn = si;
  if (so) e.serverOut = so;
  if (!sk && !si && !so) throw new KeyParseError(`${where}: no key given`);
  return e;
}

/** One `-k` argument: "SESSID,KEY" (optionally ",SERVERIN,SERVEROUT"). Throws KeyParseError. */
export function parseKeyArg(arg: string): KeyEntry {
  return entry(arg.split(","), `-k ${arg}`, "-k");
}

/**
 * smbcmp's key file: one session a line, `sesid key [serverin serverout]` separated by blanks or
 * commas, "-" for a missing key, "#" comments. Throws KeyParseError naming the line.
 */
export function parseKeyFile(text: string, name = "key file"): KeyEntry[] {
  const out: KeyEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) return;
    out.push(entry(line.split(/[\s,]+/), `${name}:${i + 1}`, `${name}:${i + 1}`));
  });
  return out;
}
