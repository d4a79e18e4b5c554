/** SMB2 packet header (MS-SMB2 2.2.1): fast parse for the index, and the Wireshark-style subtree. */
import type { Cursor } from "../dissect/cursor.js";
import { type BitSpec, bitPattern, type Fields } from "../dissect/fields.js";
import { hexN } from "../dissect/format.js";
import type { Smb2Msg } from "./dissect.js";
import { cmdName, SMB2_FLAGS } from "./names.js";
import type { Smb2State } from "./state.js";
import { statusName } from "./status.js";

export const SMB2_MAGIC = 0x424d53fe; // "\xfeSMB" read little-endian
export const SMB2_TRANSFORM_MAGIC = 0x424d53fd;
export const SMB2_COMPRESSION_MAGIC = 0x424d53fc;
export const SMB1_MAGIC = 0x424d53ff;
export const SMB2_HEADER_LEN = 64;

export interface Smb2Header {
  /** Offset of the header in the PDU buffer. */
  at: number;
  creditCharge: number;
  /** NTSTATUS (responses) or ChannelSequence/Reserved (requests, 3.x). */
  status: number;
  cmd: number;
  credits: number;
  flags: number;
  nextCommand: number;
  msgId: bigint;
  /** Sync header only. */
  pid: number;
  tid: number;
  /** Async header only. */
  asyncId: bigint;
  sesId: bigint;
  /** MessageId in decimal, as MessageInfo.msgId (made without a BigInt when below 2^53). */
  msgIdText: string;
  /** SessionId as 16 hex digits, as MessageInfo.sesId. */
  sesHex: string;
  /** MessageId as a number when exact (below 2^53), else its decimal text: a cheap map key. */
  msgKey: number | string;
  signature: Buffer;
  isResponse: boolean;
  isAsync: boolean;
}

const u32 = (b: Buffer, i: number): number =>
  (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/** A parsed header; the signature view is made only when asked for (the index never does). */
class ParsedHeader implements Smb2Header {
  readonly creditCharge: number;
  readonly status: number;
  readonly cmd: number;
  readonly credits: number;
  readonly flags: number;
  readonly nextCommand: number;
  readonly pid: number;
  readonly tid: number;
  readonly isResponse: boolean;
  readonly isAsync: boolean;
  // The 64-bit ids as 32-bit halves: BigInts cost an allocation each and are slow to print, and
  // the index only needs their text.
  private readonly msgLo: number;
  private readonly msgHi: number;
  private readonly sesLo: number;
  private readonly sesHi: number;
  private sig: Buffer | undefined;

  constructor(
    private readonly buf: Buffer,
    readonly at: number,
  ) {
    // Plain byte reads (the caller checked that 64 bytes are there): Buffer's readUInt32LE was not
    // always inlined, and its checks cost more than the reads.
    const b = buf;
    const flags = u32(b, at + 16);
    const isAsync = (flags & SMB2_FLAGS.ASYNC) !== 0;
    this.creditCharge = b[at + 6]! | (b[at + 7]! << 8);
    this.status = u32(b, at + 8);
    this.cmd = b[at + 12]! | (b[at + 13]! << 8);
    this.credits = b[at + 14]! | (b[at + 15]! << 8);
    this.flags = flags;
    this.nextCommand = u32(b, at + 20);
    this.msgLo = u32(b, at + 24);
    this.msgHi = u32(b, at + 28);
    this.pid = isAsync ? 0 : u32(b, at + 32);
    this.tid = isAsync ? 0 : u32(b, at + 36);
    this.sesLo = u32(b, at + 40);
    this.sesHi = u32(b, at + 44);
    this.isResponse = (flags & SMB2_FLAGS.RESPONSE) !== 0;
    this.isAsync = isAsync;
    this.sig = undefined;
  }

  get msgId(): bigint {
    return (BigInt(this.msgHi) << 32n) | BigInt(this.msgLo);
  }

  get msgIdText(): string {
    return this.msgHi < 0x200000 ? String(this.msgHi * 0x100000000 + this.msgLo) : this.msgId.toString();
  }

  get msgKey(): number | string {
    return this.msgHi < 0x200000 ? this.msgHi * 0x100000000 + this.msgLo : this.msgIdText;
  }

  get asyncId(): bigint {
    return this.isAsync ? this.buf.readBigUInt64LE(this.at + 32) : 0n;
  }

  get sesId(): bigint {
    return (BigInt(this.sesHi) << 32n) | BigInt(this.sesLo);
  }

  get sesHex(): string {
    return hex16Of(this.sesHi, this.sesLo);
  }

  get signature(): Buffer {
    this.sig ??= this.buf.subarray(this.at + 48, this.at + 64);
    return this.sig;
  }
}

/** Reads a header at c.pos (advancing 64 bytes); throws ShortRead when fewer are available. */
export function parseHeader(c: Cursor): Smb2Header {
  const at = c.pos;
  c.need(SMB2_HEADER_LEN);
  const h = new ParsedHeader(c.buf, at);
  c.pos = at + SMB2_HEADER_LEN;
  return h;
}

export const hex16 = (v: bigint): string => v.toString(16).padStart(16, "0");

// A capture has few sessions, and messages of several connections interleave: each session's
// text is made once (and is then the same string, which the index compares by reference first).
const sesText = new Map<number, { hi: number; hex: string }>();

/** 16 hex digits of the 64-bit value hi:lo. */
function hex16Of(hi: number, lo: number): string {
  const e = sesText.get(lo);
  if (e !== undefined && e.hi === hi) return e.hex;
  const hex = hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
  // Random or hostile ids: the cache stays small.
  if (sesText.size >= 256) sesText.clear();
  sesText.set(lo, { hi, hex });
  return hex;
}

const FLAG_BITS: readonly BitSpec[] = [
  {
    name: "smb2.flags.response",
    label: "Response",
    mask: 0x1,
    t: "This is a RESPONSE",
    f: "This is a REQUEST",
  },
  {
    name: "smb2.flags.async",
    label: "Async command",
    mask: 0x2,
    t: "This is an ASYNC command",
    f: "This is a SYNC command",
    short: "Async command",
  },
  {
    name: "smb2.flags.chained",
    label: "Chained",
    mask: 0x4,
    t: "This pdu IS a chained command",
    f: "This pdu is NOT a chained command",
  },
  {
    name: "smb2.flags.signature",
    label: "Signing",
    mask: 0x8,
    t: "This pdu is signed",
    f: "This pdu is NOT signed",
  },
  { name: "smb2.flags.priority_mask", label: "Priority", mask: 0x70, short: "Priority" },
  {
    name: "smb2.flags.dfs",
    label: "DFS operation",
    mask: 0x10000000,
    t: "This is a DFS OPERATION",
    f: "This is a normal operation",
  },
  {
    name: "smb2.flags.replay",
    label: "Replay operation",
    mask: 0x20000000,
    t: "This is a REPLAY OPERATION",
    f: "This is NOT a replay operation",
  },
];

/** A session's authentication as known after `frame` (Wireshark shows what was known when the header was dissected). */
interface SesEvent {
  frame: number;
  at: number;
  authFrame: number;
  /** A successful SESSION_SETUP response (not the AUTHENTICATE request). */
  up?: boolean;
  acct?: string;
  domain?: string;
  host?: string;
}

interface TreeEvent {
  frame: number;
  at: number;
  name: string;
  shareType: number;
  tconFrame: number;
}

interface HeaderView {
  ses: Map<string, SesEvent[]>;
  trees: Map<string, TreeEvent[]>;
}

const views = new WeakMap<Smb2State, HeaderView>();

function view(state: Smb2State): HeaderView {
  let v = views.get(state);
  if (!v) {
    v = { ses: new Map(), trees: new Map() };
    views.set(state, v);
  }
  return v;
}

function push<T extends { frame: number; at: number }>(map: Map<string, T[]>, key: string, e: T): void {
  const list = map.get(key);
  if (!list) map.set(key, [e]);
  else if (!list.some((x) => x.frame === e.frame && x.at === e.at)) list.push(e);
}

/** The latest event recorded before this message (earlier frame, or earlier in the same frame). */
function asOf<T extends { frame: number; at: number }>(
  list: T[] | undefined,
  frame: number,
  at: number,
): T | undefined {
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const e = list[i]!;
    if (e.frame < frame || (e.frame === frame && e.at < at)) return e;
  }
  return undefined;
}

const sesKey = (m: Smb2Msg): string => hex16(m.h.sesId);
const treeKey = (m: Smb2Msg): string => `${hex16(m.h.sesId)}:${m.h.tid}`;

/**
 * Records the NTLMSSP AUTHENTICATE identity of the message's session (SESSION_SETUP request), for
 * the sesid children later headers show. Call only when `m.ctx.first`.
 */
export function noteSessionAuth(m: Smb2Msg, id: { acct: string; domain: string; host: string }): void {
  const s = m.ctx.state.session(sesKey(m));
  s.user = id.acct;
  s.domain = id.domain;
  s.host = id.host;
  push(view(m.ctx.state).ses, sesKey(m), { frame: m.ctx.frame, at: m.h.at, authFrame: m.ctx.frame, ...id });
}

/** Records a successful SESSION_SETUP response (Wireshark's "Authenticated in Frame"). */
export function noteSessionUp(m: Smb2Msg): void {
  const key = sesKey(m);
  const prev = asOf(view(m.ctx.state).ses.get(key), m.ctx.frame, m.h.at);
  const { acct, domain, host } = prev ?? {};
  push(view(m.ctx.state).ses, key, {
    frame: m.ctx.frame,
    at: m.h.at,
    authFrame: m.ctx.frame,
    up: true,
    acct,
    domain,
    host,
  });
}

/**
 * "Authenticated in Frame" of session `sesId` (16 hex digits) for a message at (`frame`, `at`), as
 * tshark's second pass shows it: the last successful SESSION_SETUP response before the message, or
 * else the last one of the capture (the state its first pass ended with).
 */
export function sessionAuthFrame(
  state: Smb2State,
  sesId: string,
  frame: number,
  at = -1,
): number | undefined {
  let before: number | undefined;
  let last: number | undefined;
  for (const e of view(state).ses.get(sesId) ?? []) {
    if (!e.up) continue;
    last = e.authFrame;
    if (e.frame < frame || (e.frame === frame && e.at < at)) before = e.authFrame;
  }
  return before ?? last;
}

/** Records a successful TREE_CONNECT response: TreeId → share name and type. */
export function noteTreeConnect(m: Smb2Msg, name: string, shareType: number): void {
  const { state } = m.ctx;
  state.trees.set(state.treeKey(m.ctx.conn, m.h.sesId, m.h.tid), { name, shareType });
  push(view(state).trees, treeKey(m), {
    frame: m.ctx.frame,
    at: m.h.at,
    name,
    shareType,
    tconFrame: m.ctx.frame,
  });
}

/** The share a message's TreeId names, as known when it was sent. */
export function treeOf(m: Smb2Msg): { name: string; shareType: number } | undefined {
  return asOf(view(m.ctx.state).trees.get(treeKey(m)), m.ctx.frame, m.h.at);
}

export const SHARE_TYPES: Readonly<Record<number, string>> = {
  1: "Physical disk",
  2: "Named pipe",
  3: "Printer",
};

/** The "SMB2 Header" subtree; the cursor must be at the header start. */
export function dissectHeader(f: Fields, m: Smb2Msg): void {
  const { h, rec, ctx } = m;
  f.tree(
    "smbcmp.smb2.header",
    "SMB2 Header",
    () => {
      f.uint("smb2.protocol_id", "ProtocolId", 4, { base: "hex", be: true });
      f.uint("smb2.header_len", "Header Length", 2);
      f.uint("smb2.credit.charge", "Credit Charge", 2);
      // Requests carry ChannelSequence/Reserved (3.x); Wireshark shows them so for every dialect.
      if (h.isResponse) {
        f.uint("smb2.nt_status", "NT Status", 4, { base: "hex", vals: statusName });
      } else {
        f.uint("smb2.channel_sequence", "Channel Sequence", 2);
        f.opaque("smb2.reserved", "Reserved", 2);
      }
      f.uint("smb2.cmd", "Command", 2, { vals: (v) => cmdName(v) });
      if (h.isResponse) f.uint("smb2.credits.granted", "Credits granted", 2);
      else f.uint("smb2.credits.requested", "Credits requested", 2);
      flagsNode(f);
      f.uint("smb2.chain_offset", "Chain Offset", 4, { base: "hex" });
      f.u64("smb2.msg_id", "Message ID");
      if (h.isAsync) {
        f.u64("smb2.aid", "Async Id", { base: "hex" });
      } else {
        f.uint("smb2.pid", "Process Id", 4, { base: "hex" });
        tidNode(f, m);
      }
      sesIdNode(f, m);
      f.opaque("smb2.signature", "Signature", 16);
      if (!h.isResponse && rec.responseFrame)
        f.generated("smb2.response_in", "Response in", String(rec.responseFrame), rec.responseFrame);
      if (h.isResponse && rec.frame) {
        // After a CANCEL with the same MessageId, Wireshark matches responses to the cancel.
        const cf = rec.extra?.cancelFrame;
        const cancel = typeof cf === "number" && cf < ctx.frame;
        const to = cancel ? cf : rec.frame;
        const t0 = cancel ? Number(rec.extra?.cancelTime) : rec.time;
        f.generated("smb2.response_to", "Response to", String(to), to);
        // Capture times are float seconds: round to µs so float noise does not show.
        const dt = (Math.round((ctx.time - t0) * 1e6) / 1e6).toFixed(9);
        f.generated("smb2.time", "Time from request", dt, Number(dt)).label += " seconds";
      }
    },
    SMB2_HEADER_LEN,
  );
}

function tidNode(f: Fields, m: Smb2Msg): void {
  const show = hexN(f.c.peekU32(), 8);
  // As tshark's second pass: the tree as finally known, also on the response that connects it.
  const ev = m.h.tid ? view(m.ctx.state).trees.get(treeKey(m))?.at(-1) : undefined;
  f.tree(
    "smb2.tid",
    `Tree Id: ${show}${ev ? `  ${ev.name}` : ""}`,
    () => {
      f.c.skip(4);
      if (!ev) return;
      f.generated("smb2.tree", "Tree", ev.name);
      const st = hexN(ev.shareType, 2);
      f.generated("smb2.share_type", "Share Type", st, ev.shareType).label =
        `Share Type: ${SHARE_TYPES[ev.shareType] ?? "Unknown"} (${st})`;
      f.generated("smb2.tcon_frame", "Connected in Frame", String(ev.tconFrame), ev.tconFrame);
    },
    4,
    show,
    show,
  );
}

function sesIdNode(f: Fields, m: Smb2Msg): void {
  const show = `0x${hex16(m.h.sesId)}`;
  const list = m.h.sesId ? view(m.ctx.state).ses.get(sesKey(m)) : undefined;
  // The account as known when the header was sent (tshark's first pass; its second shows none),
  // the authenticating frame as its second pass shows it (see sessionAuthFrame).
  const ev = asOf(list, m.ctx.frame, m.h.at);
  const authFrame = list ? sessionAuthFrame(m.ctx.state, sesKey(m), m.ctx.frame, m.h.at) : undefined;
  const id = ev?.acct !== undefined ? ` Acct:${ev.acct} Domain:${ev.domain ?? ""} Host:${ev.host ?? ""}` : "";
  f.tree(
    "smb2.sesid",
    `Session Id: ${show}${id}`,
    () => {
      f.c.skip(8);
      if (ev?.acct !== undefined) {
        f.generated("smb2.acct", "Account", ev.acct);
        f.generated("smb2.domain", "Domain", ev.domain ?? "");
        f.generated("smb2.host", "Host", ev.host ?? "");
      }
      if (authFrame !== undefined)
        f.generated("smb2.auth_frame", "Authenticated in Frame", String(authFrame), authFrame);
    },
    8,
    show,
    show,
  );
}

/** Wireshark shows the 3-bit priority as a boolean ("contains a PRIORITY"), show 0/1. */
function flagsNode(f: Fields): void {
  const v = f.bitmask("smb2.flags", "Flags", 4, FLAG_BITS);
  if (f.light) return;
  const pr = f.nodes[f.nodes.length - 1]?.children?.find((c) => c.name === "smb2.flags.priority_mask");
  if (!pr) return;
  const on = (v & 0x70) !== 0;
  pr.label = `${bitPattern(v, 0x70, 32)} = Priority: This pdu ${on ? "contains" : "does NOT contain"} a PRIORITY`;
  pr.show = on ? "1" : "0";
  pr.value = on ? 1 : 0;
}

/**
 * The StructureSize field every SMB2 body starts with, as Wireshark shows it (`smb2.buffer_code`
 * with the fixed length and the dynamic bit). Returns the raw value.
 */
export function bufferCode(f: Fields): number {
  const v = f.bitmask("smb2.buffer_code", "StructureSize", 2, BUFFER_CODE_BITS);
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1];
    if (n) n.label = `StructureSize: ${hexN(v, 4)}`;
  }
  return v;
}

const BUFFER_CODE_BITS: readonly BitSpec[] = [
  { name: "smb2.buffer_code.length", label: "Fixed Part Length", mask: 0xfffe },
  { name: "smb2.buffer_code.dynamic", label: "Dynamic Part", mask: 0x1 },
];

/** Wireshark shows masked multi-bit hex fields zero-padded to the field width; fixes the last node's child. */
export function hexChild(f: Fields, child: string, digits: number): void {
  if (f.light) return;
  const c = f.nodes[f.nodes.length - 1]?.children?.find((x) => x.name === child);
  if (!c) return;
  const v = Number(c.value);
  const s = hexN(v, digits);
  c.show = s;
  c.label = c.label.replace(/: 0x[0-9a-f]+$/, `: ${s}`);
}

/** Replaces the label of the node just added (e.g. to drop Wireshark-absent set-bit summaries). */
export function relabel(f: Fields, label: string): void {
  if (f.light) return;
  const n = f.nodes[f.nodes.length - 1];
  if (n) n.label = label;
}

export const SEC_MODE_BITS: readonly BitSpec[] = [
  { name: "smb2.sec_mode.sign_enabled", label: "Signing enabled", mask: 0x1 },
  { name: "smb2.sec_mode.sign_required", label: "Signing required", mask: 0x2 },
];

const cap = (name: string, label: string, mask: number, what = label): BitSpec => ({
  name: `smb2.capabilities.${name}`,
  label,
  mask,
  t: `This host supports ${what}`,
  f: `This host does NOT support ${what}`,
});

/** Global capabilities (MS-SMB2 2.2.3). */
export const CAPABILITY_BITS: readonly BitSpec[] = [
  cap("dfs", "DFS", 0x1),
  cap("leasing", "LEASING", 0x2),
  cap("large_mtu", "LARGE MTU", 0x4, "LARGE_MTU"),
  cap("multi_channel", "MULTI CHANNEL", 0x8),
  cap("persistent_handles", "PERSISTENT HANDLES", 0x10),
  cap("directory_leasing", "DIRECTORY LEASING", 0x20),
  cap("encryption", "ENCRYPTION", 0x40),
];
