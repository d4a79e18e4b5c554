/**
 * DCE/RPC connection-oriented PDU headers (C706 12.6, MS-RPCE 2.2.2) carried over SMB named pipes.
 * Wireshark shows DCE/RPC as its own protocol beside smb2/smb, so the tree built here is queued for the
 * message and handed to the driver through `takeDcerpcTrees`; the stubs of the interfaces in
 * stubs.ts get their own trees, decoded from NDR, and each PDU's Info text ends its message's
 * summary (rpcSuffix).
 */
import { NTLMSSP_SIGNATURE, ntlmSummary, ntlmssp, ntlmVerifier } from "../auth/ntlmssp.js";
import { Cursor, ShortRead } from "../dissect/cursor.js";
import { type BitSpec, bitPattern, Fields } from "../dissect/fields.js";
import { guidString, hexN } from "../dissect/format.js";
import { type FieldNode, fromSource, node, walk } from "../dissect/tree.js";
import { statusNameFull } from "../smb2/status.js";
import type { RpcCall } from "../trace/types.js";
import { INTERFACES, PTYPES } from "./names.js";
import { type HandleLife, ndrTree, WERRORS } from "./ndr.js";
import { stubDecoder } from "./stubs.js";

/** What the pipe dissector needs of the SMB2 or SMB1 message carrying the data. */
export interface PipeMsg {
  /** `state` is the capture's SMB state: bindings and calls are kept per capture. */
  /** A `oneShot` state builds no trees later (a streamed listing): nothing is kept for them. */
  ctx: { state: { oneShot?: boolean }; conn: number; frame: number; time: number; first: boolean };
  /** The pipe's handle (SMB2 FileId, SMB1 FID) as text. */
  info: { fileId?: string };
}

const queued = new WeakMap<object, FieldNode[]>();

/** Observer of every DCE/RPC tree built in full mode (tests and conformance tools use it). */
export const dcerpcObserver: { fn?: (trees: FieldNode[]) => void } = {};

/** Top-level `dcerpc` trees dissected for this message (the driver appends them after `smb2`). */
export function takeDcerpcTrees(m: object): FieldNode[] {
  const t = queued.get(m) ?? [];
  queued.delete(m);
  return t;
}

export interface DcerpcSummary {
  ptype: number;
  callId: number;
  opnum?: number;
  ctxId?: number;
  /** Interface names bound (bind/alter_context). */
  interfaces?: string[];
  /**
   * Wireshark's Info column for the PDUs (DCE/RPC enabled): `lsa_OpenPolicy2 request`,
   * `Bind: call_id: 1, Fragment: Single, 1 context items: LSARPC V0.0 (32bit NDR)`...
   */
  info: string;
  /**
   * What the PDU asks for, as an alignment selector (`MessageInfo.detail`): `SRVSVC.NetShareEnumAll`
   * for a request (the opnum when the bind was not seen), `bind SRVSVC` for a bind.
   */
  op?: string;
}

/** Context id → interface UUID per (connection, file), learnt from binds, for opnum names. */
const bindingsByState = new WeakMap<object, Map<string, string>>();
let bindings = new Map<string, string>();
function useBindings(m: PipeMsg): void {
  let b = bindingsByState.get(m.ctx.state);
  if (!b) {
    b = new Map();
    bindingsByState.set(m.ctx.state, b);
  }
  bindings = b;
}

interface Call extends RpcCall {
  opnum: number;
  /** The interface the call's context was bound to when it was made. */
  iface: string;
  /** What the handle its response returns is named after (a request's SID), if anything. */
  opens?: string;
  /** The stub pieces of its response so far (indexing pass, calls decoded from NDR only). */
  pieces?: Buffer[];
  /** Frames of the response's first and last fragments. */
  respFrame?: number;
  lastFrame?: number;
}
/** Request/response matching per capture (keyed by its SMB state), filled in the indexing pass. */
const calls = new WeakMap<
  object,
  {
    open: Map<string, Call>;
    byResp: Map<string, Call>;
    byReq: Map<string, Call>;
    all: Call[];
    /** The interface of each request fragment (frame:call id), as bound when it was sent. */
    ifaceAt: Map<string, string>;
    /** Stubs of responses in several fragments, joined, by the last fragment's frame:call id. */
    joined: Map<string, Buffer>;
    joinedBytes: number;
    /** Policy handles (hex) opened and closed by the calls decoded from NDR. */
    handles: Map<string, HandleLife>;
    /** The first frame whose stub piece the joined-stub budget refused. */
    overBudget?: number;
  }
>();
function callTable(m: PipeMsg) {
  let t = calls.get(m.ctx.state);
  if (!t) {
    t = {
      open: new Map(),
      byResp: new Map(),
      byReq: new Map(),
      all: [],
      ifaceAt: new Map(),
      joined: new Map(),
      joinedBytes: 0,
      handles: new Map(),
    };
    calls.set(m.ctx.state, t);
  }
  return t;
}

/** Joined stubs kept per capture at most (the calls decoded are a few KB each); tests lower it. */
export const ndrLimits = { joinedBytes: 16 << 20 };

/**
 * Indexing pass: the stub pieces of a response in several fragments, for a call decoded from NDR,
 * kept until its last fragment and then joined (Wireshark's DCE/RPC reassembly).
 */
function joinStub(
  t: ReturnType<typeof callTable>,
  m: PipeMsg,
  callId: number,
  fl: number,
  buf: Buffer,
  from: number,
  to: number,
  plain: boolean,
): void {
  const k = `${m.ctx.conn}:${callId}`;
  const call = t.open.get(k);
  if (!call || m.ctx.state.oneShot || !stubDecoder(call.iface, call.opnum)) return;
  if (fl & 1) call.pieces = [];
  if (!call.pieces) return;
  const over = t.joinedBytes + to - from > ndrLimits.joinedBytes;
  if (over) t.overBudget ??= m.ctx.frame;
  if (!plain || to > buf.length || to < from || over) {
    call.pieces = undefined;
    return;
  }
  // Counted as kept: the pieces of a response whose last fragment never comes stay too.
  call.pieces.push(Buffer.from(buf.subarray(from, to)));
  t.joinedBytes += to - from;
  if (!(fl & 2)) return;
  const joined = Buffer.concat(call.pieces);
  call.pieces = undefined;
  t.joined.set(`${m.ctx.frame}:${callId}`, joined);
}

/**
 * Indexing pass: a handle a decoded call opens (returned by its response) or closes (passed by its
 * request), for the "Frame handle opened/closed" of the trees built later. A request's stub may
 * also name what its response will open (`OpenDomain(S-1-5-21-...)`).
 */
function trackHandle(
  t: ReturnType<typeof callTable>,
  call: Call | undefined,
  response: boolean,
  c: { buf: Buffer; pos: number; end: number },
  frame: number,
  oneShot = false,
): void {
  const op = call && stubDecoder(call.iface, call.opnum)?.ops[call.opnum];
  const h = op?.handle;
  if (!call || !op || !h || c.end <= c.pos) return;
  const stub = c.buf.subarray(c.pos, c.end);
  if (!response && h.kind === "opens") {
    if (h.named) call.opens = h.named(stub);
    return;
  }
  if ((h.kind === "opens") !== response) return;
  const at = h.at ? h.at(stub) : 0;
  if (at < 0 || at + 20 > stub.length) return;
  const hex = stub.toString("hex", at, at + 20);
  if (/^0+$/.test(hex)) return;
  if (h.kind === "opens") {
    // A streamed listing keeps the open ones only (for Info), a bounded number of them.
    if (oneShot && t.handles.size >= ONE_SHOT_HANDLES) t.handles.delete(t.handles.keys().next().value!);
    t.handles.set(hex, { opener: `${h.opener ?? op.name}(${call.opens ?? "<...>"})`, open: frame });
  } else if (oneShot) t.handles.delete(hex);
  else {
    // A handle opened before the capture (or by a call that does not name it) still shows its close.
    const life = t.handles.get(hex);
    if (!life) t.handles.set(hex, { close: frame });
    else if (life.close === undefined) life.close = frame;
  }
}

/** Policy handles a streamed listing remembers at most (open ones, for the Info of later calls). */
const ONE_SHOT_HANDLES = 1 << 16;

/** Whether a fragment's stub is plain NDR: little-endian and not sealed. */
function plainNdr(f: Fields, at: number, end: number): boolean {
  const authLen = f.c.peekU16(at + 10);
  return (
    f.c.peekU8(at + 4) >> 4 === 1 &&
    !(authLen && f.c.has(2, end - authLen - 8) && f.c.peekU8(end - authLen - 7) === 6)
  );
}

/** A tree dissected from bytes that are not the PDU's: no offsets. */
function unplaced(n: FieldNode): FieldNode {
  walk([n], (x) => {
    x.offset = -1;
    x.length = 0;
    return true;
  });
  return n;
}

/**
 * The interface context `ctx` of a request was bound to when the request was sent: the bindings as
 * they are in the indexing pass, as they were then (recorded) when a tree is built later: a pipe's
 * handle can be reopened and bound to another interface.
 */
function boundAt(
  t: ReturnType<typeof callTable>,
  m: PipeMsg,
  ctx: string,
  callId: number,
): string | undefined {
  const k = `${m.ctx.frame}:${callId}`;
  if (!m.ctx.first) return t.ifaceAt.get(k);
  const u = bindings.get(ctx);
  if (u !== undefined) t.ifaceAt.set(k, u);
  return u;
}

/** A warning when responses in several fragments were left undecoded, the joined-stub budget spent. */
export function rpcWarning(state: object): { frame: number; message: string } | undefined {
  const f = calls.get(state)?.overBudget;
  return f === undefined
    ? undefined
    : {
        frame: f,
        message: `DCE/RPC: responses in several fragments past the ${ndrLimits.joinedBytes} bytes kept for decoding are shown as bytes`,
      };
}

/** The RPC calls (of bound interfaces) the indexing pass saw with SMB state `state`, in order. */
export function rpcCalls(state: object): readonly RpcCall[] {
  return calls.get(state)?.all ?? [];
}

const FLAG_BITS = [
  ["object", "Object", 0x80],
  ["maybe", "Maybe", 0x40],
  ["dne", "Did Not Execute", 0x20],
  ["mpx", "Multiplex", 0x10],
  ["reserved", "Reserved", 0x08],
  ["cancel_pending", "Cancel Pending", 0x04],
  ["last_frag", "Last Frag", 0x02],
  ["first_frag", "First Frag", 0x01],
] as const;

function uuidName(u: string): string {
  return INTERFACES[u]?.name ?? u;
}

/**
 * Dissects the DCE/RPC PDUs in the `len` bytes at `f.c.pos` (one pipe read/write/transceive
 * payload) without moving the caller's cursor, queues their trees for `m`, and returns a summary
 * of the first PDU (undefined when the data is not DCE/RPC v5). `pipeId` names the pipe whose
 * bindings apply (default: the message's handle); `src`, the byte source `f`'s bytes are (joined
 * data), when not the PDU. The PDUs' Info text waits for the summary of `owner` (the message's
 * MessageInfo): see rpcSuffix.
 */
export function dcerpcFromPipe(
  f: Fields,
  len: number,
  m: PipeMsg,
  pipeId = m.info.fileId,
  src?: number,
  owner: object = m.info,
): DcerpcSummary | undefined {
  const start = f.c.pos;
  const c = f.c.sub(start, len);
  if (!c.has(16) || c.peekU8() !== 5) return undefined;
  const out: FieldNode[] = [];
  const g = new Fields(c, out, f.light);
  let first: DcerpcSummary | undefined;
  let info = "";
  const key = `${m.ctx.conn}:${pipeId ?? ""}`;
  useBindings(m);
  for (let guard = 0; guard < 64 && c.has(16) && c.peekU8(c.pos) === 5; guard++) {
    const at = c.pos;
    const fragLen = c.peekU16(at + 8);
    if (fragLen < 16) break;
    const s = pdu(g, at, fragLen, key, m);
    first ??= s;
    info = info ? `${info}, ${s.info}` : s.info;
    c.seek(at + fragLen);
  }
  if (!f.light && out.length) {
    if (src !== undefined) fromSource(out, src);
    dcerpcObserver.fn?.(out);
    const list = queued.get(m) ?? [];
    list.push(...out);
    queued.set(m, list);
  }
  if (first) {
    first.info = info;
    const was = rpcInfos.get(owner);
    // Entries are taken when their message ends; one whose dissection threw is dropped here.
    if (was === undefined && rpcInfos.size >= 64) rpcInfos.clear();
    rpcInfos.set(owner, was ? `${was}, ${info}` : info);
  }
  return first;
}

/** The DCE/RPC Info text of messages being dissected, by MessageInfo (taken by rpcSuffix). */
const rpcInfos = new Map<object, string>();

/**
 * What a message's summary ends with for the DCE/RPC it carries: ` | lsa_OpenPolicy2 request`,
 * Wireshark's Info column for the RPC after the SMB part it shows with DCE/RPC disabled. Called
 * once the message is dissected; costs a size check for the others.
 */
export function rpcSuffix(info: object): string {
  if (!rpcInfos.size) return "";
  const text = rpcInfos.get(info);
  if (text === undefined) return "";
  rpcInfos.delete(info);
  return ` | ${text}`;
}

function pdu(f: Fields, at: number, fragLen: number, key: string, m: PipeMsg): DcerpcSummary {
  const ptype = f.c.peekU8(at + 2);
  const callId = f.c.peekU32(at + 12);
  const s: DcerpcSummary = { ptype, callId, info: "" };
  const fl = f.c.peekU8(at + 3);
  const frag = (fl & 3) === 3 ? "Single" : fl & 1 ? "First" : fl & 2 ? "Last" : "Middle";
  // Info: what Wireshark's column says of the PDU (its generic form unless a part below names more).
  let info = `${PTYPES[ptype] ?? "Unknown packet type"}: call_id: ${callId}, Fragment: ${INFO_FRAGMENTS[fl & 3]}`;
  let authInfo = "";
  const label = `Distributed Computing Environment / Remote Procedure Call (DCE/RPC) ${PTYPES[ptype] ?? "Unknown"}, Fragment: ${frag}, FragLen: ${fragLen}, Call: ${callId}`;
  const top = node("dcerpc", label, "", "", at, fragLen);
  top.children = [];
  const saved = f.nodes;
  if (!f.light) f.add(top);
  f.nodes = top.children;
  const end = at + fragLen;
  // A stub NDR can decode: little-endian, not sealed, in one fragment.
  const plainStub = (fl & 3) === 3 && plainNdr(f, at, end);
  const decoded: FieldNode[] = [];
  try {
    f.within(at, fragLen, () => {
      f.c.seek(at);
      f.uint("dcerpc.ver", "Version", 1);
      f.uint("dcerpc.ver_minor", "Version (minor)", 1);
      f.uint("dcerpc.pkt_type", "Packet type", 1, { vals: PTYPES });
      const fat = f.c.pos;
      const fv = f.uint("dcerpc.cn_flags", "Packet Flags", 1, { base: "hex" });
      if (!f.light)
        f.nodes[f.nodes.length - 1]!.children = FLAG_BITS.map(([n, l, mask]) =>
          node(
            `dcerpc.cn_flags.${n}`,
            `${bitPattern(fv, mask, 8)} = ${l}: ${fv & mask ? "Set" : "Not set"}`,
            fv & mask ? "1" : "0",
            fv & mask ? 1 : 0,
            fat,
            1,
          ),
        );
      drep(f);
      f.uint("dcerpc.cn_frag_len", "Frag Length", 2);
      const authLen = f.uint("dcerpc.cn_auth_len", "Auth Length", 2);
      f.uint("dcerpc.cn_call_id", "Call ID", 4);
      const bodyEnd = authLen ? end - authLen - 8 : end;
      if (ptype === 0) {
        f.uint("dcerpc.cn_alloc_hint", "Alloc hint", 4);
        s.ctxId = f.uint("dcerpc.cn_ctx_id", "Context ID", 2);
        s.opnum = f.uint("dcerpc.opnum", "Opnum", 2);
        if (fl & 0x80) f.guid("dcerpc.obj_id", "Object");
        const t = callTable(m);
        const bound = boundAt(t, m, `${key}:${s.ctxId}`, callId);
        const iface = INTERFACES[bound ?? ""];
        const op = opName(bound, s.opnum);
        if (op && !f.light) f.nodes[f.nodes.length - 1]!.label += ` (${op})`;
        // A call's name shows where its stub is whole: a single fragment, or the last one.
        if (!(iface?.ops && fl & 2)) info += `, opnum: ${s.opnum}, Ctx: ${s.ctxId}`;
        s.op = `${iface?.name ?? "?"}.${op ?? s.opnum}`;
        if (m.ctx.first && fl & 1 && bound !== undefined) {
          const call: Call = {
            op: s.op,
            reqFrame: m.ctx.frame,
            reqTime: m.ctx.time,
            opnum: s.opnum,
            iface: bound,
          };
          t.open.set(`${m.ctx.conn}:${callId}`, call);
          t.byReq.set(`${m.ctx.frame}:${callId}`, call);
          t.all.push(call);
        }
        const answered = t.byReq.get(`${m.ctx.frame}:${callId}`)?.respFrame;
        if (answered !== undefined)
          f.generated("dcerpc.response_in", "Response in frame", String(answered), answered);
        const stubAt = f.c.pos;
        requestStub(
          f,
          bodyEnd,
          authLen,
          bound,
          plainStub
            ? { opnum: s.opnum, response: false, other: answered, out: decoded, handles: t.handles }
            : undefined,
        );
        if (iface?.ops && fl & 2) info = callInfo(iface.ops, s.opnum, "request", bound, decoded[0]);
        // After Info, which names the handle a call closes.
        if (m.ctx.first && fl & 1 && plainNdr(f, at, end))
          trackHandle(
            t,
            t.byReq.get(`${m.ctx.frame}:${callId}`),
            false,
            { buf: f.c.buf, pos: stubAt, end: bodyEnd },
            m.ctx.frame,
            m.ctx.state.oneShot,
          );
      } else if (ptype === 2 || ptype === 3) {
        f.uint("dcerpc.cn_alloc_hint", "Alloc hint", 4);
        s.ctxId = f.uint("dcerpc.cn_ctx_id", "Context ID", 2);
        f.uint("dcerpc.cn_cancel_count", "Cancel count", 1);
        let fault: number | undefined;
        if (ptype === 3) {
          f.bitmask("dcerpc.cn_fault_flags", "Fault flags", 1, FAULT_FLAG_BITS);
          fault = f.uint("dcerpc.cn_status", "Status", 4, { base: "hex" });
          info += `, Ctx: ${s.ctxId}, status: ${FAULT_STATUS.get(fault) ?? `Unknown (0x${hexN(fault, 8).slice(2)})`}`;
          if (!f.light) {
            const st = f.nodes[f.nodes.length - 1]!;
            const name = FAULT_STATUS.get(fault);
            if (name) st.label = `Status: ${name} (${st.show})`;
            // Wireshark flags a fault as an expert item, a child of the status.
            st.children = [node("dcerpc.cn_status.expert", `Fault: ${name ?? st.show}`, "", "", -1, 0)];
          }
          f.bytes("dcerpc.reserved", "Reserved", Math.min(4, f.c.remaining));
        } else f.c.skip(1);
        const t = callTable(m);
        if (m.ctx.first && ptype === 2 && (fl & 3) !== 3)
          joinStub(
            t,
            m,
            callId,
            fl,
            f.c.buf,
            f.c.pos,
            Math.max(f.c.pos, bodyEnd - authPad(f, authLen, bodyEnd)),
            plainNdr(f, at, end),
          );
        if (m.ctx.first && ptype === 2 && fl & 1 && plainNdr(f, at, end)) {
          const open = t.open.get(`${m.ctx.conn}:${callId}`);
          trackHandle(
            t,
            open,
            true,
            { buf: f.c.buf, pos: f.c.pos, end: bodyEnd },
            m.ctx.frame,
            m.ctx.state.oneShot,
          );
        }
        // The first and the last fragment of a response are tied to the request (Wireshark's
        // "Response in" names the first).
        if (m.ctx.first && fl & 3) {
          const k = `${m.ctx.conn}:${callId}`;
          const call = t.open.get(k);
          if (call && call.reqFrame < m.ctx.frame) {
            if (call.respFrame === undefined) {
              call.respFrame = m.ctx.frame;
              call.respTime = m.ctx.time;
            }
            if (fault !== undefined) call.fault = fault;
            t.byResp.set(`${m.ctx.frame}:${callId}`, call);
            if (fl & 2) {
              call.lastFrame = m.ctx.frame;
              t.open.delete(k);
            }
          }
        }
        const call = t.byResp.get(`${m.ctx.frame}:${callId}`);
        if (call) {
          f.generated("dcerpc.opnum", "Opnum", String(call.opnum), call.opnum);
          f.generated("dcerpc.request_in", "Request in frame", String(call.reqFrame), call.reqFrame);
          // Epoch seconds in a double carry ~0.2 us of noise: round to the capture's microseconds.
          const dt = (Math.round((m.ctx.time - call.reqTime) * 1e6) / 1e6).toFixed(9);
          f.generated("dcerpc.time", "Time from request", dt, Number(dt)).label += " seconds";
        }
        // A stub in several fragments, joined in the indexing pass: decoded with the last one.
        const joined =
          !f.light && call && (fl & 3) === 2 ? t.joined.get(`${m.ctx.frame}:${callId}`) : undefined;
        const decoder = joined && call ? stubDecoder(call.iface, call.opnum) : undefined;
        if (joined && call && decoder) {
          const tree = ndrTree(
            decoder,
            new Fields(new Cursor(joined), [], false),
            joined.length,
            call.opnum,
            true,
            call.reqFrame,
            t.handles,
          );
          // Its offsets are into the joined stub, not this PDU: nothing to highlight.
          if (tree) decoded.push(unplaced(tree));
        }
        // A first fragment of several: its stub is shown whole with the last one.
        const last = call && !(fl & 2) ? call.lastFrame : undefined;
        if (last !== undefined)
          f.generated("dcerpc.reassembled_in", "Reassembled PDU in frame", String(last), last);
        else {
          const stubEnd = Math.max(f.c.pos, bodyEnd - authPad(f, authLen, bodyEnd));
          stub(
            f,
            stubEnd,
            call?.iface,
            call && plainStub && ptype === 2
              ? { opnum: call.opnum, response: true, other: call.reqFrame, out: decoded, handles: t.handles }
              : undefined,
          );
          padding(f, stubEnd, bodyEnd);
        }
        if (ptype === 2) {
          const ops = call && fl & 2 ? INTERFACES[call.iface]?.ops : undefined;
          // A joined stub's tree is built for display only: Info reads a single fragment's.
          info = ops
            ? callInfo(ops, call!.opnum, "response", call!.iface, plainStub ? decoded[0] : undefined) +
              responseError(f, call!, bodyEnd - authPad(f, authLen, bodyEnd))
            : `${info}, Ctx: ${s.ctxId}`;
        }
      } else if (ptype === 11 || ptype === 14) {
        const items: string[] = [];
        s.interfaces = bind(f, key, items);
        s.op = `${ptype === 11 ? "bind" : "alter"} ${s.interfaces.join(",")}`;
        info += `, ${items.length} context items: ${items.join(", ")}`;
      } else if (ptype === 12 || ptype === 15) info += `, ${bindAck(f, at)}`;
      if (authLen && f.c.has(8, bodyEnd)) {
        f.c.seek(bodyEnd);
        const ty = f.c.peekU8();
        const lv = f.c.peekU8(f.c.pos + 1);
        const actx = f.c.peekU32(f.c.pos + 4);
        const lbl = `Auth Info: ${AUTH_TYPES[ty] ?? "Unknown"}, ${AUTH_LEVELS[lv] ?? "Unknown"}, AuthContextId(${actx})`;
        f.tree("dcerpc.auth_info", lbl, () => {
          f.uint("dcerpc.auth_type", "Auth type", 1, { vals: AUTH_TYPES });
          f.uint("dcerpc.auth_level", "Auth level", 1, { vals: AUTH_LEVELS });
          f.uint("dcerpc.auth_pad_len", "Auth pad len", 1);
          f.uint("dcerpc.auth_rsrvd", "Auth Rsrvd", 1);
          f.uint("dcerpc.auth_ctx_id", "Auth Context ID", 4);
          authInfo = authValue(f, ty, Math.min(authLen, f.c.remaining));
        });
      }
    });
  } catch (e) {
    if (!(e instanceof ShortRead)) throw e;
    f.malformed("DCE/RPC PDU truncated");
  } finally {
    f.nodes = saved;
  }
  // Wireshark dissects the auth padding after the stub, in the interface's tree when it has one.
  const pad = decoded.length ? top.children!.findIndex((n) => n.name === "dcerpc.auth_padding") : -1;
  if (pad >= 0) decoded[decoded.length - 1]!.children!.push(...top.children!.splice(pad, 1));
  for (const t of decoded) f.add(t);
  s.info = info + authInfo;
  return s;
}

/** Operation `opnum` of interface `uuid` as Wireshark names it. */
function opName(uuid: string | undefined, opnum: number): string | undefined {
  return INTERFACES[uuid ?? ""]?.ops?.[opnum];
}

/**
 * Info for a call of an interface Wireshark dissects: `OpenKey request`, `Unknown operation 45
 * request` past its names, then what the call's decoded `tree` adds (NdrOp.info: `, <key name>`)
 * and a request's unread bytes (`[Long frame (4 bytes)]`).
 */
function callInfo(
  ops: Readonly<Record<number, string>>,
  opnum: number,
  dir: "request" | "response",
  uuid?: string,
  tree?: FieldNode,
): string {
  let text = `${ops[opnum] ?? `Unknown operation ${opnum}`} ${dir}`;
  if (!tree) return text;
  text += stubDecoder(uuid, opnum)?.ops[opnum]?.info?.(tree, dir === "response") ?? "";
  const long = tree.children?.find((n) => n.name === "smbcmp.ndr.long_frame");
  return long ? `${text}[Long frame (${long.length} bytes)]` : text;
}

/** Fragment flags (first, last) as Wireshark's Info column names them. */
const INFO_FRAGMENTS = ["Mid", "1st", "Last", "Single"] as const;

/**
 * What Wireshark's Info column adds to a decoded call's response for a non-zero status (the stub's
 * last 4 bytes): `, Error: WERR_MORE_DATA`; an NTSTATUS is named twice, as its field and as the error.
 */
function responseError(f: Fields, call: Call, stubEnd: number): string {
  const iface = stubDecoder(call.iface, call.opnum);
  if (!iface || !f.c.has(4, stubEnd - 4)) return "";
  const v = f.c.peekU32(stubEnd - 4);
  if (!v) return "";
  if (iface.status) return iface.ops[call.opnum]?.out ? iface.status.info(v) : "";
  if (!iface.ntstatus) return `, Error: ${WERRORS.get(v) ?? `Unknown DOS error 0x${hexN(v, 8).slice(2)}`}`;
  const name = statusNameFull(v) ?? `Unknown NT status 0x${hexN(v, 8).slice(2)}`;
  return `, ${name}, Error: ${name}`;
}

function drep(f: Fields): void {
  const at = f.c.pos;
  const b = f.c.bytes(4);
  if (f.light) return;
  const order = b[0]! >> 4 ? "Little-endian" : "Big-endian";
  const ch = b[0]! & 0xf ? "EBCDIC" : "ASCII";
  const fp = ["IEEE", "VAX", "Cray", "IBM"][b[1]!] ?? "Unknown";
  const hx = b.toString("hex");
  const n = node(
    "dcerpc.drep",
    `Data Representation: ${hx} (Order: ${order}, Char: ${ch}, Float: ${fp})`,
    Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":"),
    hx,
    at,
    4,
  );
  n.children = [
    node(
      "dcerpc.drep.byteorder",
      `Byte order: ${order} (${b[0]! >> 4})`,
      String(b[0]! >> 4),
      b[0]! >> 4,
      at,
      1,
    ),
    node(
      "dcerpc.drep.character",
      `Character: ${ch} (${b[0]! & 0xf})`,
      String(b[0]! & 0xf),
      b[0]! & 0xf,
      at,
      1,
    ),
    node("dcerpc.drep.fp", `Floating-point: ${fp} (${b[1]})`, String(b[1]), b[1]!, at + 1, 1),
  ];
  f.add(n);
}

/** Interfaces Wireshark decodes with NDR (it then shows "Payload stub data" instead of the bytes). */
const NDR_KNOWN = new Set(
  Object.entries(INTERFACES)
    .filter(
      ([, v]) => v.ops || ["RPC_NETLOGON", "SPOOLSS", "ATSVC", "ITaskSchedulerService"].includes(v.name),
    )
    .map(([k]) => k),
);

/**
 * Stub data stays undecoded (no NDR). Shown like Wireshark: "Complete stub data" for interfaces it
 * decodes, raw `dcerpc.stub_data` otherwise, with a no-bind note when the bind was not seen.
 */
function stub(f: Fields, end: number, iface: string | undefined, call?: NdrCall): void {
  const n = Math.min(Math.max(0, end - f.c.pos), f.c.remaining);
  if (!n) return;
  const at = f.c.pos;
  if (iface === undefined || !NDR_KNOWN.has(iface)) {
    if (iface === undefined && !f.light)
      f.add(node("dcerpc.cn_ctx_id.no_bind", "[No bind info for interface Context ID]", "", "", f.c.pos, 0));
    f.opaque("dcerpc.stub_data", "Stub data", n);
    return;
  }
  const decoder = call ? stubDecoder(iface, call.opnum) : undefined;
  // A stub Wireshark does not decode in a `raw` interface shows in that interface's tree only.
  const op = call ? decoder?.ops[call.opnum] : undefined;
  const bytesOnly = decoder?.raw && !(call?.response ? op?.out : op?.in);
  if (!bytesOnly)
    f.tree(
      "smbcmp.dcerpc.stub",
      `Complete stub data (${n} bytes)`,
      () => {
        if (!f.light)
          f.add(node("dcerpc.payload_stub_data", `Payload stub data (${n} bytes)`, "", "", f.c.pos, n));
        f.c.skip(n);
      },
      n,
    );
  else f.c.skip(n);
  // The interfaces decoded from NDR get their own tree, beside dcerpc's, as in Wireshark; the index
  // pass decodes a request too (Info names its unread bytes) and a response whose call's Info
  // reads its parameters (NdrOp.info).
  if (call && decoder && (!f.light || !call.response || op?.info)) {
    const g = f.light ? new Fields(f.c.sub(at, n), [], false) : f;
    const t = g.within(at, n, () => {
      g.c.seek(at);
      return ndrTree(decoder, g, n, call.opnum, call.response, call.other, call.handles);
    });
    if (t) call.out.push(t);
  }
}

/** A call whose stub is complete in this PDU (not sealed, little-endian NDR), for NDR decoding. */
interface NdrCall {
  opnum: number;
  response: boolean;
  /** The frame of the request (for a response) or of the response (for a request). */
  other?: number;
  handles: ReadonlyMap<string, HandleLife>;
  /** The top-level list the decoded tree is appended to (after the dcerpc tree). */
  out: FieldNode[];
}

/**
 * Bind time feature negotiation (MS-RPCE 3.3.1.5.3): a transfer syntax 6cb71c2c-9812-4540-XXXX-...
 * whose bytes 8-9 are the features offered; an ack's result 3 carries the accepted ones in place
 * of the reason.
 */
const BTFN_PREFIX = "6cb71c2c-9812-4540-";
/** The NDR transfer syntaxes (MS-RPCE 2.2.4.12, 2.2.5.3.2). */
const NDR32 = "8a885d04-1ceb-11c9-9fe8-08002b104860";
const NDR64 = "71710533-beba-4937-8319-b5dbef9ccc36";
const BTFN_BITS: readonly BitSpec[] = [
  { name: "dcerpc.cn_bind_trans_btfn.01", label: "Security Context Multiplexing Supported", mask: 1 },
  { name: "dcerpc.cn_bind_trans_btfn.02", label: "Keep Connection On Orphan Supported", mask: 2 },
];

function btfn(f: Fields, at: number): void {
  if (f.light || !f.c.has(2, at)) return;
  f.add(
    Fields.bitmaskNode("dcerpc.cn_bind_trans_btfn", "Bind Time Features", f.c.peekU16(at), 2, at, BTFN_BITS),
  );
}

function syntax(f: Fields, uuidName: string, verName: string, verLabel: string): string {
  const isIf = uuidName === "dcerpc.cn_bind_to_uuid";
  const at = f.c.pos;
  const u = f.guid(uuidName, isIf ? "Interface UUID" : "Transfer Syntax");
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1]!;
    const nm = INTERFACES[u]?.name;
    if (isIf) n.label = nm ? `Interface: ${nm} UUID: ${u}` : `Interface UUID: ${u}`;
    else n.label = nm ? `Transfer Syntax: ${nm} UUID:${u}` : `Transfer Syntax: ${u}`;
  }
  if (!isIf && u.startsWith(BTFN_PREFIX)) btfn(f, at + 8);
  f.uint(verName, verLabel, verName === "dcerpc.cn_bind_if_ver" ? 2 : 4);
  if (verName === "dcerpc.cn_bind_if_ver") f.uint("dcerpc.cn_bind_if_ver_minor", "Interface Ver Minor", 2);
  return u;
}

/** Reads a bind's context items; `items` gets each as Info shows it: `LSARPC V0.0 (32bit NDR)`. */
function bind(f: Fields, key: string, items: string[]): string[] {
  f.uint("dcerpc.cn_max_xmit", "Max Xmit Frag", 2);
  f.uint("dcerpc.cn_max_recv", "Max Recv Frag", 2);
  f.uint("dcerpc.cn_assoc_group", "Assoc Group", 4, { base: "hex" });
  const n = f.uint("dcerpc.cn_num_ctx_items", "Num Ctx Items", 1);
  f.c.skip(3);
  const names: string[] = [];
  for (let i = 0; i < n && f.c.remaining >= 4; i++) {
    const ctx = f.c.peekU16();
    const nt = f.c.peekU8(f.c.pos + 2);
    const u = f.c.has(16, f.c.pos + 4) ? guidString(f.c.buf.subarray(f.c.pos + 4, f.c.pos + 20)) : "";
    const ifv = f.c.has(4, f.c.pos + 20) ? `V${f.c.peekU16(f.c.pos + 20)}.${f.c.peekU16(f.c.pos + 22)}` : "";
    const t0 = f.c.has(20, f.c.pos + 24) ? guidString(f.c.buf.subarray(f.c.pos + 24, f.c.pos + 40)) : "";
    names.push(uuidName(u));
    // Only the NDR transfer syntaxes have a name there (bind time feature negotiation shows its UUID).
    items.push(`${uuidName(u)} ${ifv} (${t0 === NDR32 || t0 === NDR64 ? uuidName(t0) : t0})`);
    bindings.set(`${key}:${ctx}`, u);
    f.tree(
      "dcerpc.cn_ctx_item",
      `Ctx Item[${i + 1}]: Context ID:${ctx}, ${uuidName(u)}, ${uuidName(t0)}`,
      () => {
        f.uint("dcerpc.cn_ctx_id", "Context ID", 2);
        f.uint("dcerpc.cn_num_trans_items", "Num Trans Items", 1);
        f.c.skip(1);
        f.tree("dcerpc.cn_bind_abstract_syntax", `Abstract Syntax: ${uuidName(u)} ${ifv}`, () =>
          syntax(f, "dcerpc.cn_bind_to_uuid", "dcerpc.cn_bind_if_ver", "Interface Ver"),
        );
        for (let j = 0; j < nt && f.c.remaining >= 20; j++) {
          const t = guidString(f.c.buf.subarray(f.c.pos, f.c.pos + 16));
          const tv = f.c.peekU32(f.c.pos + 16);
          f.tree("dcerpc.cn_bind_trans", `Transfer Syntax[${j + 1}]: ${uuidName(t)} V${tv}`, () =>
            syntax(f, "dcerpc.cn_bind_trans_id", "dcerpc.cn_bind_trans_ver", "ver"),
          );
        }
      },
    );
  }
  return names;
}

const FAULT_FLAG_BITS: readonly BitSpec[] = [
  { name: "dcerpc.cn_fault_flags.extended_error", label: "Extended error information present", mask: 1 },
];

/** Fault statuses (C706 appendix E, MS-RPCE 2.2.2.11) as Wireshark names them. */
const FAULT_STATUS: ReadonlyMap<number, string> = new Map([
  [0x1c010001, "nca_comm_failure"],
  [0x1c010002, "nca_op_rng_error"],
  [0x1c010003, "nca_unk_if"],
  [0x1c010006, "nca_wrong_boot_time"],
  [0x1c010009, "nca_you_crashed"],
  [0x1c01000b, "nca_proto_error"],
  [0x1c010013, "nca_out_args_too_big"],
  [0x1c010014, "nca_server_too_busy"],
  [0x1c010017, "nca_unsupported_type"],
  [0x1c000001, "nca_s_fault_int_div_by_zero"],
  [0x1c000002, "nca_s_fault_addr_error"],
  [0x1c000003, "nca_s_fault_fp_div_zero"],
  [0x1c000004, "nca_s_fault_fp_underflow"],
  [0x1c000005, "nca_s_fault_fp_overflow"],
  [0x1c000006, "nca_s_fault_invalid_tag"],
  [0x1c000007, "nca_s_fault_invalid_bound"],
  [0x1c000008, "nca_rpc_version_mismatch"],
  [0x1c000009, "nca_unspec_reject"],
  [0x1c00000a, "nca_s_bad_actid"],
  [0x1c00000b, "nca_who_are_you_failed"],
  [0x1c00000c, "nca_manager_not_entered"],
  [0x1c00000d, "nca_s_fault_cancel"],
  [0x1c00000e, "nca_s_fault_ill_inst"],
  [0x1c00000f, "nca_s_fault_fp_error"],
  [0x1c000010, "nca_s_fault_int_overflow"],
  [0x1c000012, "nca_s_fault_unspec"],
  [0x1c000013, "nca_s_fault_remote_comm_failure"],
  [0x1c000014, "nca_s_fault_pipe_empty"],
  [0x1c000015, "nca_s_fault_pipe_closed"],
  [0x1c000016, "nca_s_fault_pipe_order"],
  [0x1c000017, "nca_s_fault_pipe_discipline"],
  [0x1c000018, "nca_s_fault_pipe_comm_error"],
  [0x1c000019, "nca_s_fault_pipe_memory"],
  [0x1c00001a, "nca_s_fault_context_mismatch"],
  [0x1c00001b, "nca_s_fault_remote_no_memory"],
  [0x1c00001c, "nca_invalid_pres_context_id"],
  [0x1c00001d, "nca_unsupported_authn_level"],
  [0x1c00001f, "nca_invalid_checksum"],
  [0x1c000020, "nca_invalid_crc"],
  [0x1c000021, "nca_s_fault_user_defined"],
  [0x1c000022, "nca_s_fault_tx_open_failed"],
  [0x1c000023, "nca_s_fault_codeset_conv_error"],
  [0x1c000024, "nca_s_fault_object_not_found"],
  [0x1c000025, "nca_s_fault_no_client_stub"],
  [0x00000005, "nca_s_fault_access_denied"],
  [0x000006f7, "nca_s_fault_ndr"],
  [0x000006d8, "nca_s_fault_cant_perform"],
]);

/** SEC_VT_SIGNATURE (MS-RPCE 2.2.2.13): the start of a request's verification trailer. */
const SEC_VT_SIGNATURE = Buffer.from("8ae3137102f43671", "hex");
const SEC_VT_COMMANDS: Readonly<Record<number, string>> = { 1: "BITMASK_1", 2: "PCONTEXT", 3: "HEADER2" };
const SEC_VT_FLAG_BITS: readonly BitSpec[] = [
  { name: "dcerpc.rpc_sec_vt.command.end", label: "SEC_VT_COMMAND_END", mask: 0x4000 },
  { name: "dcerpc.rpc_sec_vt.command.must_process", label: "SEC_VT_MUST_PROCESS_COMMAND", mask: 0x8000 },
];

/** A trailer command word: its code (Wireshark shows it as 0x%04x) and the end/must-process flags. */
function secVtCommand(f: Fields, v: number): void {
  const at = f.c.pos;
  f.c.skip(2);
  if (f.light) return;
  const code = v & 0x3fff;
  const name = SEC_VT_COMMANDS[code] ?? "Unknown";
  const flags = Fields.bitmaskNode("dcerpc.rpc_sec_vt.command", "Command", v, 2, at, SEC_VT_FLAG_BITS);
  const set = SEC_VT_FLAG_BITS.filter((b) => v & b.mask).map((b) => `, ${b.label}`);
  const top = node(
    "dcerpc.rpc_sec_vt.command",
    `Command: ${hexN(v, 4)}, Cmd: ${name}${set.join("")}`,
    hexN(v, 4),
    v,
    at,
    2,
  );
  top.children = [
    node(
      "dcerpc.rpc_sec_vt.command.cmd",
      `${bitPattern(v, 0x3fff, 16)} = Cmd: ${name} (${hexN(code, 4)})`,
      hexN(code, 4),
      code,
      at,
      2,
    ),
    ...(flags.children ?? []),
  ];
  f.add(top);
}
const SEC_VT_BITMASK_BITS: readonly BitSpec[] = [
  { name: "dcerpc.rpc_sec_vt.bitmask.sign", label: "CLIENT_SUPPORT_HEADER_SIGNING", mask: 1 },
];

/**
 * A request's stub up to `bodyEnd`: the stub data, then the verification trailer when there is
 * one (its signature at a 4-byte boundary of the stub's end part), then the auth padding.
 */
function requestStub(
  f: Fields,
  bodyEnd: number,
  authLen: number,
  iface: string | undefined,
  call?: NdrCall,
): void {
  const start = f.c.pos;
  const stubEnd = Math.max(start, bodyEnd - authPad(f, authLen, bodyEnd));
  // The last signature at a 4-byte boundary (a native search: stubs run to 64 KB); the index pass
  // looks only where it decodes the stub (for Info), as the trailer is no parameter.
  let vt = -1;
  const buf = f.c.buf;
  for (let from = Math.min(stubEnd, f.c.end) - 12; (!f.light || call) && from >= start; ) {
    const at = buf.lastIndexOf(SEC_VT_SIGNATURE, from);
    if (at < start) break;
    if ((at - start) % 4 === 0) {
      vt = at;
      break;
    }
    from = at - 1;
  }
  stub(f, vt < 0 ? stubEnd : vt, iface, call);
  if (vt >= 0) secVt(f, vt, stubEnd);
  padding(f, stubEnd, bodyEnd);
}

/** The auth padding's length (the auth trailer's pad length, before it at `bodyEnd`). */
function authPad(f: Fields, authLen: number, bodyEnd: number): number {
  return authLen && f.c.has(3, bodyEnd) ? f.c.peekU8(bodyEnd + 2) : 0;
}

/** The auth padding between a stub's end and the auth trailer. */
function padding(f: Fields, stubEnd: number, bodyEnd: number): void {
  if (stubEnd < bodyEnd && f.c.has(bodyEnd - stubEnd, stubEnd)) {
    f.c.seek(stubEnd);
    f.bytes("dcerpc.auth_padding", "Auth Padding", bodyEnd - stubEnd);
  }
}

/** The verification trailer's commands (MS-RPCE 2.2.2.13): bitmask and presentation context shown. */
function secVt(f: Fields, at: number, end: number): void {
  f.c.seek(at);
  f.tree(
    "smbcmp.dcerpc.sec_vt",
    "Verification Trailer",
    () => {
      f.bytes("dcerpc.rpc_sec_vt.signature", "SEC_VT_SIGNATURE", 8);
      for (let guard = 0; guard < 16 && f.c.pos + 4 <= end; guard++) {
        const cmd = f.c.peekU16();
        const len = f.c.peekU16(f.c.pos + 2);
        const next = f.c.pos + 4 + len;
        if (next > end) break;
        secVtCommand(f, cmd);
        f.uint("dcerpc.rpc_sec_vt.command.length", "Length", 2);
        const kind = cmd & 0x3fff;
        if (kind === 1 && len >= 4)
          f.bitmask("dcerpc.rpc_sec_vt.bitmask", "rpc_sec_vt_bitmask", 4, SEC_VT_BITMASK_BITS);
        else if (kind === 2 && len >= 40) {
          for (const what of ["Abstract Syntax", "Transfer Syntax"]) {
            const u = f.guid("dcerpc.rpc_sec_vt.pcontext.interface.uuid", what);
            if (!f.light) f.nodes[f.nodes.length - 1]!.label = `${what}: ${uuidName(u)}`;
            f.uint("dcerpc.rpc_sec_vt.pcontext.interface.ver", "Version", 4, { base: "hex" });
          }
        }
        f.c.seek(next);
        if (cmd & 0x4000) break;
      }
    },
    end - at,
  );
}

/** RPC_C_AUTHN_WINNT (MS-RPCE 2.2.1.1.7). */
const AUTH_NTLMSSP = 10;

/**
 * The auth value after an auth trailer: an NTLMSSP message (bind, alter context, auth3) or, on a
 * request or response, the NTLMSSP message signature (MS-NLMP 2.2.2.9.1: version, checksum,
 * sequence number). Others stay raw.
 */
/** Reads a PDU's auth value; what NTLMSSP adds to Info (`, NTLMSSP_AUTH, User: D\\u`), if anything. */
function authValue(f: Fields, type: number, len: number): string {
  const at = f.c.pos;
  if (len >= 12 && f.c.buf.subarray(at, at + 8).equals(NTLMSSP_SIGNATURE)) {
    let info = "";
    f.within(at, len, () => {
      info = ntlmSummary(ntlmssp(f));
    });
    f.c.seek(at + len);
    return info;
  }
  if (type === AUTH_NTLMSSP && len === 16) ntlmVerifier(f);
  else f.opaque("smbcmp.dcerpc.auth_credentials", "Auth Credentials", len);
  return "";
}

const AUTH_TYPES: Readonly<Record<number, string>> = {
  0: "None",
  1: "Kerberos 5",
  9: "SPNEGO",
  10: "NTLMSSP",
  14: "SCHANNEL",
  16: "Kerberos 5",
  68: "NETLOGON Secure Channel",
  255: "Default",
};
const AUTH_LEVELS: Readonly<Record<number, string>> = {
  0: "Default",
  1: "None",
  2: "Connect",
  3: "Call",
  4: "Packet",
  5: "Packet integrity",
  6: "Packet privacy",
};

const ACK_RESULTS: Readonly<Record<number, string>> = {
  0: "Acceptance",
  1: "User rejection",
  2: "Provider rejection",
  3: "Negotiate ACK",
};

const ACK_REASONS: Readonly<Record<number, string>> = {
  0: "Reason not specified",
  1: "Abstract syntax not supported",
  2: "Proposed transfer syntaxes not supported",
  3: "Local limit exceeded",
};

/** Reads a bind_ack or alter_context_resp; Info's part of it: `max_xmit: 4280 max_recv: 4280, 1 results: Acceptance`. */
function bindAck(f: Fields, pduAt: number): string {
  const xmit = f.uint("dcerpc.cn_max_xmit", "Max Xmit Frag", 2);
  const recv = f.uint("dcerpc.cn_max_recv", "Max Recv Frag", 2);
  f.uint("dcerpc.cn_assoc_group", "Assoc Group", 4, { base: "hex" });
  const sl = f.uint("dcerpc.cn_sec_addr_len", "Scndry Addr len", 2);
  if (sl) f.ascii("dcerpc.cn_sec_addr", "Scndry Addr", Math.min(sl, f.c.remaining));
  const pad = (4 - ((f.c.pos - pduAt) % 4)) % 4;
  f.c.skip(Math.min(pad, f.c.remaining));
  const n = f.uint("dcerpc.cn_num_results", "Num results", 1);
  f.c.skip(3);
  const results: string[] = [];
  for (let i = 0; i < n && f.c.remaining >= 24; i++) {
    const res = f.c.peekU16();
    results.push(ACK_RESULTS[res] ?? "Unknown");
    const t = guidString(f.c.buf.subarray(f.c.pos + 4, f.c.pos + 20));
    f.tree(
      "smbcmp.dcerpc.ctx_result",
      `Ctx Item[${i + 1}]: ${ACK_RESULTS[res] ?? "Unknown"}, ${uuidName(t)}`,
      () => {
        f.uint("dcerpc.cn_ack_result", "Ack result", 2, { vals: ACK_RESULTS });
        if (res === 3) {
          btfn(f, f.c.pos);
          f.c.skip(2);
        } else if (res) f.uint("dcerpc.cn_ack_reason", "Ack reason", 2, { vals: ACK_REASONS });
        else f.c.skip(2);
        const u = f.guid("dcerpc.cn_ack_trans_id", "Transfer Syntax");
        if (!f.light) f.nodes[f.nodes.length - 1]!.label = `Transfer Syntax: ${uuidName(u)}`;
        f.uint("dcerpc.cn_ack_trans_ver", "Syntax ver", 4);
      },
    );
  }
  return `max_xmit: ${xmit} max_recv: ${recv}, ${n} results: ${results.join(", ")}`;
}
