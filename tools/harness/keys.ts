// Parse the session keys that smbclient/smbtorture dump with `--option=debugencryption=yes`
// (Samba prints "debug encryption: dumping generated session keys" followed by labelled hex dumps).

export interface KeyEntry {
  /** 16 hex digits of the 64-bit session id as Wireshark displays smb2.sesid (big-endian number, no 0x). */
  sesId: string;
  sessionKey?: string;
  signingKey?: string;
  /** Key the server decrypts with (client-to-server traffic). */
  serverIn?: string;
  /** Key the server encrypts with (server-to-client traffic). */
  serverOut?: string;
}

const LABELS: Record<string, keyof KeyEntry> = {
  "Session Id": "sesId",
  "Session Key": "sessionKey",
  "Signing Key": "signingKey",
  "ServerIn Key": "serverIn",
  "ServerOut Key": "serverOut",
};

// "Session Key   [0000] 50 E5 10 ...   P..6.#." ; continuation lines are "   [0010] ..." with no label.
const DUMP_LINE = /^\s*([A-Za-z][A-Za-z ]*?)?\s*\[([0-9A-Fa-f]{4})\]\s+((?:[0-9A-Fa-f]{2}\s{1,3}){1,16})/;

/** Wire bytes (little-endian hex, as dumped by Samba) -> the number's 16-digit hex (as tshark shows). */
export function sesIdFromWire(wireHex: string): string {
  const bytes = wireHex.match(/../g) ?? [];
  return bytes.reverse().join("").toLowerCase().padStart(16, "0");
}

/** The number form (as in KeyEntry.sesId) -> the 8 wire bytes hex tshark's smb2_seskey_list UAT wants. */
export function sesIdToWire(sesId: string): string {
  const bytes = sesId.padStart(16, "0").match(/../g) ?? [];
  return bytes.reverse().join("").toLowerCase();
}

/** Extract every dumped session key block from a Samba debug log; duplicates (same sesid+keys) are merged. */
export function parseKeys(log: string): KeyEntry[] {
  const out: KeyEntry[] = [];
  let cur: Partial<Record<keyof KeyEntry, string>> | null = null;
  let field: keyof KeyEntry | null = null;
  const flush = () => {
    if (cur?.sesId) {
      const entry: KeyEntry = { sesId: sesIdFromWire(cur.sesId) };
      for (const k of ["sessionKey", "signingKey", "serverIn", "serverOut"] as const) {
        if (cur[k]) entry[k] = cur[k]!.toLowerCase();
      }
      const same = out.find((e) => JSON.stringify(e) === JSON.stringify(entry));
      if (!same) out.push(entry);
    }
    cur = null;
    field = null;
  };
  for (const line of log.split(/\r?\n/)) {
    if (line.includes("dumping generated session keys")) {
      flush();
      cur = {};
      continue;
    }
    if (!cur) continue;
    const m = DUMP_LINE.exec(line);
    if (!m) {
      // The block ends at the first line that is not part of a hex dump.
      flush();
      continue;
    }
    const label = m[1]?.trim();
    const hex = m[3].replace(/\s+/g, "");
    if (label) {
      field = LABELS[label] ?? null; // unknown labels (e.g. "App Key") are skipped
      if (field) cur[field] = hex;
    } else if (field) {
      cur[field] = (cur[field] ?? "") + hex;
    }
  }
  flush();
  return out;
}

/** Key file: one line per session `sesid sessionkey [serverin serverout]`, `#` comments. */
export function formatKeyFile(keys: KeyEntry[], comment?: string): string {
  const lines = [
    "# smbcmp key file: sesid sessionkey [serverin serverout]",
    "# sesid = session id as Wireshark displays smb2.sesid (a 0x-number); keys are hex",
  ];
  if (comment) lines.push(...comment.split("\n").map((l) => `# ${l}`));
  for (const k of keys) {
    const parts = [`0x${k.sesId}`, k.sessionKey ?? "-"];
    if (k.serverIn && k.serverOut) parts.push(k.serverIn, k.serverOut);
    lines.push(parts.join(" "));
  }
  return lines.join("\n") + "\n";
}

/** Inverse of formatKeyFile (tolerates blank lines and comments). */
export function parseKeyFile(text: string): KeyEntry[] {
  const out: KeyEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const [rawId, sessionKey, serverIn, serverOut] = line.split(/\s+/);
    const sesId = rawId?.replace(/^0x/i, "");
    if (!sesId || !/^[0-9a-fA-F]{1,16}$/.test(sesId)) continue;
    const e: KeyEntry = { sesId: sesId.toLowerCase().padStart(16, "0") };
    if (sessionKey && sessionKey !== "-") e.sessionKey = sessionKey.toLowerCase();
    if (serverIn && serverOut) {
      e.serverIn = serverIn.toLowerCase();
      e.serverOut = serverOut.toLowerCase();
    }
    out.push(e);
  }
  return out;
}

/** tshark `-o` arguments that make it decrypt these sessions. */
export function tsharkKeyArgs(keys: KeyEntry[]): string[] {
  const args: string[] = [];
  for (const k of keys) {
    if (!k.sessionKey) continue;
    // tshark 4.0 derives every cipher's keys from the session key; it rejects 32-byte (AES-256)
    // explicit keys in this UAT, so those are only passed when they are 16 bytes.
    const ok = (h?: string) => (h && h.length === 32 ? h : "");
    const s2c = ok(k.serverOut);
    const c2s = ok(k.serverIn);
    args.push("-o", `uat:smb2_seskey_list:${sesIdToWire(k.sesId)},${k.sessionKey},"${s2c}","${c2s}"`);
  }
  return args;
}
