/**
 * SMB2 SESSION_SETUP (MS-SMB2 2.2.5, 2.2.6): flags, security mode, capabilities, previous session,
 * and the security blob (GSS-API/SPNEGO → NTLMSSP or Kerberos). The Info column gets Wireshark's
 * `, NTLMSSP_NEGOTIATE` / `, NTLMSSP_AUTH, User: DOMAIN\user`; the first pass records the user in
 * the session state.
 */

import { authSummary } from "../../auth/spnego.js";
import type { BitSpec, Fields } from "../../dissect/fields.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";
import {
  bufferCode,
  CAPABILITY_BITS,
  hex16,
  noteSessionAuth,
  noteSessionUp,
  SEC_MODE_BITS,
} from "../header.js";
import { blob, preauthHash } from "./negotiate.js";
import { olbNodes } from "./tree-connect.js";

const REQ_FLAG_BITS: readonly BitSpec[] = [
  { name: "smb2.ses_req_flags.session_binding", label: "Session Binding Request", mask: 0x1 },
];

const SES_FLAG_BITS: readonly BitSpec[] = [
  { name: "smb2.ses_flags.guest", label: "Guest", mask: 0x1 },
  { name: "smb2.ses_flags.null", label: "Null", mask: 0x2 },
  { name: "smb2.ses_flags.encrypt", label: "Encrypt", mask: 0x4 },
];

const CHANNELS: Readonly<Record<number, string>> = {
  0: "None",
  1: "RDMA V1",
  2: "RDMA V1_INVALIDATE",
  3: "RDMA TRANSFORM",
};

function request(f: Fields, m: Smb2Msg): void {
  preauthHash(f, m, "session-request");
  bufferCode(f);
  const fl = f.bitmask("smb2.ses_req_flags", "Flags", 1, REQ_FLAG_BITS);
  if (!f.light) {
    // BASE_DEC in Wireshark: "Flags: 0".
    const n = f.nodes[f.nodes.length - 1];
    if (n) {
      n.label = `Flags: ${fl}`;
      n.show = String(fl);
    }
  }
  f.bitmask("smb2.sec_mode", "Security mode", 1, SEC_MODE_BITS);
  f.bitmask("smb2.capabilities", "Capabilities", 4, CAPABILITY_BITS);
  f.uint("smb2.channel", "Channel", 4, { base: "hex", vals: CHANNELS });
  const offAt = f.c.pos;
  const off = f.c.u16();
  const lenAt = f.c.pos;
  const len = f.c.u16();
  f.u64("smb2.previous_sesid", "Previous Session Id", { base: "hex" });
  olbNodes(f, offAt, off, lenAt, len);
  const auth = blob(f, m.h.at + off, len);
  sum(m, authSummary(auth));
  const sesId = hex16(m.h.sesId);
  if (m.ctx.first) {
    m.ctx.state.session(sesId).setupFrames.push(m.ctx.frame);
    if (auth.ntlm?.type === 3)
      noteSessionAuth(m, {
        acct: auth.ntlm.user ?? "",
        domain: auth.ntlm.domain ?? "",
        host: auth.ntlm.host ?? "",
      });
  }
}

function response(f: Fields, m: Smb2Msg): void {
  preauthHash(f, m, "session-response");
  bufferCode(f);
  f.bitmask("smb2.session_flags", "Session Flags", 2, SES_FLAG_BITS);
  const offAt = f.c.pos;
  const off = f.c.u16();
  const lenAt = f.c.pos;
  const len = f.c.u16();
  olbNodes(f, offAt, off, lenAt, len);
  const auth = blob(f, m.h.at + off, len);
  sum(m, authSummary(auth));
  if (m.ctx.first) {
    m.ctx.state.session(hex16(m.h.sesId)).setupFrames.push(m.ctx.frame);
    if (m.h.status === 0) noteSessionUp(m);
  }
}

export const sessionSetup: Smb2Command = { request, response };
