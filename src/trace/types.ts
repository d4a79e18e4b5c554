/**
 * The engine's data model: a Trace is the ordered list of SMB packets of one capture, each with a
 * compact per-message record (enough for the list, filters, alignment and identity mapping), and
 * detail trees built on demand.
 */
import type { FieldNode } from "../dissect/tree.js";

/** Message flags; the packet store keeps 9 bits of them (src/trace/store.ts): widen it before adding a 10th. */
export const MsgFlag = {
  Encrypted: 1, // still encrypted (no key or bad key)
  Decrypted: 2,
  Compressed: 4,
  Signed: 8,
  Malformed: 16,
  Async: 32,
  /** SMB2 related compound member (SMB2_FLAGS_RELATED_OPERATIONS). */
  Related: 64,
  /** The first message of its NBSS PDU (a frame may carry several PDUs). */
  PduStart: 128,
  /** The first message of a PDU that began in an earlier frame (TCP reassembly). */
  Reassembled: 256,
  /**
   * A later piece of an SMB1 transaction response sent in several messages: its content is shown
   * in the first piece's tree, and the diff counts it as part of that operation.
   */
  Continuation: 512,
} as const;

export interface MessageInfo {
  /**
   * 1 = SMB1, 2 = SMB2/3 (after decryption when possible), 0 = a NetBIOS session service PDU that
   * is not a session message (request, responses, keep-alive; `cmd` is its NBSS type), listed
   * only when asked for (OpenOptions.nbss).
   */
  proto: 0 | 1 | 2;
  cmd: number;
  isResponse: boolean;
  /** NTSTATUS (SMB1 DOS errors are mapped to 0xEEEE_cccc style values by the SMB1 dissector). */
  status: number;
  /** Message id (SMB2 MessageId, SMB1 MID); a decimal string since SMB2 ids are 64-bit. */
  msgId: string;
  /** SMB2 SessionId / SMB1 UID as 16 hex digits (0x-less, as displayed by Wireshark without 0x). */
  sesId: string;
  /** Tree id (SMB2 TreeId / SMB1 TID). */
  tid: number;
  /** SMB2 AsyncId in hex when the async flag is set. */
  asyncId?: string;
  /** SMB2 FileId (persistent+volatile, 32 hex digits) or SMB1 FID this message is about. */
  fileId?: string;
  /** File name: the create's name, or the name known for `fileId`. */
  path?: string;
  /** Command-specific selector for alignment: info class/level, fsctl code, dialect... (e.g. "0x0012"). */
  detail?: string;
  /** This message's part of the Info column. */
  summary: string;
  flags: number;
}

/**
 * A message without an SMB header to read ids from: a NetBIOS session PDU, a transform that could
 * not be opened, bytes that are no SMB message. Zero ids, no command (`cmd` -1).
 */
export function blankMessage(
  proto: MessageInfo["proto"],
  summary: string,
  flags: number,
  sesId = "0000000000000000",
): MessageInfo {
  return { proto, cmd: -1, isResponse: false, status: 0, msgId: "0", sesId, tid: 0, summary, flags };
}

export interface PacketInfo {
  /** Wireshark frame number. */
  no: number;
  /** Seconds since the Unix epoch. */
  time: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** TCP connection index. */
  conn: number;
  /** The whole Info column (SMB part): message summaries joined with `; `. */
  summary: string;
  messages: MessageInfo[];
}

export interface TreeOptions {
  /** Include frame/eth/ip/tcp/nbss layers. */
  allLayers?: boolean;
}

/**
 * A trace's packets in frame order. A plain array is one; the capture engine's is a compact
 * columnar store whose `at(i)` builds a fresh PacketInfo on each call (so don't compare packets
 * by identity, and keep what you use).
 */
export interface PacketList extends Iterable<PacketInfo> {
  readonly length: number;
  at(i: number): PacketInfo | undefined;
}

/** Where a PDU's bytes are in the capture file: Pdu.spans, then the NBSS header bytes to skip. */
export interface PduPlace {
  spans: readonly number[];
  skip: number;
}

/**
 * Bytes a packet's tree offsets can refer to: a PDU as on the wire, a transform's plaintext, or
 * the pieces of a multi-part SMB1 transaction response joined.
 */
export interface ByteSource {
  /**
   * "PDU 1", "Decrypted SMB3", "Decompressed SMB3", "Reassembled SMB": with " (PDU k)" when the
   * packet has several PDUs, and " #2", " #3"... for nested transforms of the same kind.
   */
  label: string;
  bytes: Buffer;
  /** A transform's output (decrypted or decompressed) or joined pieces, not one PDU's wire bytes. */
  plain?: boolean;
}

export interface Trace {
  readonly path: string;
  readonly packets: PacketList;
  /** Frame number → index in `packets`, or -1. */
  indexOf(no: number): number;
  /** The detail tree of packet `no` (built lazily, cached). */
  tree(no: number, opts?: TreeOptions): FieldNode[];
  /**
   * Packet `no`'s tree with names, values and children only (dissect/tree.ts skeletons: what the
   * diff engine's equality tests read). A trace whose trees come from another thread has them for
   * a fraction of a tree's cost; others leave it out (tree() serves).
   */
  skeleton?(no: number): FieldNode[];
  /**
   * Hint: the skeletons of these packets will be asked for next (one round trip instead of one
   * each). Returns a function that waits for them: call it after hinting the other capture too.
   */
  prefetchSkeletons?(nos: readonly number[]): () => void;
  /** Warnings met while reading (truncated capture, gaps, no key...). */
  readonly warnings: readonly string[];
  /** The bytes of packet `no`'s PDUs (NBSS bodies), in order; tree offsets are relative to these. */
  pduBytes?(no: number): Buffer[];
  /**
   * All the bytes packet `no`'s tree offsets refer to: its PDUs (as pduBytes), then each plaintext
   * a transform produced and each reassembled transaction, in tree order. A node with `src` has its
   * offset into source `src`; a node without, into its PDU. Engines without them (tshark) leave it out.
   */
  byteSources?(no: number): ByteSource[];
  /** Frame, link, IP and TCP trees of packet `no`'s frame (offsets into the frame's bytes). */
  layers?(no: number): FieldNode[];
  /** The DCE/RPC calls on named pipes the index saw (of interfaces whose bind it saw). */
  rpcCalls?(): readonly RpcCall[];
  close(): void;
}

/** A DCE/RPC call on a named pipe, as the indexing pass matched it. */
export interface RpcCall {
  /** `SRVSVC.NetShareEnumAll` (the opnum when the interface has no name for it). */
  op: string;
  reqFrame: number;
  reqTime: number;
  /** Time of the response's first fragment. */
  respTime?: number;
  /** The status of a fault response. */
  fault?: number;
}
