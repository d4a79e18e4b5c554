/** MS-DTYP structures shared by SMB2 (security descriptors, SIDs, ACLs, GUIDs). */
export { ACE_TYPES, ace, acl, ntAccessMask, securityDescriptor } from "./secdesc.js";
export { parseSid, type Sid, type SidNames, sid, sidDisplay, sidNames, sidText } from "./sid.js";
