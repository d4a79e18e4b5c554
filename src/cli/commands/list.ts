/** `smbcmp list CAPFILE`: one line per SMB packet, like Wireshark's packet list. */
import { fstatSync } from "node:fs";
import { streamTrace } from "../../trace/index.js";
import { packetRow } from "../../trace/store.js";
import type { MessageInfo, PacketInfo } from "../../trace/types.js";
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
  warnUnseen,
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

export function packetJson(p: Omit<PacketInfo, "messages"> & { messages: readonly MessageInfo[] }) {
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
      ...(m.detail !== undefined ? { detail: m.detail } : {}),
      summary: m.summary,
    })),
  };
}

/** " → " in UTF-8. */
const ARROW = Buffer.from(" \u2192 ");

/**
 * List lines encoded straight into a reused buffer: a million lines as template strings, joined
 * and encoded again by stdout (two-byte strings, for the arrow) cost more than dissecting them.
 */
class LineOut {
  private buf = Buffer.allocUnsafe(1 << 16);
  private n = 0;
  constructor(
    private readonly json: boolean,
    private readonly color: boolean,
  ) {}

  /** Packet p's line: JSON, or the text columns (red for an error response with --color). */
  packet(p: Omit<PacketInfo, "messages">, t0: number, messages?: readonly MessageInfo[]): void {
    if (this.json) {
      this.text(JSON.stringify(packetJson({ ...p, messages: messages ?? [] })));
      return;
    }
    this.room(64 + 3 * (p.src.length + p.dst.length + p.summary.length));
    const red = this.color && messages !== undefined && isError(messages);
    if (red) this.ascii("\x1b[31m");
    this.uint(p.no, 6);
    this.ascii(" ");
    this.seconds(p.time - t0);
    this.ascii(" ");
    this.ascii(p.src);
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < ARROW.length; i++) b[n++] = ARROW[i]!;
    this.n = n;
    this.ascii(p.dst);
    this.ascii(" ");
    this.utf8(p.summary);
    if (red) this.ascii("\x1b[0m");
    this.buf[this.n++] = 10;
  }

  private text(s: string): void {
    this.room(1 + 3 * s.length);
    this.n += this.buf.write(s, this.n, "utf8");
    this.buf[this.n++] = 10;
  }

  /** Non-negative integer `v` right-aligned in `width` columns (String() of it costs more). */
  private uint(v: number, width: number): void {
    const b = this.buf;
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    let n = this.n;
    for (let k = digits; k < width; k++) b[n++] = 32;
    n += digits;
    this.n = n;
    for (let t = v; digits-- > 0; t = Math.floor(t / 10)) b[--n] = 48 + (t % 10);
  }

  /**
   * `d` seconds as toFixed(6) writes them, right-aligned in 12 columns. toFixed rounds the exact
   * binary value; d * 1e6 is off by far less than the 0.01 µs kept from a tie, and captures' times
   * are whole µs or ns, so the integer is the same; anything else goes through toFixed.
   */
  private seconds(d: number): void {
    const x = d * 1e6;
    const us = Math.round(x);
    if (!(d >= 0 && us < 2 ** 52 && Math.abs(x - us) < 0.49)) {
      this.ascii(d.toFixed(6), 12);
      return;
    }
    const whole = Math.floor(us / 1e6);
    this.uint(whole, 5);
    const b = this.buf;
    b[this.n] = 46;
    let frac = us - whole * 1e6;
    for (let i = 6; i > 0; i--) {
      b[this.n + i] = 48 + (frac % 10);
      frac = Math.floor(frac / 10);
    }
    this.n += 7;
  }

  /** `s` (ASCII) right-aligned in `width` columns. */
  private ascii(s: string, width = 0): void {
    const b = this.buf;
    let n = this.n;
    for (let k = s.length; k < width; k++) b[n++] = 32;
    for (let i = 0; i < s.length; i++) b[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** `s` as UTF-8: copied in JS while it is ASCII (most Info texts), as a call to Buffer.write costs more. */
  private utf8(s: string): void {
    const b = this.buf;
    const start = this.n;
    let n = start;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.n = start + b.write(s, start, "utf8");
        return;
      }
      b[n++] = c;
    }
    this.n = n;
  }

  private room(max: number): void {
    if (this.n + max <= this.buf.length) return;
    this.flush();
    if (max > this.buf.length) this.buf = Buffer.allocUnsafe(max);
  }

  flush(): void {
    if (!this.n) return;
    out(this.buf.subarray(0, this.n)); // written when it returns: the buffer is free again
    this.n = 0;
  }
}

function isError(ms: readonly MessageInfo[]): boolean {
  return ms.some((m) => m.isResponse && m.status >>> 30 === 3);
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
  const lines = new LineOut(json, color);
  if (!filter?.needsTree && lo.engine !== "tshark") {
    // Nothing needs a packet twice: lines go out as packets are dissected, and no index is kept.
    let t0: number | undefined;
    const { packets } = await streamTrace(path, openOptions(path, lo, stdoutIsFile()), (p) => {
      t0 ??= p.time; // times count from the first packet, listed or not
      if (!filter || filter.matchesPacket(p)) lines.packet(p, t0, p.messages);
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
      if (json || color) {
        const p = t.packets.at(i)!;
        lines.packet(p, t0, p.messages);
      } else lines.packet(packetRow(t.packets, i)!, t0);
    }
    lines.flush();
    warnUnseen(filter, path, lo.quiet);
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
