/**
 * SMB2 OPLOCK_BREAK (MS-SMB2 2.2.23-2.2.25): oplock and lease break notifications (server →
 * client, MessageId all ones), acknowledgments (requests) and responses, told apart by StructureSize.
 */
import type { BitSpec, Fields } from "../../dissect/fields.js";
import { fileId } from "../common.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";
import { bufferCode } from "../header.js";

const NOTIFICATION_ID = 0xffffffffffffffffn;

export const OPLOCK_LEVELS: Readonly<Record<number, string>> = {
  0: "No oplock",
  1: "Level II oplock",
  8: "Exclusive oplock",
  9: "Batch oplock",
  255: "Lease",
};

const LEASE_FLAG_BITS: readonly BitSpec[] = [
  { name: "smb2.lease.lease_state.break_ack_required", label: "Break Ack Required", mask: 0x1 },
  { name: "smb2.lease.lease_state.break_in_progress", label: "Break In Progress", mask: 0x2 },
  { name: "smb2.lease.lease_state.parent_lease_key_set", label: "Parent Lease Key Set", mask: 0x4 },
];

export const LEASE_STATE_BITS: readonly BitSpec[] = [
  { name: "smb2.lease.lease_state.read_caching", label: "Read Caching", mask: 0x1 },
  { name: "smb2.lease.lease_state.handle_caching", label: "Handle Caching", mask: 0x2 },
  { name: "smb2.lease.lease_state.write_caching", label: "Write Caching", mask: 0x4 },
];

/** Which of the six break messages this is, from the header and StructureSize. */
function kind(f: Fields, m: Smb2Msg): string {
  const size = f.c.has(2) ? f.c.peekU16() : 0;
  const what = size === 0x2c || size === 0x24 ? "Lease Break" : "Oplock Break";
  if (!m.h.isResponse) return `${what} Acknowledgment`;
  return m.h.msgId === NOTIFICATION_ID ? `${what} Notification` : `${what} Response`;
}

function oplockBody(f: Fields, m: Smb2Msg): void {
  f.uint("smb2.create.oplock", "Oplock", 1, { base: "hex", vals: OPLOCK_LEVELS });
  f.opaque("smb2.reserved", "Reserved", 1);
  f.opaque("smb2.reserved", "Reserved", 4);
  const notification = m.h.isResponse && m.h.msgId === NOTIFICATION_ID;
  fileId(f, m);
  if (notification) {
    // Wireshark names the file only for acknowledgments and responses.
    const n = f.nodes[f.nodes.length - 1];
    if (!f.light && n?.name === "smbcmp.smb2.handle") n.label = "GUID handle";
  } else if (m.info.path !== undefined) sum(m, ` File: ${m.info.path}`);
}

function leaseNotification(f: Fields): void {
  f.uint("smb2.lease.lease_oplock", "Lease Epoch", 2, { base: "hex" });
  f.bitmask("smb2.lease.lease_flags", "Lease Flags", 4, LEASE_FLAG_BITS);
  f.guid("smb2.lease.lease_key", "Lease Key");
  f.bitmask("smb2.lease.lease_state", "Current Lease State", 4, LEASE_STATE_BITS);
  f.bitmask("smb2.lease.lease_state", "New Lease State", 4, LEASE_STATE_BITS);
  f.uint("smb2.lease.lease_break_reason", "Lease Break Reason", 4, { base: "hex" });
  f.uint("smb2.lease.access_mask_hint", "Access Mask Hint", 4, { base: "hex" });
  f.uint("smb2.lease.share_mask_hint", "Share Mask Hint", 4, { base: "hex" });
}

function leaseAckOrResponse(f: Fields): void {
  f.opaque("smb2.reserved", "Reserved", 2);
  f.bitmask("smb2.lease.lease_flags", "Lease Flags", 4, LEASE_FLAG_BITS);
  f.guid("smb2.lease.lease_key", "Lease Key");
  f.bitmask("smb2.lease.lease_state", "Lease State", 4, LEASE_STATE_BITS);
  f.u64("smb2.lease.lease_duration", "Lease Duration", { base: "hex" });
}

function body(f: Fields, m: Smb2Msg): void {
  const k = kind(f, m);
  // The Info column names the variant instead of "Break Request/Response".
  const base = m.h.isResponse ? "Break Response" : "Break Request";
  if (m.info.summary.startsWith(base)) m.info.summary = k + m.info.summary.slice(base.length);
  const size = bufferCode(f);
  if (size === 0x2c) leaseNotification(f);
  else if (size === 0x24) leaseAckOrResponse(f);
  else oplockBody(f, m);
}

export const oplockBreak: Smb2Command = {
  // Error responses keep the driver's "Break Response" label, as in Wireshark.
  label: (f, m) => (f.c.has(2) && f.c.peekU16() === 9 && m.h.isResponse ? undefined : `${kind(f, m)} (0x12)`),
  request: body,
  response: body,
};
