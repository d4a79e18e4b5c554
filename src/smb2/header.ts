/** SMB2 packet header (MS-SMB2 2.2.1): fast parse for the index, and the Wireshark-style subtree. */
import type { Cursor } from "../dissect/cursor.js";
import type { BitSpec, Fields } from "../dissect/fields.js";
import { cmdName, SMB2_FLAGS } from "./names.js";
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
  signature: Buffer;
  isResponse: boolean;
  isAsync: boolean;
}

/** Reads a header at c.pos (advancing 64 bytes); throws ShortRead when fewer are available. */
export function parseHeader(c: Cursor): Smb2Header {
  const at = c.pos;
  c.need(SMB2_HEADER_LEN);
  const b = c.buf;
  const flags = b.readUInt32LE(at + 16);
  const isAsync = (flags & SMB2_FLAGS.ASYNC) !== 0;
  const h: Smb2Header = {
    at,
    creditCharge: b.readUInt16LE(at + 6),
    status: b.readUInt32LE(at + 8),
    cmd: b.readUInt16LE(at + 12),
    credits: b.readUInt16LE(at + 14),
    flags,
    nextCommand: b.readUInt32LE(at + 20),
    msgId: b.readBigUInt64LE(at + 24),
    pid: isAsync ? 0 : b.readUInt32LE(at + 32),
    tid: isAsync ? 0 : b.readUInt32LE(at + 36),
    asyncId: isAsync ? b.readBigUInt64LE(at + 32) : 0n,
    sesId: b.readBigUInt64LE(at + 40),
    signature: b.subarray(at + 48, at + 64),
    isResponse: (flags & SMB2_FLAGS.RESPONSE) !== 0,
    isAsync,
  };
  c.pos = at + SMB2_HEADER_LEN;
  return h;
}

export const hex16 = (v: bigint): string => v.toString(16).padStart(16, "0");

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
  { name: "smb2.flags.priority_mask", label: "Priority", mask: 0x70, vals: () => undefined },
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

/** Extra context the header subtree shows (tree name of the tid, as Wireshark does). */
export interface HeaderExtras {
  treeName?: string;
  shareType?: number;
  isSmb3?: boolean;
}

/** The "SMB2 Header" subtree; the cursor must be at the header start. */
export function dissectHeader(f: Fields, h: Smb2Header, x: HeaderExtras = {}): void {
  f.tree(
    "smbcmp.smb2.header",
    "SMB2 Header",
    () => {
      f.uint("smb2.protocol_id", "ProtocolId", 4, { base: "hex", be: true });
      f.uint("smb2.header_len", "Header Length", 2);
      f.uint("smb2.credit.charge", "Credit Charge", 2);
      if (h.isResponse) {
        f.uint("smb2.nt_status", "NT Status", 4, { base: "hex", vals: statusName });
      } else if (x.isSmb3 !== false) {
        f.uint("smb2.channel_sequence", "Channel Sequence", 2);
        f.bytes("smb2.reserved", "Reserved", 2);
      } else {
        f.uint("smb2.nt_status", "NT Status", 4, { base: "hex", vals: statusName });
      }
      f.uint("smb2.cmd", "Command", 2, { vals: (v) => cmdName(v) });
      if (h.isResponse) f.uint("smb2.credits.granted", "Credits granted", 2);
      else f.uint("smb2.credits.requested", "Credits requested", 2);
      f.bitmask("smb2.flags", "Flags", 4, FLAG_BITS);
      f.uint("smb2.chain_offset", "Chain Offset", 4, { base: "hex" });
      f.u64("smb2.msg_id", "Message ID");
      if (h.isAsync) {
        f.u64("smb2.async_id", "Async Id", { base: "hex" });
      } else {
        f.uint("smb2.pid", "Process Id", 4, { base: "hex" });
        f.uint("smb2.tid", "Tree Id", 4, { base: "hex" });
      }
      f.u64("smb2.sesid", "Session Id", { base: "hex" });
      f.bytes("smb2.signature", "Signature", 16);
    },
    SMB2_HEADER_LEN,
  );
}
