/**
 * The tshark engine: the same Trace interface, built from one `tshark -2 -T pdml` pass over the
 * capture (cached in memory), for users whose newer Wireshark dissects something we don't. Keys are
 * handed to tshark's smb2_seskey_list (4 fields, as tshark 4.0 wants; newer versions accept it too).
 */
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { FieldFlag, type FieldNode, find, findAll, node } from "../dissect/tree.js";
import type { KeyEntry } from "../keys/index.js";
import type { MessageInfo, PacketInfo, Trace } from "../trace/types.js";
import { Lru } from "../util/lru.js";

export class TsharkError extends Error {
  override name = "TraceError";
}

const ENT: Record<string, string> = { quot: '"', amp: "&", lt: "<", gt: ">", apos: "'" };
function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
    if (e[0] === "#")
      return String.fromCodePoint(e[1] === "x" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENT[e] ?? m;
  });
}

function attr(line: string, name: string): string | undefined {
  const i = line.indexOf(` ${name}="`);
  if (i < 0) return undefined;
  const start = i + name.length + 3;
  return unescapeXml(line.slice(start, line.indexOf('"', start)));
}

/** Session id (16 hex digits of the number) → the 8 wire bytes tshark's uat wants. */
const wire = (sesId: string) => Buffer.from(sesId, "hex").reverse().toString("hex");

export interface TsharkOptions {
  ports?: number[];
  keys?: KeyEntry[];
  tshark?: string;
}

interface Parsed {
  no: number;
  time: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  conn: number;
  smb: FieldNode[];
  all: FieldNode[];
}

const SMB_PROTOS = new Set(["smb", "smb2", "dcerpc"]);

/** Builds the field trees of one packet from its PDML lines (`<packet>` to `</packet>`). */
class PdmlPacketParser {
  cur: Parsed | undefined;
  private stack: FieldNode[][] = [];

  /** Feeds one line; returns the packet when the line closes it. */
  line(raw: string): Parsed | undefined {
    const line = raw.trimStart();
    const cur = this.cur;
    if (line.startsWith("<packet>")) {
      this.cur = { no: 0, time: 0, src: "", dst: "", srcPort: 0, dstPort: 0, conn: 0, smb: [], all: [] };
      this.stack = [this.cur.all];
    } else if (line.startsWith("</packet>")) {
      this.cur = undefined;
      if (cur) {
        cur.smb = cur.all.filter((n) => SMB_PROTOS.has(n.name));
        return cur;
      }
    } else if (cur && (line.startsWith("<proto ") || line.startsWith("<field "))) {
      const name = attr(line, "name") ?? "";
      const show = attr(line, "show") ?? "";
      const showname = attr(line, "showname");
      const pos = Number(attr(line, "pos") ?? 0);
      const size = Number(attr(line, "size") ?? 0);
      if (name === "num") cur.no = Number(show);
      else if (name === "timestamp") cur.time = Number(attr(line, "value") ?? 0);
      else if (name === "ip.src" || name === "ipv6.src") cur.src = show;
      else if (name === "ip.dst" || name === "ipv6.dst") cur.dst = show;
      else if (name === "tcp.srcport") cur.srcPort = Number(show);
      else if (name === "tcp.dstport") cur.dstPort = Number(show);
      else if (name === "tcp.stream") cur.conn = Number(show);
      const n = node(
        name || "smbcmp.text",
        showname ?? show,
        showname === undefined && !name ? "" : show,
        attr(line, "value") ?? show,
        pos,
        size,
        name ? 0 : FieldFlag.Text,
      );
      if (attr(line, "hide") !== "yes" && name !== "geninfo") this.stack[this.stack.length - 1]!.push(n);
      if (!line.endsWith("/>")) {
        n.children = [];
        this.stack.push(n.children);
      }
    } else if (cur && (line.startsWith("</proto>") || line.startsWith("</field>"))) {
      if (this.stack.length > 1) this.stack.pop();
    }
    return undefined;
  }
}

/** A copy owning exactly its bytes (zlib's result may be a view of a much larger chunk). */
function compact(b: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(b.length);
  b.copy(own);
  return own;
}

/**
 * A flat copy of a string kept for the whole session: V8 may keep a substring as a view of its
 * parent (here a PDML line, itself a view of a 64 KB read chunk), which would pin the parent.
 */
/** frame → Info column of `tshark ARGS -T fields` (`tshark`: its path, default from PATH). */
export function infoFields(tshark: string | undefined, args: string[]): Map<number, string> {
  const r = spawnSync(
    tshark ?? "tshark",
    [...args, "-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info"],
    {
      encoding: "utf8",
      maxBuffer: 1 << 30,
    },
  );
  const col = new Map<number, string>();
  for (const l of (r.stdout ?? "").split("\n")) {
    const tab = l.indexOf("\t");
    if (tab > 0) col.set(Number(l.slice(0, tab)), l.slice(tab + 1));
  }
  return col;
}

/** Commands that carry pipe data, by MessageInfo.proto: SMB2 read, write, ioctl; SMB1 transaction, read/write AndX. */
const PIPE_COMMANDS: Readonly<Record<number, readonly number[]>> = { 1: [0x25, 0x2e, 0x2f], 2: [8, 9, 11] };

function own(s: string): string;
function own(s: string | undefined): string | undefined;
function own(s: string | undefined): string | undefined {
  return s === undefined || s.length === 0 ? s : Buffer.from(s, "utf8").toString("utf8");
}

/** Parsed trees kept at once; the rest stay as compressed PDML (a tree costs ~10-50x its text). */
const TREE_CACHE = 64;

export async function openTsharkTrace(path: string, o: TsharkOptions = {}): Promise<Trace> {
  const base = ["-r", path, "-Y", "smb || smb2"];
  for (const p of o.ports ?? []) base.push("-d", `tcp.port==${p},nbss`);
  for (const k of o.keys ?? [])
    if (k.sessionKey)
      base.push("-o", `uat:smb2_seskey_list:${wire(k.sesId)},${k.sessionKey.toString("hex")},"",""`);
  const child = spawn(o.tshark ?? "tshark", [...base, "-2", "-T", "pdml"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    if (stderr.length < 4000) stderr += d;
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.on("error", (e) => reject(new TsharkError(`cannot run tshark: ${e.message}`)));
    child.on("spawn", () => resolve());
  });
  await spawned;
  const rl = createInterface({ input: child.stdout });
  // Each packet is parsed once for its list data, then only its PDML is kept (deflated); trees are
  // parsed again on demand, so memory holds compact per-packet data instead of every tree.
  const infos: PacketInfo[] = [];
  const pdml: Buffer[] = [];
  const parser = new PdmlPacketParser();
  const strings = new Map<string, string>();
  const intern = (s: string): string => {
    let hit = strings.get(s);
    if (hit === undefined) {
      hit = own(s);
      if (strings.size < 100_000) strings.set(hit, hit);
    }
    return hit;
  };
  let lines: string[] = [];
  for await (const raw of rl) {
    const line = raw.trimStart();
    if (line.startsWith("<packet>")) lines = [];
    if (parser.cur || line.startsWith("<packet>")) lines.push(line);
    const p = parser.line(line);
    if (!p) continue;
    infos.push({
      no: p.no,
      time: p.time,
      src: intern(p.src),
      dst: intern(p.dst),
      srcPort: p.srcPort,
      dstPort: p.dstPort,
      conn: p.conn,
      messages: messagesOf(p.smb),
      summary: "",
    });
    pdml.push(compact(deflateRawSync(lines.join("\n"), { level: 1 })));
    lines = [];
  }
  const code = await new Promise<number | null>((r) => child.on("close", r));
  if (code !== 0)
    throw new TsharkError(`tshark failed on ${path}: ${stderr.trim().split("\n").pop() ?? `exit ${code}`}`);

  // The packet summary is tshark's own Info column: the SMB part (DCE/RPC disabled), then, as our
  // dissector's summaries have it, " | " and the column with DCE/RPC for frames carrying some.
  const col = infoFields(o.tshark, [...base, "--disable-protocol", "dcerpc"]);
  const rpc = infoFields(
    o.tshark,
    base.map((a, i) => (i === 3 ? "dcerpc" : a)),
  );
  for (const p of infos) {
    p.summary = own(col.get(p.no) ?? p.messages.map((m) => m.summary).join(";"));
    const parts = p.summary.split(";");
    if (parts.length === p.messages.length)
      for (const [i, m] of p.messages.entries()) m.summary = parts.length === 1 ? p.summary : own(parts[i]!);
    const r = rpc.get(p.no);
    if (r !== undefined && p.messages.length) {
      // The message that carries the RPC: the last read, write, ioctl or transaction.
      let m = p.messages[p.messages.length - 1]!;
      for (const c of p.messages) if (PIPE_COMMANDS[c.proto]?.includes(c.cmd)) m = c;
      m.summary = own(`${m.summary} | ${r}`);
      p.summary = p.messages.map((m) => m.summary).join(";");
    }
  }
  const byNo = new Map(infos.map((p, i) => [p.no, i]));
  const cache = new Lru<number, Parsed>(TREE_CACHE);
  const parsed = (i: number): Parsed => {
    const hit = cache.get(i);
    if (hit) return hit;
    const again = new PdmlPacketParser();
    let p: Parsed | undefined;
    for (const l of inflateRawSync(pdml[i]!).toString("utf8").split("\n")) p = again.line(l) ?? p;
    if (!p) throw new TsharkError(`${path}: cannot re-read packet ${infos[i]!.no}`);
    cache.set(i, p);
    return p;
  };
  return {
    path,
    packets: infos,
    warnings: [],
    indexOf: (no) => byNo.get(no) ?? -1,
    tree(no, opts = {}) {
      const i = byNo.get(no);
      if (i === undefined) throw new TsharkError(`${path}: no SMB packet number ${no}`);
      const p = parsed(i);
      return opts.allLayers ? p.all : p.smb;
    },
    close() {
      cache.clear();
    },
  };
}

/** One MessageInfo per smb2/smb proto node, from its Wireshark fields. */
function messagesOf(protos: FieldNode[]): MessageInfo[] {
  const out: MessageInfo[] = [];
  for (const p of protos) {
    if (p.name !== "smb2" && p.name !== "smb") continue;
    const kids = p.children ?? [];
    const inner = findAll(kids, p.name).filter((x) => x !== p);
    if (inner.length) {
      out.push(...messagesOf(inner));
      continue;
    }
    const f = (n: string) => find(kids, n);
    const num = (n: string) => {
      const x = f(n);
      return x ? Number(x.show) : undefined;
    };
    const smb2 = p.name === "smb2";
    const cmd = num(smb2 ? "smb2.cmd" : "smb.cmd") ?? -1;
    const isResponse = (smb2 ? f("smb2.flags.response")?.show : f("smb.flags.response")?.show) === "1";
    const status = Number(f(smb2 ? "smb2.nt_status" : "smb.nt_status")?.show ?? 0) >>> 0;
    const ses = f(smb2 ? "smb2.sesid" : "smb.uid")?.show ?? "0";
    const body = kids.find((k) => k.flags === FieldFlag.Text && /(Request|Response)/.test(k.label));
    const name = f("smb2.filename")?.show ?? f("smb.file")?.show;
    out.push({
      proto: smb2 ? 2 : 1,
      cmd,
      isResponse,
      status: isResponse ? status : 0,
      msgId: own(f(smb2 ? "smb2.msg_id" : "smb.mid")?.show ?? "0"),
      sesId: BigInt(ses.startsWith("0x") ? ses : Number(ses))
        .toString(16)
        .padStart(16, "0"),
      tid: Number(f(smb2 ? "smb2.tid" : "smb.tid")?.show ?? 0),
      fileId: own(f("smb2.fid")?.show),
      path: own(name),
      summary: own(
        (body?.label ?? (cmd >= 0 ? `command ${cmd}` : "Encrypted SMB3")).replace(/ \(0x[0-9a-f]+\)$/, ""),
      ),
      flags: 0,
    });
  }
  return out;
}
