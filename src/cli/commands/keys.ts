/** `smbcmp keys CAPFILE`: the SMB sessions of a capture and whether their keys are known and work. */
import { readDmesg } from "../../keys/index.js";
import { cipherNames } from "../../smb2/crypto/index.js";
import { streamTrace } from "../../trace/index.js";
import { parseArgs, withOptions } from "../args.js";
import { CliError, COMMON_OPTS, gatherKeys, loadOpts, out, parsePorts } from "../common.js";

export const KEYS_OPTS = [
  ...COMMON_OPTS,
  { name: "dmesg", help: "also read keys from the kernel log (cifs CONFIG_CIFS_DEBUG_DUMP_KEYS)" },
];

export const KEYS_HELP = `usage: smbcmp keys CAPFILE [-k SESSID,KEY] [--keys FILE] [--dmesg] [--json]

Lists the SMB sessions of a capture: session id, dialect, cipher, user, how many encrypted
packets it has, whether a key is known and whether it decrypts them.

Examples:
  smbcmp keys examples/encrypted.pcap --keys examples/encrypted.keys
  smbcmp keys trace.pcap -k 0x0000280000000001,0123456789abcdef0123456789abcdef
  smbcmp keys trace.pcap --dmesg`;

const DIALECTS: Record<number, string> = { 514: "2.0.2", 528: "2.1", 768: "3.0", 770: "3.0.2", 785: "3.1.1" };
const dialectName = (d?: number) => (d === undefined ? "?" : (DIALECTS[d] ?? `0x${d.toString(16)}`));

export async function keysCommand(argv: string[]): Promise<number> {
  const { opts, rest } = parseArgs(argv, KEYS_OPTS);
  if (opts.help) {
    out(`${withOptions(KEYS_HELP, KEYS_OPTS)}\n`);
    return 0;
  }
  if (rest.length !== 1) throw new CliError("keys needs exactly one CAPFILE (see smbcmp keys -h)");
  const lo = loadOpts(opts);
  const keys = gatherKeys(lo);
  if (opts.dmesg) {
    try {
      keys.push(...readDmesg());
    } catch (e) {
      throw new CliError(`cannot read the kernel log: ${(e as Error).message}`);
    }
  }
  // One pass, no index: the sessions' state and each session's first connection are all it needs.
  const connOf = new Map<string, number>();
  const t = await streamTrace(rest[0]!, { ports: parsePorts(lo.ports), keys }, (p) => {
    for (const m of p.messages) if (!connOf.has(m.sesId)) connOf.set(m.sesId, p.conn);
  });
  const ids = new Set([...t.smb2.sessions.keys(), ...t.security.status.keys()]);
  ids.delete("0000000000000000");
  const rows = [...ids].sort().map((id) => {
    const s = t.smb2.sessions.get(id);
    const st = t.security.status.get(id);
    const c = st?.conn ?? connOf.get(id);
    const conn = c === undefined ? undefined : t.smb2.connections.get(c);
    const dialect = st?.dialect ?? conn?.dialect ?? s?.dialect;
    const known = keys.some((k) => k.sesId === id);
    return {
      session_id: `0x${id}`,
      dialect: dialectName(dialect),
      cipher: st?.cipher ?? (conn?.cipher ? cipherNames[conn.cipher] : undefined) ?? "",
      user: s?.user ? `${s.domain ? `${s.domain}\\` : ""}${s.user}` : "",
      encrypted_packets: st?.encryptedPdus ?? 0,
      decrypted: st?.decrypted ?? 0,
      key_known: known,
      key_works: st && known ? st.decrypted > 0 : null,
      errors: st?.errors ?? [],
    };
  });
  if (opts.json) {
    for (const r of rows) out(`${JSON.stringify(r)}\n`);
  } else if (!rows.length) out("no SMB2 session in this capture\n");
  else {
    out("session id          dialect cipher       user                 encrypted key\n");
    for (const r of rows) {
      const key = !r.key_known
        ? r.encrypted_packets
          ? "missing"
          : "-"
        : r.key_works === false
          ? `WRONG (${r.errors[0] ?? "does not decrypt"})`
          : r.key_works
            ? `ok (${r.decrypted} decrypted)`
            : "known";
      out(
        `${r.session_id} ${r.dialect.padEnd(7)} ${r.cipher.padEnd(12)} ${r.user.padEnd(20)} ${String(r.encrypted_packets).padStart(9)} ${key}\n`,
      );
    }
  }
  return 0;
}
