/** Test helpers: fake Trace objects and field trees, without any capture or dissector. */
import type { AlignResult } from "../../src/diff/align.js";
import { walkDiff } from "../../src/diff/tree-diff.js";
import { type FieldNode, node } from "../../src/dissect/tree.js";
import { type MessageInfo, MsgFlag, type PacketInfo, type Trace } from "../../src/trace/types.js";

export function leaf(name: string, value: string | number, label?: string): FieldNode {
  const show = String(value);
  const title = name.split(".").pop()!;
  return node(name, label ?? `${title}: ${show}`, show, value, 0, 0);
}

export function tree(
  name: string,
  label: string,
  children: FieldNode[],
  value: string | number = "",
): FieldNode {
  const n = node(name, label, String(value), value, 0, 0);
  n.children = children;
  return n;
}

/** MS-DTYP GUID text of 16 raw bytes given in hex (what the dissector shows for smb2.fid). */
export function guidText(hex: string): string {
  const b = Buffer.from(hex.padStart(32, "0"), "hex");
  const h = (i: number, n: number, le: boolean) => {
    const p = [...b.subarray(i, i + n)];
    if (le) p.reverse();
    return p.map((x) => x.toString(16).padStart(2, "0")).join("");
  };
  return `${h(0, 4, true)}-${h(4, 2, true)}-${h(6, 2, true)}-${h(8, 2, false)}-${h(10, 6, false)}`;
}

export interface MsgSpec extends Partial<MessageInfo> {
  cmd: number;
  msgId: string;
  /** Extra body fields of the default tree. */
  body?: FieldNode[];
  /** Replaces the default tree entirely. */
  tree?: FieldNode[];
}

export interface PktSpec {
  time?: number;
  conn?: number;
  messages: MsgSpec[];
}

/** The default `smb2` tree of a message: header fields plus fid/filename and `body`. */
export function defaultTree(m: MessageInfo, body: FieldNode[] = []): FieldNode[] {
  const hdr = [leaf("smb2.cmd", m.cmd, `Command: ${m.cmd}`)];
  if (m.isResponse)
    hdr.push(leaf("smb2.nt_status", m.status, `NT Status: 0x${m.status.toString(16).padStart(8, "0")}`));
  hdr.push(leaf("smb2.msg_id", m.msgId, `Message ID: ${m.msgId}`));
  if (m.asyncId)
    hdr.push(leaf("smb2.async_id", `0x${m.asyncId.padStart(16, "0")}`, `Async Id: 0x${m.asyncId}`));
  else hdr.push(leaf("smb2.tid", m.tid, `Tree Id: 0x${m.tid.toString(16).padStart(8, "0")}`));
  hdr.push(leaf("smb2.sesid", `0x${m.sesId}`, `Session Id: 0x${m.sesId}`));
  const b: FieldNode[] = [];
  if (m.fileId) {
    const g = guidText(m.fileId);
    b.push(
      tree("smbcmp.smb2.handle", `GUID handle File: ${m.path ?? ""}`, [leaf("smb2.fid", g, `File Id: ${g}`)]),
    );
  }
  if (m.path && !m.isResponse) b.push(leaf("smb2.filename", m.path, `Filename: ${m.path}`));
  b.push(...body);
  return [
    tree("smb2", "SMB2 (Server Message Block Protocol version 2)", [
      tree("smbcmp.smb2.header", "SMB2 Header", hdr),
      tree("smbcmp.smb2.body", "Body", b),
    ]),
  ];
}

export interface FakeTrace extends Trace {
  treeCalls: number;
}

export function fakeTrace(path: string, pkts: PktSpec[]): FakeTrace {
  const packets: PacketInfo[] = [];
  const trees = new Map<number, FieldNode[]>();
  pkts.forEach((p, i) => {
    const no = i + 1;
    const messages: MessageInfo[] = p.messages.map((s) => {
      const { body: _b, tree: _t, ...rest } = s;
      const m: MessageInfo = {
        proto: 2,
        isResponse: false,
        status: 0,
        sesId: "0000000000000001",
        tid: 1,
        summary: "",
        flags: 0,
        ...rest,
      };
      if (!m.summary)
        m.summary = `cmd${m.cmd} ${m.isResponse ? "Response" : "Request"}${m.path ? ` ${m.path}` : ""}`;
      return m;
    });
    const t: FieldNode[] = [];
    p.messages.forEach((s, k) => {
      t.push(...(s.tree ?? defaultTree(messages[k]!, s.body)));
    });
    trees.set(no, t);
    packets.push({
      no,
      time: p.time ?? 1000 + i * 0.001,
      src: "127.0.0.1",
      dst: "127.0.0.1",
      srcPort: 40000,
      dstPort: 445,
      conn: p.conn ?? 0,
      summary: messages.map((m) => m.summary).join("; "),
      messages,
    });
  });
  const ft: FakeTrace = {
    path,
    packets,
    warnings: [],
    treeCalls: 0,
    indexOf: (no) => (no >= 1 && no <= packets.length ? no - 1 : -1),
    tree(no) {
      ft.treeCalls++;
      const t = trees.get(no);
      if (!t) throw new Error(`no packet ${no}`);
      return t;
    },
    close() {},
  };
  return ft;
}

export interface OpSpec {
  cmd: number;
  path?: string;
  status?: number;
  fileId?: string;
  conn?: number;
  detail?: string;
  sesId?: string;
  tid?: number;
  /** Request without response. */
  noResponse?: boolean;
  /** An interim STATUS_PENDING response first (async id). */
  asyncId?: string;
  /** Extra body fields in the request / response trees. */
  reqBody?: FieldNode[];
  respBody?: FieldNode[];
  time?: number;
}

/** A trace of request/response packet pairs, one pair per op spec, message ids counting up per connection. */
export function opTrace(path: string, ops: OpSpec[], start = 1000): FakeTrace {
  const pkts: PktSpec[] = [];
  const nextId = new Map<number, number>();
  let t = start;
  for (const o of ops) {
    const conn = o.conn ?? 0;
    const id = nextId.get(conn) ?? 0;
    nextId.set(conn, id + 1);
    const common = {
      cmd: o.cmd,
      msgId: String(id),
      path: o.path,
      detail: o.detail,
      fileId: o.fileId,
      ...(o.sesId ? { sesId: o.sesId } : {}),
      ...(o.tid !== undefined ? { tid: o.tid } : {}),
    };
    t = o.time ?? t + 0.001;
    pkts.push({ time: t, conn, messages: [{ ...common, body: o.reqBody }] });
    if (o.noResponse) continue;
    if (o.asyncId) {
      t += 0.0001;
      pkts.push({
        time: t,
        conn,
        messages: [{ ...common, isResponse: true, status: 0x103, asyncId: o.asyncId, flags: MsgFlag.Async }],
      });
    }
    t += 0.0001;
    pkts.push({
      time: t,
      conn,
      messages: [
        {
          ...common,
          isResponse: true,
          status: o.status ?? 0,
          body: o.respBody,
          ...(o.asyncId ? { asyncId: o.asyncId, flags: MsgFlag.Async } : {}),
        },
      ],
    });
  }
  return fakeTrace(path, pkts);
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `name: a → b` of every counted MODIFIED field of row `i`. */
export function modified(r: AlignResult, i: number): string[] {
  const out: string[] = [];
  for (const p of r.fieldDiff(i).parts)
    walkDiff(p.nodes, (n) => {
      if (n.kind === "modified" && n.a !== undefined && !n.ignored) out.push(`${n.name}: ${n.a} → ${n.b}`);
      return true;
    });
  return out;
}

/** A view of a real trace without some packets (by frame number). */
export function without(t: Trace, drop: Set<number>): Trace {
  const packets = [...t.packets].filter((p) => !drop.has(p.no));
  const idx = new Map(packets.map((p, i) => [p.no, i]));
  return {
    path: `${t.path} (edited)`,
    packets,
    warnings: t.warnings,
    indexOf: (no) => idx.get(no) ?? -1,
    tree: (no, o) => t.tree(no, o),
    close() {},
  };
}
