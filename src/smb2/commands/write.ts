/** SMB2 WRITE (command 0x09), MS-SMB2 2.2.21 / 2.2.22. */
import type { BitSpec, Fields } from "../../dissect/fields.js";
import { fileId, structureSize } from "../common.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";
import { CHANNELS, channelInfo, pipeData } from "./read.js";

const WRITE_FLAGS: readonly BitSpec[] = [
  {
    name: "smb2.write.flags.write_through",
    label: "Write through",
    mask: 0x1,
    t: "Client is asking for WRITE_THROUGH",
    f: "Client is NOT asking for WRITE_THROUGH",
  },
  {
    name: "smb2.write.flags.unbuffered",
    label: "Unbuffered",
    mask: 0x2,
    t: "Client is asking for UNBUFFERED write",
    f: "Client is NOT asking for UNBUFFERED write",
  },
];

function request(f: Fields, m: Smb2Msg): void {
  structureSize(f);
  const dataOff = f.uint("smb2.data_offset", "Data Offset", 2, { base: "hex" });
  const len = f.uint("smb2.write_length", "Write Length", 4);
  const off = f.u64("smb2.file_offset", "File Offset");
  fileId(f, m);
  f.uint("smb2.channel", "Channel", 4, { base: "hex", vals: CHANNELS });
  f.uint("smb2.remaining_bytes", "Remaining Bytes", 4);
  f.bitmask("smb2.write.flags", "Write Flags", 4, WRITE_FLAGS);
  channelInfo(f, m);
  // The written data is not shown as a field (tshark shows none for file writes); never decoded,
  // except on a named pipe, where Wireshark shows the DCE/RPC PDUs it carries (a fragment written
  // in several WRITEs joined in the last). A call on a pipe aligns by what it calls.
  const rpc = pipeData(f, m, true, m.h.at + dataOff, len);
  if (rpc?.op) m.info.detail = rpc.op;
  // ... but an empty one shows as a missing data field.
  if (!len)
    f.within(Math.min(m.h.at + dataOff, f.c.end), 0, () => f.bytes("smb2.write_data", "Write Data", 0));
  if (m.ctx.first && m.info.path !== undefined) m.rec.path = m.info.path;
  sum(m, ` Len:${len} Off:${off}${m.info.path !== undefined ? ` File: ${m.info.path}` : ""}`);
}

function response(f: Fields, m: Smb2Msg): void {
  structureSize(f);
  f.opaque("smb2.reserved", "Reserved", 2);
  f.uint("smb2.write.count", "Write Count", 4);
  f.uint("smb2.write.remaining", "Write Remaining", 4);
  f.uint("smb2.channel_info_offset", "Channel Info Offset", 2);
  f.uint("smb2.channel_info_length", "Channel Info Length", 2);
  if (m.rec.path !== undefined) m.info.path = m.rec.path;
}

export const write: Smb2Command = { request, response };
