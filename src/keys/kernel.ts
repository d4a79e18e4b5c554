/**
 * Key dumps of the Linux kernel: the cifs client built with CONFIG_CIFS_DEBUG_DUMP_KEYS logs (dmesg)
 *   CIFS: VFS: generate_smb3signingkey: dumping generated AES session keys
 *   CIFS: VFS: Session Id    3d 00 00 94 00 48 00 00        (the wire bytes, "%*ph")
 *   CIFS: VFS: Cipher type   2
 *   CIFS: VFS: Session Key   28 f2 84 ...
 *   CIFS: VFS: Signing Key   ...
 *   CIFS: VFS: ServerIn Key  ...
 *   CIFS: VFS: ServerOut Key ...
 * and ksmbd (server, debug AUTH) logs the same labels but "Session Id    %llu" (decimal) and its own
 * view: its "ServerIn Key" is its encryption key, i.e. server→client, so ksmbd lines are swapped.
 * dmesg time stamps and any prefix before the label are ignored.
 */
import { type KeyEntry, normalizeSesId, sesIdFromWire } from "./types.js";

const HEXBYTES = /^((?:[0-9a-f]{2} )*[0-9a-f]{2})\s*$/i;

export function parseKernelLog(text: string, name = "kernel log"): KeyEntry[] {
  const out: KeyEntry[] = [];
  let cur: KeyEntry | undefined;
  let ksmbd = false;
  const flush = () => {
    if (cur && (cur.sessionKey || cur.serverIn || cur.serverOut)) {
      if (ksmbd) [cur.serverIn, cur.serverOut] = [cur.serverOut, cur.serverIn];
      if (!cur.serverIn) delete cur.serverIn;
      if (!cur.serverOut) delete cur.serverOut;
      out.push(cur);
    }
    cur = undefined;
  };
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /(Session Id|Session Key|Signing Key|ServerIn Key|ServerOut Key) {1,6}(\S.*)$/.exec(line);
    if (!m) return;
    const label = m[1]!;
    const value = m[2]!.trim();
    if (label === "Session Id") {
      flush();
      ksmbd = /ksmbd/i.test(line) || /^\d+$/.test(value);
      const sesId = /^(?:[0-9a-f]{2} ){7}[0-9a-f]{2}$/i.test(value)
        ? sesIdFromWire(Buffer.from(value.replace(/ /g, ""), "hex"))
        : normalizeSesId(value);
      if (sesId) cur = { sesId, source: `${name}:${i + 1}` };
      return;
    }
    if (!cur) return;
    const hb = HEXBYTES.exec(value);
    if (!hb) return;
    const buf = Buffer.from(hb[1]!.replace(/ /g, ""), "hex");
    if (label === "Session Key") cur.sessionKey = buf;
    else if (label === "Signing Key") cur.signingKey = buf;
    else if (label === "ServerIn Key") cur.serverIn = buf;
    else cur.serverOut = buf;
  });
  flush();
  return out;
}
