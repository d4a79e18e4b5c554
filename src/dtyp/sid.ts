/**
 * MS-DTYP 2.4.2 SID: parsing, string form and the well-known names Wireshark prints next to a SID
 * (`S-1-5-32-544  (Local Group-Administrators)`), so our `nt.sid` nodes read like tshark's.
 */
import type { Fields } from "../dissect/fields.js";
import { FieldFlag, node } from "../dissect/tree.js";

/** Exact SIDs (no RID part) with a name; the first level of the lookup. */
const WELL_KNOWN: Readonly<Record<string, string>> = {
  "S-1-0": "Null Authority",
  "S-1-0-0": "Nobody",
  "S-1-1-0": "Everyone",
  "S-1-2-0": "Local",
  "S-1-2-1": "Console Logon",
  "S-1-3-0": "Creator Owner",
  "S-1-3-1": "Creator Group",
  "S-1-3-2": "Creator Owner Server",
  "S-1-3-3": "Creator Group Server",
  "S-1-3-4": "Owner Rights",
  "S-1-4": "Non-unique Authority",
  "S-1-5": "NT Authority",
  "S-1-5-1": "Dialup",
  "S-1-5-2": "Network",
  "S-1-5-3": "Batch",
  "S-1-5-4": "Interactive",
  "S-1-5-5": "Logon Session",
  "S-1-5-6": "Service",
  "S-1-5-7": "Anonymous",
  "S-1-5-8": "Proxy",
  "S-1-5-9": "Enterprise Domain Controllers",
  "S-1-5-10": "Principal Self",
  "S-1-5-11": "Authenticated Users",
  "S-1-5-12": "Restricted Code",
  "S-1-5-13": "Terminal Server Users",
  "S-1-5-14": "Remote Interactive Logon",
  "S-1-5-15": "All users in this organization",
  "S-1-5-17": "Default IIS user account",
  "S-1-5-18": "Local System",
  "S-1-5-19": "Local Service",
  "S-1-5-20": "Network Service",
  "S-1-5-21": "Domain SID",
  "S-1-5-32": "Local Group",
  "S-1-5-33": "Write Restricted Code",
  "S-1-5-64": "Authentication",
  "S-1-5-80": "NT Service",
  "S-1-5-113": "Local Account",
  "S-1-5-114": "Local Administrator Account",
  "S-1-5-1000": "Other Organisation",
  "S-1-16": "Mandatory Level",
  "S-1-18-1": "Authentication Authority Asserted Identity",
  "S-1-18-2": "Service Asserted Identity",
  "S-1-18-3": "Fresh Public Key Identity",
  "S-1-18-4": "Key Trust Identity",
  "S-1-18-5": "Key Property Multifactor Authentication",
  "S-1-18-6": "Key Property Attestation",
};

const LOCAL_GROUP_RIDS: Readonly<Record<number, string>> = {
  544: "Administrators",
  545: "Users",
  546: "Guests",
  547: "Power Users",
  548: "Account Operators",
  549: "Server Operators",
  550: "Print Operators",
  551: "Backup Operators",
  552: "Replicators",
  554: "Pre-Windows 2000 Compatible Access",
  555: "Remote Desktop Users",
  556: "Network Configuration Operators",
  557: "Incoming Forest Trust Builders",
  558: "Performance Monitor Users",
  559: "Performance Log Users",
  560: "Windows Authorization Access Group",
  561: "Terminal Server License Servers",
  562: "Distributed COM Users",
  568: "IIS Users",
  569: "Cryptographic Operators",
  573: "Event Log Readers",
  574: "Certificate Service DCOM Access",
  575: "RDS Remote Access Servers",
  576: "RDS Endpoint Servers",
  577: "RDS Management Servers",
  578: "Hyper-V Admins",
  579: "Access Control Assistance Operators",
  580: "Remote Management Users",
};

const AUTH_RIDS: Readonly<Record<number, string>> = { 10: "NTLM", 14: "SChannel", 21: "Digest" };

const MANDATORY_RIDS: Readonly<Record<number, string>> = {
  0: "Untrusted",
  4096: "Low",
  8192: "Medium",
  8448: "Medium Plus",
  12288: "High",
  16384: "System",
  20480: "Protected Process",
  28672: "Secure Process",
};

const DOMAIN_RIDS: Readonly<Record<number, string>> = {
  498: "Enterprise Read-only Domain Controllers",
  500: "Administrator",
  501: "Guest",
  502: "KRBTGT",
  512: "Domain Admins",
  513: "Domain Users",
  514: "Domain Guests",
  515: "Domain Computers",
  516: "Domain Controllers",
  517: "Cert Publishers",
  518: "Schema Administrators",
  519: "Enterprise Admins",
  520: "Group Policy Creator Owners",
  521: "Read-only Domain Controllers",
  553: "RAS and IAS Servers",
  571: "Allowed RODC Password Replication Group",
  572: "Denied RODC Password Replication Group",
};

const RID_TABLES: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  "S-1-5-32": LOCAL_GROUP_RIDS,
  "S-1-5-64": AUTH_RIDS,
  "S-1-16": MANDATORY_RIDS,
};

export interface Sid {
  revision: number;
  authority: bigint;
  subs: number[];
  /** `S-1-5-21-...`. */
  text: string;
}

export function sidText(revision: number, authority: bigint, subs: readonly number[]): string {
  return `S-${revision}-${authority}${subs.map((s) => `-${s}`).join("")}`;
}

/** Parses a SID from raw bytes (throws RangeError when short). */
export function parseSid(b: Uint8Array): Sid {
  if (b.length < 8) throw new RangeError("SID too short");
  const n = b[1]!;
  if (b.length < 8 + 4 * n) throw new RangeError("SID too short");
  let authority = 0n;
  for (let i = 2; i < 8; i++) authority = (authority << 8n) | BigInt(b[i]!);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const subs: number[] = [];
  for (let i = 0; i < n; i++) subs.push(dv.getUint32(8 + 4 * i, true));
  return { revision: b[0]!, authority, subs, text: sidText(b[0]!, authority, subs) };
}

/** What Wireshark derives from a SID: the display name and the RID node. */
export interface SidNames {
  /** Text after the SID in `(...)`, undefined when the SID is not well known. */
  name?: string;
  /** [value, name, index in subs] of the RID node. */
  rid?: [number, string, number];
}

export function sidNames(s: Sid): SidNames {
  const out: SidNames = {};
  const { subs } = s;
  const base = `S-${s.revision}-${s.authority}`;
  let prefix: string | undefined;
  let rest: number[];
  if (subs.length === 0) {
    if (WELL_KNOWN[base] === undefined) return out;
    prefix = base;
    rest = [];
  } else if (WELL_KNOWN[`${base}-${subs[0]}`] !== undefined) {
    prefix = `${base}-${subs[0]}`;
    rest = subs.slice(1);
  } else if (base === "S-1-16") {
    prefix = base;
    rest = subs;
  } else return out;
  const pname = WELL_KNOWN[prefix]!;
  if (prefix === "S-1-5-21") {
    out.name = pname;
    if (rest.length >= 4) {
      const rid = rest[3]!;
      const rn = DOMAIN_RIDS[rid] ?? "Domain RID";
      out.rid = [rid, rn, 4];
      out.name = `${pname}-${rn}${rest.length > 4 ? "-<locally defined>" : ""}`;
    }
    return out;
  }
  const table = RID_TABLES[prefix];
  if (rest.length === 0) {
    out.name = pname;
    return out;
  }
  const rn = table?.[rest[0]!];
  if (table && rn !== undefined) {
    const mandatory = prefix === "S-1-16";
    const full = `${mandatory ? `${pname}Mandatory Level` : pname}-${rn}${rest.length > 1 ? "-<locally defined>" : ""}`;
    out.name = full;
    if (!(mandatory && rest[0] === 0)) out.rid = [rest[0]!, rn, subs.length - rest.length];
    return out;
  }
  out.name = `${pname}-<locally defined>`;
  return out;
}

/** `S-1-5-18  (Local System)` or just the SID when it has no name. */
export function sidDisplay(s: Sid): string {
  const n = sidNames(s).name;
  return n === undefined ? s.text : `${s.text}  (${n})`;
}

/**
 * Reads a SID at the cursor as an `nt.sid` subtree labelled `label` (`SID`, `Owner`, `Group`...).
 * Returns the parsed SID.
 */
export function sid(f: Fields, label = "SID", name = "nt.sid"): Sid {
  const c = f.c;
  const at = c.pos;
  c.need(8);
  const n = c.buf[at + 1]!;
  const len = 8 + 4 * n;
  if (!c.has(len)) {
    f.add(node(name, `${label} [truncated]`, "", "", at, c.remaining, FieldFlag.Short));
    c.need(len);
  }
  const s = parseSid(c.buf.subarray(at, at + len));
  if (f.light) {
    c.pos = at + len;
    return s;
  }
  const names = sidNames(s);
  const disp = names.name === undefined ? s.text : `${s.text}  (${names.name})`;
  f.tree(
    name,
    `${label}: ${disp}`,
    () => {
      f.uint("nt.sid.revision", "Revision", 1);
      f.uint("nt.sid.num_auth", "Num Auth", 1);
      const a = s.authority.toString();
      f.add(node("nt.sid.auth", `Authority: ${a}`, a, a, at + 2, 6));
      const st = s.subs.join("-");
      f.add(node("nt.sid.subauth", `Subauthorities: ${st}`, st, st, at + 8, 4 * n));
      if (names.rid) {
        const [rid, rn, idx] = names.rid;
        f.add(node("nt.sid.rid", `RID: ${rid}  (${rn})`, String(rid), rid, at + 8 + 4 * idx, 4));
      }
      // Wireshark also adds nt.sid.wkwn and nt.sid.domain, hidden (for filters): not shown here,
      // as its tshark engine's trees (which drop hidden fields) do not show them either.
      c.pos = at + len;
    },
    len,
    s.text,
    s.text,
  );
  return s;
}
