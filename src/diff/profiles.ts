/**
 * Noise profiles: named ignore-rule lists. `default` is tuned so two runs of the same job against
 * the same server compare equal; `none` ignores nothing. Users add profiles in ~/.smbcmp
 * (see config.ts). Field names are Wireshark 4.0 abbreviations (fields TSV in the test corpus),
 * plus the `smbcmp.*` fields our dissector adds.
 */
import { IgnoreRules, splitRules } from "./ignore.js";

/** Per-run ids; compared through the identity map when one is used, else ignored. */
export const IDENTITY_RULES: readonly string[] = [
  "smb2.sesid",
  "smb2.previous_sesid",
  "smb2.tid",
  "smb2.aid",
  "smb2.async_id",
  "smb2.fid",
  "smb2.fid.*",
  "smb2.lease.lease_key",
  "smb2.lease.parent_lease_key",
  "smb2.dh2x.create_guid",
  "smb2.client_guid",
  "smb2.app_instance.app_guid",
  "smb.uid",
  "smb.tid",
  "smb.fid",
  "smb.session_key",
];

const DEFAULT_RULES: readonly string[] = [
  // Capture layers below SMB: times, addresses, ports, sequence numbers, checksums.
  "frame.*",
  "eth.*",
  "sll.*",
  "ip.*",
  "ipv6.*",
  "tcp.*",
  "nbss.length",
  // Generated cross references and response times.
  "smbcmp.*_in",
  "smbcmp.*_to",
  "smbcmp.*frame*",
  "dcerpc.nt.open_frame",
  "dcerpc.nt.close_frame",
  "dcerpc.request_in",
  "dcerpc.response_in",
  "dcerpc.reassembled_in",
  "dcerpc.time",
  "smb2.response_to",
  "smb2.response_in",
  "smb2.time",
  "smb2.auth_frame",
  "smb2.tcon_frame",
  "smb2.pipe.reassembled_in",
  "smb.response_to",
  "smb.response_in",
  "smb.time",
  "smb.continuation_to",
  "smb.cancel_to",
  "smb.logged_in",
  "smb.fid.*_in",
  "gss-api.reassembled_in",
  // Timestamps (file times, server time, boot time, snapshot/maximal-access times).
  "smb2.*.time",
  "smb2.current_time",
  "smb2.boot_time",
  "smb2.*_timestamp",
  "smb.*time",
  "smb.server_timezone",
  // Free space reported by the server (file system info) moves between runs.
  "smb.free_alloc_units",
  "smb.caller_free_alloc_units",
  "smb.actual_free_alloc_units",
  "smb.avail.units",
  "smb.free_units",
  "smb.free_block.count",
  // Whether the server answers with an interim STATUS_PENDING first depends on timing.
  "smb2.flags.async",
  // Header sequencing.
  "smb2.msg_id",
  "smb2.pid",
  "smb.mid",
  "smb.pid",
  "smb.pid.high",
  // Credits: the client asks and the server grants depending on timing.
  "smb2.credit.charge=within:8",
  "smb2.credits.requested",
  "smb2.credits.granted",
  // The DCE/RPC association group a server assigns at bind.
  "dcerpc.cn_assoc_group",
  // NDR pointers' referent ids: any non-zero value means "present" (impacket draws them at random).
  "dcerpc.referent_id",
  // RPC policy handles: opaque, random per open (their open and close frames are cross references).
  "lsarpc.*.handle",
  "samr.handle",
  "samr.*connect_handle",
  "samr.domain_handle",
  "winreg.*handle",
  "svcctl.hnd",
  // GUIDs and keys random per client, server start or open.
  "smb2.server_guid",
  "smb.server_guid",
  "smb2.file_id",
  // The same file reference number (inode) in FileInternalInformation: reused at the file system's will.
  "smb.index_number",
  "smb2.qfid_fid",
  "smb2.fsctl.cchunk.resume_key",
  "smb2.object_id",
  "smb2.birth_volume_id",
  "smb2.birth_object_id",
  "smb2.domain_id",
  // Signatures, encryption nonces, preauth integrity salt and hash.
  "smb2.signature",
  "smb.signature",
  "smb2.header.transform.signature",
  "smb2.header.transform.nonce",
  "smb2.header.transform.enc_data",
  "smb2.negotiate_context.salt",
  "smb2.preauth_hash",
  // NTLMSSP: challenges, responses, session keys, MIC, timestamps.
  "ntlmssp.ntlmserverchallenge",
  "ntlmssp.ntlmclientchallenge",
  "ntlmssp.ntlmv2_response",
  "ntlmssp.ntlmv2_response.ntproofstr",
  "ntlmssp.ntlmv2_response.time",
  "ntlmssp.ntlmv2_response.timestamp",
  "ntlmssp.ntlmv2_response.chal",
  // MsvAvSingleHost carries a random per-client machine id.
  "ntlmssp.ntlmv2_response.restrictions",
  "ntlmssp.ntlmv2_response.mic",
  "ntlmssp.challenge.target_info.timestamp",
  "ntlmssp.auth.lmresponse",
  "ntlmssp.auth.ntresponse",
  "ntlmssp.auth.sesskey",
  "ntlmssp.authenticate.mic",
  "ntlmssp.verf.*",
  "smb.challenge",
  // SPNEGO / GSS / Kerberos: tickets, authenticators and MICs differ every run.
  "spnego.mechListMIC",
  "spnego.krb5.*",
  "kerberos.cipher",
  "kerberos.ctime",
  "kerberos.cusec",
  "kerberos.stime",
  "kerberos.susec",
  "kerberos.nonce",
  "kerberos.*time",
  "kerberos.till",
  "kerberos.rtime",
  "kerberos.from",
  "kerberos.renew_till",
  "kerberos.patimestamp",
  "kerberos.timestamp",
  // Whole security blobs: their decoded children carry the real differences.
  "smb2.security_blob",
  "smb.security_blob",
  "gss-api.token_object",
  "spnego.mechToken",
  "spnego.responseToken",
];

export const BUILTIN_PROFILES: Readonly<Record<string, readonly string[]>> = {
  default: [...DEFAULT_RULES, ...IDENTITY_RULES],
  none: [],
};

export function profileNames(user: Readonly<Record<string, readonly string[]>> = {}): string[] {
  return [...new Set([...Object.keys(BUILTIN_PROFILES), ...Object.keys(user)])];
}

/**
 * Rules of profile `name`. User profiles (from the config file) win over built-in ones of the same
 * name; a user profile may start with `@other` to include another profile's rules first.
 */
export function profileRules(
  name: string,
  user: Readonly<Record<string, readonly string[]>> = {},
): IgnoreRules {
  return new IgnoreRules(expand(name, user, new Set()));
}

function expand(
  name: string,
  user: Readonly<Record<string, readonly string[]>>,
  seen: Set<string>,
): string[] {
  if (seen.has(name)) throw new Error(`profile "${name}" includes itself`);
  seen.add(name);
  const src = user[name] ?? BUILTIN_PROFILES[name];
  if (!src) throw new Error(`unknown profile "${name}" (known: ${profileNames(user).join(", ")})`);
  const out: string[] = [];
  for (const r of src.flatMap((x) => splitRules(x))) {
    if (r.startsWith("@")) out.push(...expand(r.slice(1), user, seen));
    else out.push(r);
  }
  seen.delete(name);
  return out;
}
