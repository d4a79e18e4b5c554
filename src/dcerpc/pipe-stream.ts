/**
 * A DCE/RPC fragment that comes in several SMB messages: a client reading a pipe with a buffer
 * smaller than the fragment (SMB2 READs; an SMB1 TransactNmPipe answered STATUS_BUFFER_OVERFLOW,
 * then Read AndX). Wireshark's second pass shows the fragment, joined, in the message that
 * completes it, and "reassembled in" in the others.
 *
 * The first pass follows each pipe and direction: data that starts a fragment longer than itself
 * opens a join; the pipe's next data adds to it until the fragment is whole. The pieces' places in
 * the file are kept, so a tree can read them back; their bytes are kept only while the join is
 * open (at most one fragment, 64 KB, per pipe), for the first pass's DCE/RPC call matching.
 */

import { Cursor } from "../dissect/cursor.js";
import { Fields } from "../dissect/fields.js";
import { FieldFlag, type FieldNode, node } from "../dissect/tree.js";
import type { ByteSource, PduPlace } from "../trace/types.js";
import type { PipeMsg } from "./pipe.js";

interface Piece {
  frame: number;
  place: PduPlace;
  /** The data's offset in its PDU, and length. */
  at: number;
  len: number;
}

interface Join {
  pieces: Piece[];
  have: number;
  need: number;
  /** First pass only: the pieces' bytes. */
  bytes: Buffer[];
}

interface Streams {
  /** Open joins by connection:FileId. */
  open: Map<string, Join>;
  /** By the frame completing it. */
  done: Map<number, Join>;
  /** Frame of a piece → the frame where its fragment is joined. */
  into: Map<number, number>;
}

/** A fragment in more pieces than this, or longer (DCE/RPC frag_len is 16-bit), is not joined. */
const MAX_PIECES = 256;

const byState = new WeakMap<object, Streams>();
function streams(m: PipeMsg): Streams {
  let s = byState.get(m.ctx.state);
  if (!s) {
    s = { open: new Map(), done: new Map(), into: new Map() };
    byState.set(m.ctx.state, s);
  }
  return s;
}

/** What a pipe READ's data is in the DCE/RPC stream of its pipe. */
export type PipeRead =
  /** Whole PDUs (or not DCE/RPC): dissect the data as it is. */
  | { kind: "whole" }
  /** A piece of a fragment joined in `frame`. */
  | { kind: "piece"; frame: number }
  /** The last piece: the joined fragment. */
  | { kind: "joined"; buf: Buffer; pieces: { frame: number; at: number; len: number }[] };

/**
 * Places the pipe data at `at` of f's buffer (`len` bytes) in its pipe's stream (`toServer`: its
 * direction). First pass: opens, extends or completes the pipe's join (returning the joined bytes
 * when this message completes one); `place`: where this message's PDU is in the file (none: data
 * that is not the PDU's own, never joined). Later passes: reads the pieces back with `readPlace`.
 */
export function pipeRead(
  f: Fields,
  m: PipeMsg,
  toServer: boolean,
  at: number,
  len: number,
  place: PduPlace | undefined,
  readPlace: ((p: PduPlace) => Buffer) | undefined,
): PipeRead {
  const s = streams(m);
  const frame = m.ctx.frame;
  const buf = f.c.buf;
  const avail = Math.max(0, Math.min(len, f.c.end - at));
  if (!m.ctx.first) {
    const into = s.into.get(frame);
    // -1: a join the capture never completed; its pieces are shown as they are.
    if (into !== undefined && into > 0) return { kind: "piece", frame: into };
    const j = s.done.get(frame);
    if (!j || !readPlace) return { kind: "whole" };
    const out = Buffer.alloc(j.need);
    const pieces: { frame: number; at: number; len: number }[] = [];
    let pos = 0;
    try {
      for (const p of j.pieces) {
        const src = p.frame === frame ? buf : readPlace(p.place);
        const n = Math.min(p.len, j.need - pos, src.length - p.at);
        if (n <= 0) return { kind: "whole" };
        src.copy(out, pos, p.at, p.at + n);
        pieces.push({ frame: p.frame, at: pos, len: n });
        pos += n;
      }
    } catch {
      return { kind: "whole" };
    }
    return pos === j.need ? { kind: "joined", buf: out, pieces } : { kind: "whole" };
  }
  const key = `${m.ctx.conn}:${m.info.fileId ?? ""}:${toServer ? 1 : 0}`;
  const open = s.open.get(key);
  const here = (n: number): Piece | undefined =>
    place ? { frame, place: { spans: place.spans, skip: place.skip }, at, len: n } : undefined;
  if (open) {
    const p = here(avail);
    if (!p || avail <= 0 || open.pieces.length >= MAX_PIECES) {
      s.open.delete(key);
      return { kind: "whole" };
    }
    open.pieces.push(p);
    open.bytes.push(Buffer.from(buf.subarray(at, at + avail)));
    open.have += avail;
    if (open.have < open.need) {
      s.into.set(frame, -1);
      return { kind: "piece", frame: -1 };
    }
    s.open.delete(key);
    // A READ returns at most the rest of a message: a join that overshoots is not a fragment.
    if (open.have !== open.need) return { kind: "whole" };
    s.done.set(frame, open);
    for (const q of open.pieces) if (q.frame !== frame) s.into.set(q.frame, frame);
    const joined = Buffer.concat(open.bytes);
    open.bytes = [];
    return {
      kind: "joined",
      buf: joined,
      pieces: [],
    };
  }
  if (avail >= 10 && avail === len && buf[at] === 5) {
    const need = buf.readUInt16LE(at + 8);
    const p = here(avail);
    if (need > avail && p) {
      s.open.set(key, { pieces: [p], have: avail, need, bytes: [Buffer.from(buf.subarray(at, at + avail))] });
      s.into.set(frame, -1);
      return { kind: "piece", frame: -1 };
    }
  }
  return { kind: "whole" };
}

/** How Wireshark names the joined data of a pipe: SMB2's `smb2.pipe`, SMB1's `smb_pipe`. */
export const PIPE_SMB2 = {
  prefix: "smb2.pipe",
  what: "Reassembled SMB2 Named Pipe",
  count: "Reassembled SMB2 Named Pipe fragments",
};
export const PIPE_SMB1 = { prefix: "smb_pipe", what: "Reassembled SMB Pipe", count: "Fragments" };

/** The fragments node of a joined fragment (`smb2.pipe.fragments`...), its offsets into source `src`. */
export function pipeFragments(
  j: Extract<PipeRead, { kind: "joined" }>,
  src: number,
  names: typeof PIPE_SMB2,
): FieldNode {
  const total = j.buf.length;
  const top = node(
    `${names.prefix}.fragments`,
    `${j.pieces.length} ${names.count} (${total} bytes): ${j.pieces.map((p) => `#${p.frame}(${p.len})`).join(", ")}`,
    "",
    "",
    0,
    total,
    FieldFlag.Generated,
  );
  top.src = src;
  const gen = (name: string, label: string, v: number, at = 0, len = 0): FieldNode => {
    const n = node(name, label, String(v), v, at, len, FieldFlag.Generated);
    n.src = src;
    return n;
  };
  top.children = [
    ...j.pieces.map((p) =>
      gen(
        `${names.prefix}.fragment`,
        `Frame: ${p.frame}, payload: ${p.at}-${p.at + p.len - 1} (${p.len} bytes)`,
        p.frame,
        p.at,
        p.len,
      ),
    ),
    gen(`${names.prefix}.fragment.count`, "Fragment count", j.pieces.length),
    gen(`${names.prefix}.reassembled.length`, `${names.what} length`, total),
  ];
  return top;
}

/**
 * Full trees: adds a joined fragment's bytes to the packet's byte sources (`plains`) and returns
 * their index, the `src` of the nodes dissected from them; undefined in the index pass.
 */
export function joinedSource(
  light: boolean,
  ctx: { plains?: ByteSource[]; srcBase?: number },
  buf: Buffer,
  names: typeof PIPE_SMB2,
): number | undefined {
  if (light || !ctx.plains) return undefined;
  ctx.plains.push({ label: names.what, bytes: buf, plain: true });
  return (ctx.srcBase ?? 0) + ctx.plains.length - 1;
}

/** A Fields over joined bytes (dissected as a byte source of their own). */
export function joinedFields(buf: Buffer, light: boolean): Fields {
  return new Fields(new Cursor(buf, 0, buf.length), [], light);
}
