/** `smbcmp list CAPFILE`: one line per SMB packet, like Wireshark's packet list. */
import { packetRow } from "../../trace/store.js";
import type { PacketInfo } from "../../trace/types.js";
import { parseArgs, withOptions } from "../args.js";
import {
  CliError,
  COMMON_OPTS,
  colorOf,
  FILTER_OPT,
  loadOpts,
  loadTrace,
  out,
  parseFilterOpt,
} from "../common.js";

export const LIST_OPTS = [...COMMON_OPTS, FILTER_OPT];

export const LIST_HELP = `usage: smbcmp list CAPFILE [options]

Lists the SMB packets of a capture: frame number (as in Wireshark), time since the first
packet, source → destination and the Info summary. With --color, error responses are red.

Examples:
  smbcmp list examples/good.pcap
  smbcmp list examples/bad.pcap -Y 'smb2.cmd == 5 && smb2.nt_status != 0'
  smbcmp list trace.pcap -Y 'smb2.filename contains "tmp"' 
  smbcmp list trace.pcapng --json | jq .summary
  smbcmp list odd-port.pcap --port 4455`;

export function packetJson(p: PacketInfo) {
  return {
    number: p.no,
    time: p.time,
    src: `${p.src}:${p.srcPort}`,
    dst: `${p.dst}:${p.dstPort}`,
    summary: p.summary,
    messages: p.messages.map((m) => ({
      proto: (["nbss", "smb", "smb2"] as const)[m.proto],
      command: m.cmd,
      is_response: m.isResponse,
      status: m.status,
      msg_id: m.msgId,
      session_id: m.sesId,
      tree_id: m.tid,
      ...(m.fileId ? { file_id: m.fileId } : {}),
      ...(m.path !== undefined ? { path: m.path } : {}),
      summary: m.summary,
    })),
  };
}

export async function listCommand(argv: string[]): Promise<number> {
  const { opts, rest } = parseArgs(argv, LIST_OPTS);
  if (opts.help) {
    out(`${withOptions(LIST_HELP, LIST_OPTS)}\n`);
    return 0;
  }
  if (rest.length !== 1) throw new CliError("list needs exactly one CAPFILE (see smbcmp list -h)");
  const path = rest[0]!;
  const color = colorOf(opts);
  const filter = parseFilterOpt(opts["display-filter"] as string | undefined);
  const t = await loadTrace(path, loadOpts(opts));
  try {
    if (!t.packets.length) throw new CliError(`No SMB packet in ${path}`);
    const t0 = t.packets.at(0)!.time;
    const lines: string[] = [];
    // Filtered as we go, so the first matches print while later ones (maybe building trees) are tested.
    for (let i = 0; i < t.packets.length; i++) {
      if (filter && !filter.matches(t, i)) continue;
      if (opts.json) lines.push(JSON.stringify(packetJson(t.packets.at(i)!)));
      else {
        const p = packetRow(t.packets, i)!;
        const line = `${String(p.no).padStart(6)} ${(p.time - t0).toFixed(6).padStart(12)} ${p.src} → ${p.dst} ${p.summary}`;
        const bad = color && t.packets.at(i)!.messages.some((m) => m.isResponse && m.status >>> 30 === 3);
        lines.push(bad ? `\x1b[31m${line}\x1b[0m` : line);
      }
      if (lines.length >= 512) {
        out(`${lines.join("\n")}\n`);
        lines.length = 0;
      }
    }
    if (lines.length) out(`${lines.join("\n")}\n`);
  } finally {
    t.close();
  }
  return 0;
}
