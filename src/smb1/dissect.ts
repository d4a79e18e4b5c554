/** SMB1 driver (placeholder until the SMB1 dissector lands): header-only summaries. */
import type { FieldNode } from "../dissect/tree.js";
import type { MessageInfo } from "../trace/types.js";

export interface Smb1Ctx {
  state: Smb1State;
  frame: number;
  conn: number;
  time: number;
  light: boolean;
  first: boolean;
}

export class Smb1State {}

export function dissectSmb1(
  buf: Buffer,
  _start: number,
  _ctx: Smb1Ctx,
  _out: FieldNode[],
  infos: MessageInfo[],
): void {
  const cmd = buf.length > 4 ? buf[4]! : -1;
  infos.push({
    proto: 1,
    cmd,
    isResponse: buf.length > 9 && (buf[9]! & 0x80) !== 0,
    status: 0,
    msgId: "0",
    sesId: "0000000000000000",
    tid: 0,
    summary: "SMB",
    flags: 0,
  });
}
