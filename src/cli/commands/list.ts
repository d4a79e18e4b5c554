/** `smbcmp list CAPFILE`: one line per SMB packet, like Wireshark's packet list. */
import { fstatSync } from "node:fs";
import { streamTrace } from "../../trace/index.js";
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
  openOptions,
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

/** Batches lines to stdout. */
class Lines {
  private lines: string[] = [];
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length >= 512) this.flush();
  }
  flush(): void {
    if (this.lines.length) out(`${this.lines.join("\n")}\n`);
    this.lines.length = 0;
  }
}

/** A packet's list line: JSON, or the text columns (red for an error response with --color). */
function lineOf(p: PacketInfo, t0: number, json: boolean, color: boolean): string {
  if (json) return JSON.stringify(packetJson(p));
  const line = `${String(p.no).padStart(6)} ${(p.time - t0).toFixed(6).padStart(12)} ${p.src} → ${p.dst} ${p.summary}`;
  return color && isError(p) ? `\x1b[31m${line}\x1b[0m` : line;
}

function isError(p: PacketInfo): boolean {
  return p.messages.some((m) => m.isResponse && m.status >>> 30 === 3);
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
  const json = !!opts.json;
  const filter = parseFilterOpt(opts["display-filter"] as string | undefined);
  const lo = loadOpts(opts);
  const lines = new Lines();
  if (!filter && lo.engine !== "tshark") {
    // Nothing needs a packet twice: lines go out as packets are dissected, and no index is kept.
    let t0: number | undefined;
    const { packets } = await streamTrace(path, openOptions(path, lo, stdoutIsFile()), (p) => {
      t0 ??= p.time;
      lines.push(lineOf(p, t0, json, color));
    });
    lines.flush();
    if (!packets) throw new CliError(`No SMB packet in ${path}`);
    return 0;
  }
  const t = await loadTrace(path, lo);
  try {
    if (!t.packets.length) throw new CliError(`No SMB packet in ${path}`);
    const t0 = t.packets.at(0)!.time;
    // Filtered as we go, so the first matches print while later ones (maybe building trees) are tested.
    for (let i = 0; i < t.packets.length; i++) {
      if (filter && !filter.matches(t, i)) continue;
      if (json || color) lines.push(lineOf(t.packets.at(i)!, t0, json, color));
      else lines.push(lineOf({ ...packetRow(t.packets, i)!, messages: [] }, t0, false, false));
    }
    lines.flush();
  } finally {
    t.close();
  }
  return 0;
}

/** A progress line on stderr would land among the lines on a terminal or in a pager, not beside a file. */
function stdoutIsFile(): boolean {
  try {
    return fstatSync(1).isFile();
  } catch {
    return false;
  }
}
