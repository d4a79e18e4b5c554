/**
 * Capture statistics: per-command counts, error statuses, service response times (like
 * `tshark -z smb2,srt`), sessions, tree connects and dialects; and the comparison of two.
 */
import { NBSS_TYPES } from "../nbss/session.js";
import { cmdName as smb1Name } from "../smb1/names.js";
import { cmdName as smb2Name } from "../smb2/names.js";
import type { Smb2State } from "../smb2/state.js";
import { statusText } from "../smb2/status.js";
import type { PacketInfo, RpcCall, Trace } from "../trace/types.js";

const STATUS_PENDING = 0x103;

export interface CommandStat {
  /** `SMB2 Create`, `SMB Negotiate Protocol`. */
  name: string;
  proto: 0 | 1 | 2;
  cmd: number;
  requests: number;
  responses: number;
  /** Final responses with a non-success status (severity error or warning). */
  errors: number;
}

export interface StatusStat {
  status: number;
  /** `0xc0000034`. */
  hex: string;
  name: string;
  count: number;
  /** Command names it was returned for, most frequent first. */
  commands: string[];
}

export interface SrtStat {
  name: string;
  proto: 0 | 1 | 2;
  cmd: number;
  /** Request/final-response pairs measured. */
  count: number;
  /** Seconds. */
  min: number;
  avg: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  total: number;
}

/** DCE/RPC calls over named pipes by operation (`tshark -z dcerpc,srt` per interface). */
export interface RpcStat {
  /** `SRVSVC.NetShareEnumAll`. */
  operation: string;
  calls: number;
  /** Calls with a response in the capture. */
  answered: number;
  /** Responses that were faults. */
  faults: number;
  /** Seconds from request to the response's first fragment, over the answered calls. */
  min: number;
  p50: number;
  p90: number;
  max: number;
}

export interface TraceStats {
  path: string;
  packets: number;
  messages: number;
  /** Seconds between the first and last SMB packet. */
  duration: number;
  connections: number;
  commands: CommandStat[];
  statuses: StatusStat[];
  srt: SrtStat[];
  rpc: RpcStat[];
  sessions: { session_id: string; user: string; dialect: string }[];
  trees: { tree_id: string; share: string }[];
  dialects: { dialect: string; connections: number }[];
  /** Requests whose response is not in the capture. */
  unanswered: number;
}

const DIALECTS: Record<number, string> = {
  514: "2.0.2",
  528: "2.1",
  768: "3.0",
  770: "3.0.2",
  785: "3.1.1",
};
export const dialectName = (d: number) => DIALECTS[d] ?? `0x${d.toString(16).padStart(4, "0")}`;

const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
const nameOf = (proto: 0 | 1 | 2, cmd: number) =>
  proto === 2
    ? `SMB2 ${smb2Name(cmd)}`
    : proto === 1
      ? `SMB ${smb1Name(cmd)}`
      : `NBSS ${NBSS_TYPES[cmd] ?? cmd}`;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function traceStats(t: Trace): TraceStats {
  const b = new StatsBuilder();
  for (const p of t.packets) b.add(p);
  return b.result(t.path, (t as Partial<{ smb2: Smb2State }>).smb2, t.rpcCalls?.());
}

/** RPC calls by operation, of the calls whose request frame `counted` accepts. */
function rpcStats(calls: readonly RpcCall[], counted: (frame: number) => boolean): RpcStat[] {
  const by = new Map<string, { calls: number; faults: number; t: number[] }>();
  for (const c of calls) {
    if (!counted(c.reqFrame)) continue;
    let r = by.get(c.op);
    if (!r) {
      r = { calls: 0, faults: 0, t: [] };
      by.set(c.op, r);
    }
    r.calls++;
    if (c.fault !== undefined) r.faults++;
    if (c.respTime !== undefined) r.t.push(Math.max(0, c.respTime - c.reqTime));
  }
  return [...by.entries()]
    .map(([operation, r]) => {
      r.t.sort((x, y) => x - y);
      return {
        operation,
        calls: r.calls,
        answered: r.t.length,
        faults: r.faults,
        min: r.t[0] ?? 0,
        p50: percentile(r.t, 50),
        p90: percentile(r.t, 90),
        max: r.t.at(-1) ?? 0,
      };
    })
    .sort((a, b) => b.calls - a.calls || a.operation.localeCompare(b.operation));
}

/** A request waiting for its response. */
interface Pending {
  time: number;
  proto: 0 | 1 | 2;
  cmd: number;
}

/** A command's key in StatsBuilder's maps (cmd is -1 or 16 bits). */
const cmdKey = (proto: number, cmd: number): number => proto * 0x20000 + (cmd + 1);

/**
 * Statistics gathered packet by packet, in capture order: from an index (traceStats) or from a
 * streamed pass that keeps none.
 */
export class StatsBuilder {
  // Keyed by numbers, not texts such as `${conn}:${proto}:${msgId}`: building and hashing a fresh
  // text per message was a fifth of `stats` on a big capture.
  /** By cmdKey. */
  private readonly cmds = new Map<number, CommandStat>();
  private readonly statuses = new Map<number, { count: number; cmds: Map<string, number> }>();
  /** Requests waiting for their response: by connection * 4 + proto, then MessageId. */
  private readonly pending = new Map<number, Map<number | string, Pending>>();
  /** By cmdKey. */
  private readonly times = new Map<number, { proto: 0 | 1 | 2; cmd: number; v: number[] }>();
  private readonly conns = new Set<number>();
  /** One bit per frame number added: the RPC calls counted are those of the packets added. */
  private frames = new Uint8Array(1 << 12);
  private messages = 0;
  packets = 0;
  private first = 0;
  private last = 0;

  add(p: PacketInfo): void {
    const { cmds, statuses, times } = this;
    if (this.packets++ === 0) this.first = p.time;
    this.last = p.time;
    this.conns.add(p.conn);
    this.mark(p.no);
    for (const m of p.messages) {
      this.messages++;
      const key = cmdKey(m.proto, m.cmd);
      let c = cmds.get(key);
      if (!c) {
        c = {
          name: nameOf(m.proto, m.cmd),
          proto: m.proto,
          cmd: m.cmd,
          requests: 0,
          responses: 0,
          errors: 0,
        };
        cmds.set(key, c);
      }
      const pending = this.pendingOf(p.conn * 4 + m.proto);
      // A MessageId below 2^53 as a number (most): a map's number keys need no string hashing.
      const id = m.msgId.length < 16 ? Number(m.msgId) : m.msgId;
      if (!m.isResponse) {
        c.requests++;
        // Cancel and oplock-break acks reuse message ids; the first request owns the pairing.
        if (!pending.has(id) && !(m.proto === 2 && m.cmd === 12))
          pending.set(id, { time: p.time, proto: m.proto, cmd: m.cmd });
        continue;
      }
      c.responses++;
      const interim = m.proto === 2 && m.status === STATUS_PENDING;
      if (m.status !== 0 && !interim) {
        if (m.status >>> 30 >= 2) c.errors++;
        let s = statuses.get(m.status >>> 0);
        if (!s) {
          s = { count: 0, cmds: new Map() };
          statuses.set(m.status >>> 0, s);
        }
        s.count++;
        s.cmds.set(c.name, (s.cmds.get(c.name) ?? 0) + 1);
      }
      if (interim) continue;
      const req = pending.get(id);
      if (req && req.cmd === m.cmd) {
        pending.delete(id);
        let l = times.get(key);
        if (!l) {
          l = { proto: m.proto, cmd: m.cmd, v: [] };
          times.set(key, l);
        }
        l.v.push(Math.max(0, p.time - req.time));
      }
    }
  }

  private mark(no: number): void {
    const i = no >>> 3;
    if (i >= this.frames.length) {
      const f = new Uint8Array(Math.max(i + 1, this.frames.length * 2));
      f.set(this.frames);
      this.frames = f;
    }
    this.frames[i]! |= 1 << (no & 7);
  }

  private added(no: number): boolean {
    return ((this.frames[no >>> 3] ?? 0) & (1 << (no & 7))) !== 0;
  }

  private pendingOf(k: number): Map<number | string, Pending> {
    let m = this.pending.get(k);
    if (!m) {
      m = new Map();
      this.pending.set(k, m);
    }
    return m;
  }

  /**
   * The statistics of the packets added; sessions, trees and dialects come from the SMB2 state,
   * RPC calls from `rpc` (Trace.rpcCalls).
   */
  result(path: string, st?: Smb2State, rpc: readonly RpcCall[] = []): TraceStats {
    const { conns } = this;
    const sortCmd = <T extends { proto: number; cmd: number }>(a: T, b: T) =>
      b.proto - a.proto || a.cmd - b.cmd;
    const srt: SrtStat[] = [...this.times.values()]
      .map(({ proto, cmd, v }) => {
        v.sort((x, y) => x - y);
        const total = v.reduce((s, x) => s + x, 0);
        return {
          name: nameOf(proto, cmd),
          proto,
          cmd,
          count: v.length,
          min: v[0]!,
          avg: total / v.length,
          p50: percentile(v, 50),
          p90: percentile(v, 90),
          p99: percentile(v, 99),
          max: v[v.length - 1]!,
          total,
        };
      })
      .sort(sortCmd);
    const sessions = st
      ? [...st.sessions.values()]
          .filter((s) => s.sesId !== "0000000000000000")
          .map((s) => ({
            session_id: `0x${s.sesId}`,
            user: s.user ? `${s.domain ? `${s.domain}\\` : ""}${s.user}` : "",
            dialect: s.dialect === undefined ? "" : dialectName(s.dialect),
          }))
      : [];
    const trees = st
      ? [...st.trees.entries()].map(([k, v]) => ({ tree_id: hex(Number(k.split(":")[2])), share: v.name }))
      : [];
    const dia = new Map<string, number>();
    if (st)
      for (const [conn, c] of st.connections)
        if (c.dialect !== undefined && conns.has(conn))
          dia.set(dialectName(c.dialect), (dia.get(dialectName(c.dialect)) ?? 0) + 1);
    return {
      path,
      packets: this.packets,
      messages: this.messages,
      duration: Math.max(0, this.last - this.first),
      connections: conns.size,
      commands: [...this.cmds.values()].sort(sortCmd),
      statuses: [...this.statuses.entries()]
        .map(([status, s]) => ({
          status,
          hex: hex(status),
          name: statusText(status),
          count: s.count,
          commands: [...s.cmds.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n),
        }))
        .sort((a, b) => b.count - a.count || a.status - b.status),
      srt,
      rpc: rpcStats(rpc, (no) => this.added(no)),
      sessions,
      trees,
      dialects: [...dia.entries()].map(([dialect, connections]) => ({ dialect, connections })),
      unanswered: [...this.pending.values()].reduce((n, m) => n + m.size, 0),
    };
  }
}

export interface DeltaRow {
  name: string;
  a: number;
  b: number;
  delta: number;
}

/** Per-key deltas of two count lists (keys present on either side). */
export function countDeltas<T>(
  a: readonly T[],
  b: readonly T[],
  key: (x: T) => string,
  val: (x: T) => number,
): DeltaRow[] {
  const m = new Map<string, DeltaRow>();
  for (const x of a) m.set(key(x), { name: key(x), a: val(x), b: 0, delta: 0 });
  for (const x of b) {
    const r = m.get(key(x)) ?? { name: key(x), a: 0, b: 0, delta: 0 };
    r.b = val(x);
    m.set(key(x), r);
  }
  for (const r of m.values()) r.delta = r.b - r.a;
  return [...m.values()];
}

export interface StatsComparison {
  commands: DeltaRow[];
  statuses: DeltaRow[];
  /** p50 response time deltas (seconds), per command measured on both sides. */
  srt_p50: DeltaRow[];
  /** RPC calls per operation. */
  rpc: DeltaRow[];
}

export function compareStats(a: TraceStats, b: TraceStats): StatsComparison {
  const bothSrt = new Set(b.srt.map((s) => s.name));
  return {
    commands: countDeltas(
      a.commands,
      b.commands,
      (c) => c.name,
      (c) => c.requests + c.responses,
    ),
    statuses: countDeltas(
      a.statuses,
      b.statuses,
      (s) => `${s.name} (${s.hex})`,
      (s) => s.count,
    ).sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta)),
    srt_p50: countDeltas(
      a.srt.filter((s) => bothSrt.has(s.name)),
      b.srt.filter((s) => a.srt.some((x) => x.name === s.name)),
      (s) => s.name,
      (s) => s.p50,
    ),
    rpc: countDeltas(
      a.rpc,
      b.rpc,
      (r) => r.operation,
      (r) => r.calls,
    ),
  };
}
