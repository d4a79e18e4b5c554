/**
 * NTLMSSP messages (MS-NLMP 2.2.1): NEGOTIATE, CHALLENGE and AUTHENTICATE with negotiate flags,
 * version, target info AV pairs (2.2.2.1), LMv2/NTLMv2 responses (2.2.2.8) and MIC, shown with
 * Wireshark's `ntlmssp.*` fields. Nothing is decrypted.
 */
import { type BitSpec, Fields } from "../dissect/fields.js";
import { hexColons } from "../dissect/format.js";
import { FieldFlag, node } from "../dissect/tree.js";

export const NTLMSSP_SIGNATURE = Buffer.from("NTLMSSP\0", "latin1");

export const NTLM_MESSAGE_TYPES: Readonly<Record<number, string>> = {
  1: "NTLMSSP_NEGOTIATE",
  2: "NTLMSSP_CHALLENGE",
  3: "NTLMSSP_AUTH",
};

export const NTLMSSP_NEGOTIATE_UNICODE = 0x1;
export const NTLMSSP_NEGOTIATE_VERSION = 0x02000000;

const flag = (bit: number, name: string, label: string): BitSpec => ({
  name: `ntlmssp.${name}`,
  label,
  mask: bit,
  t: "Set",
  f: "Not set",
});

/** NEGOTIATE flags (MS-NLMP 2.2.2.5), most significant bit first as Wireshark lists them. */
export const NEGOTIATE_FLAG_BITS: readonly BitSpec[] = [
  flag(0x80000000, "negotiate56", "Negotiate 56"),
  flag(0x40000000, "negotiatekeyexch", "Negotiate Key Exchange"),
  flag(0x20000000, "negotiate128", "Negotiate 128"),
  flag(0x10000000, "negotiatent10000000", "Negotiate 0x10000000"),
  flag(0x08000000, "negotiatent08000000", "Negotiate 0x08000000"),
  flag(0x04000000, "negotiatent04000000", "Negotiate 0x04000000"),
  flag(0x02000000, "negotiateversion", "Negotiate Version"),
  flag(0x01000000, "negotiatent01000000", "Negotiate 0x01000000"),
  flag(0x00800000, "negotiatetargetinfo", "Negotiate Target Info"),
  flag(0x00400000, "requestnonntsession", "Request Non-NT Session"),
  flag(0x00200000, "negotiatent00200000", "Negotiate 0x00200000"),
  flag(0x00100000, "negotiateidentify", "Negotiate Identify"),
  flag(0x00080000, "negotiatentlm2", "Negotiate Extended Security"),
  flag(0x00040000, "targettypeshare", "Target Type Share"),
  flag(0x00020000, "targettypeserver", "Target Type Server"),
  flag(0x00010000, "targettypedomain", "Target Type Domain"),
  flag(0x00008000, "negotiatealwayssign", "Negotiate Always Sign"),
  flag(0x00004000, "negotiate00004000", "Negotiate 0x00004000"),
  flag(0x00002000, "negotiateoemworkstationsupplied", "Negotiate OEM Workstation Supplied"),
  flag(0x00001000, "negotiateoemdomainsupplied", "Negotiate OEM Domain Supplied"),
  flag(0x00000800, "negotiateanonymous", "Negotiate Anonymous"),
  flag(0x00000400, "negotiatentonly", "Negotiate NT Only"),
  flag(0x00000200, "negotiatentlm", "Negotiate NTLM key"),
  flag(0x00000100, "negotiate00000100", "Negotiate 0x00000100"),
  flag(0x00000080, "negotiatelmkey", "Negotiate Lan Manager Key"),
  flag(0x00000040, "negotiatedatagram", "Negotiate Datagram"),
  flag(0x00000020, "negotiateseal", "Negotiate Seal"),
  flag(0x00000010, "negotiatesign", "Negotiate Sign"),
  flag(0x00000008, "negotiate00000008", "Request 0x00000008"),
  flag(0x00000004, "requesttarget", "Request Target"),
  flag(0x00000002, "negotiateoem", "Negotiate OEM"),
  flag(0x00000001, "negotiateunicode", "Negotiate UNICODE"),
];

/** AV pair ids (MS-NLMP 2.2.2.1): [Wireshark item name, field suffix, field label]. */
const AV_IDS: Readonly<Record<number, [string, string, string]>> = {
  0: ["End of list", "", ""],
  1: ["NetBIOS computer name", "nb_computer_name", "NetBIOS Computer Name"],
  2: ["NetBIOS domain name", "nb_domain_name", "NetBIOS Domain Name"],
  3: ["DNS computer name", "dns_computer_name", "DNS Computer Name"],
  4: ["DNS domain name", "dns_domain_name", "DNS Domain Name"],
  5: ["DNS tree name", "dns_tree_name", "DNS Tree Name"],
  6: ["Flags", "flags", "Flags"],
  7: ["Timestamp", "timestamp", "Timestamp"],
  8: ["Restrictions", "restrictions", "Restrictions"],
  9: ["Target Name", "target_name", "Target Name"],
  10: ["Channel Bindings", "channel_bindings", "Channel Bindings"],
};
const AV_STRINGS = new Set([1, 2, 3, 4, 5, 9]);

export interface NtlmResult {
  type: number;
  flags?: number;
  user?: string;
  domain?: string;
  host?: string;
  /** Server challenge (CHALLENGE) as hex. */
  challenge?: string;
}

/** An NTLMSSP_MESSAGE_SIGNATURE (MS-NLMP 2.2.2.9.1) at the cursor: version 1, then checksum and sequence number. */
export function ntlmVerifier(f: Fields): void {
  f.tree(
    "ntlmssp.verf",
    "NTLMSSP Verifier",
    () => {
      f.uint("ntlmssp.verf.vers", "Version Number", 4);
      f.opaque("ntlmssp.verf.body", "Verifier Body", 12);
    },
    16,
  );
}

/** Wireshark stops strings at the first NUL. */
const cstr = (s: string): string => {
  const i = s.indexOf("\0");
  return i < 0 ? s : s.slice(0, i);
};

const clip = (s: string): string => (s.length > 239 ? s.slice(0, 239) : s);

/**
 * Dissects an NTLMSSP message occupying the cursor's remaining bytes (call inside `f.within`).
 * Returns what the summary and session state need; bad offsets become malformed marks, not throws.
 */
export function ntlmssp(f: Fields): NtlmResult {
  const base = f.c.pos;
  const res: NtlmResult = { type: 0 };
  f.tree(
    "ntlmssp",
    "NTLM Secure Service Provider",
    () => {
      f.ascii("ntlmssp.identifier", "NTLMSSP identifier", 8);
      res.type = f.uint("ntlmssp.messagetype", "NTLM Message Type", 4, {
        base: "hex",
        vals: NTLM_MESSAGE_TYPES,
      });
      if (res.type === 1) negotiateMsg(f, base, res);
      else if (res.type === 2) challengeMsg(f, base, res);
      else if (res.type === 3) authMsg(f, base, res);
    },
    f.c.remaining,
  );
  return res;
}

function negotiateFlags(f: Fields): number {
  const v = f.bitmask("ntlmssp.negotiateflags", "Negotiate Flags", 4, NEGOTIATE_FLAG_BITS);
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1];
    if (n) n.label = clip(n.label);
  }
  return v;
}

interface Desc {
  len: number;
  max: number;
  off: number;
  at: number;
}

function readDesc(f: Fields): Desc {
  const at = f.c.pos;
  f.c.need(8);
  const len = f.c.u16();
  const max = f.c.u16();
  const off = f.c.u32();
  return { len, max, off, at };
}

function descChildren(f: Fields, d: Desc, kind: "string" | "blob" | "challenge.target_info"): void {
  if (f.light) return;
  f.add(node(`ntlmssp.${kind}.length`, `Length: ${d.len}`, String(d.len), d.len, d.at, 2));
  f.add(node(`ntlmssp.${kind}.maxlen`, `Maxlen: ${d.max}`, String(d.max), d.max, d.at + 2, 2));
  f.add(node(`ntlmssp.${kind}.offset`, `Offset: ${d.off}`, String(d.off), d.off, d.at + 4, 4));
}

/** A string described by (len, maxlen, offset) at the cursor; "NULL" when empty. */
function ntlmString(f: Fields, base: number, name: string, label: string, unicode: boolean): string {
  const d = readDesc(f);
  if (!d.len) {
    if (!f.light) f.add(node(name, `${label}: NULL`, "NULL", "NULL", d.at, 8));
    return "";
  }
  const at = base + d.off;
  if (!f.c.has(d.len, at)) {
    if (!f.light) {
      f.add(node(name, `${label}: [bad offset]`, "", "", d.at, 8, FieldFlag.Malformed));
      f.malformed(`${label} outside the message`, d.at);
    }
    return "";
  }
  const raw = f.c.buf.subarray(at, at + d.len);
  const s = unicode ? raw.subarray(0, d.len & ~1).toString("utf16le") : raw.toString("latin1");
  if (!f.light) {
    const n = node(name, `${label}: ${s}`, s, s, at, d.len);
    n.children = [];
    f.add(n);
    const saved = f.nodes;
    f.nodes = n.children;
    descChildren(f, d, "string");
    f.nodes = saved;
  }
  return s;
}

/** A blob described by (len, maxlen, offset); `inner` dissects its bytes inside the node. */
function ntlmBlob(
  f: Fields,
  base: number,
  name: string,
  label: string,
  inner?: (at: number, len: number) => void,
): Buffer | undefined {
  const d = readDesc(f);
  if (!d.len) {
    if (!f.light) {
      const raw = f.c.buf.subarray(d.at, d.at + 8);
      f.add(node(name, `${label}: Empty`, hexColons(raw), raw.toString("hex"), d.at, 8));
    }
    return Buffer.alloc(0);
  }
  const at = base + d.off;
  if (!f.c.has(d.len, at)) {
    if (!f.light) f.malformed(`${label} outside the message`, d.at);
    return undefined;
  }
  const raw = f.c.buf.subarray(at, at + d.len);
  if (!f.light) {
    const n = Fields.bytesNode(name, label, raw, at);
    n.children = [];
    f.add(n);
    const saved = f.nodes;
    f.nodes = n.children;
    try {
      descChildren(f, d, "blob");
      inner?.(at, d.len);
    } finally {
      f.nodes = saved;
    }
  }
  return raw;
}

function version(f: Fields): void {
  if (!f.c.has(8)) return;
  const b = f.c.buf;
  const p = f.c.pos;
  const major = b[p]!;
  const minor = b[p + 1]!;
  const build = b.readUInt16LE(p + 2);
  const rev = b[p + 7]!;
  f.tree(
    "ntlmssp.version",
    `Version ${major}.${minor} (Build ${build}); NTLM Current Revision ${rev}`,
    () => {
      f.uint("ntlmssp.version.major", "Major Version", 1);
      f.uint("ntlmssp.version.minor", "Minor Version", 1);
      f.uint("ntlmssp.version.build_number", "Build Number", 2);
      f.c.skip(3);
      f.uint("ntlmssp.version.ntlm_current_revision", "NTLM Current Revision", 1);
    },
    8,
  );
}

function negotiateMsg(f: Fields, base: number, res: NtlmResult): void {
  const flags = negotiateFlags(f);
  res.flags = flags;
  // Domain and workstation are OEM strings (MS-NLMP 2.2.1.1).
  ntlmString(f, base, "ntlmssp.negotiate.domain", "Calling workstation domain", false);
  ntlmString(f, base, "ntlmssp.negotiate.callingworkstation", "Calling workstation name", false);
  if (flags & NTLMSSP_NEGOTIATE_VERSION) version(f);
}

function challengeMsg(f: Fields, base: number, res: NtlmResult): void {
  // Flags follow the target name descriptor; read them first for the string encoding.
  const flagsAt = f.c.pos + 8;
  const flags0 = f.c.has(4, flagsAt) ? f.c.buf.readUInt32LE(flagsAt) : 0;
  const unicode = (flags0 & NTLMSSP_NEGOTIATE_UNICODE) !== 0;
  ntlmString(f, base, "ntlmssp.challenge.target_name", "Target Name", unicode);
  res.flags = negotiateFlags(f);
  res.challenge = f.bytes("ntlmssp.ntlmserverchallenge", "NTLM Server Challenge", 8).toString("hex");
  f.opaque("ntlmssp.reserved", "Reserved", 8);
  if (f.c.has(8)) {
    const d = readDesc(f);
    const at = base + d.off;
    if (!f.light) {
      const n = node("ntlmssp.challenge.target_info", "Target Info", "", "", at, d.len);
      n.children = [];
      f.add(n);
      const saved = f.nodes;
      f.nodes = n.children;
      try {
        descChildren(f, d, "challenge.target_info");
        if (d.len && f.c.has(d.len, at))
          f.within(at, d.len, () => avPairs(f, "ntlmssp.challenge.target_info", "Target Info"));
      } finally {
        f.nodes = saved;
      }
    }
  }
  if (res.flags & NTLMSSP_NEGOTIATE_VERSION) version(f);
}

/** AV pairs to the end of the cursor; `prefix` is the Wireshark field family. */
function avPairs(f: Fields, prefix: string, itemLabel: string): void {
  while (f.c.has(4)) {
    const id = f.c.peekU16();
    const len = f.c.peekU16(f.c.pos + 2);
    const info = AV_IDS[id];
    const name = info?.[0] ?? "Unknown";
    let text = "";
    if (AV_STRINGS.has(id) && f.c.has(len, f.c.pos + 4))
      text = cstr(f.c.buf.subarray(f.c.pos + 4, f.c.pos + 4 + (len & ~1)).toString("utf16le"));
    const label = AV_STRINGS.has(id) && len ? `Attribute: ${name}: ${text}` : `Attribute: ${name}`;
    f.tree(
      "smbcmp.ntlmssp.attribute",
      label,
      () => {
        f.uint(`${prefix}.item.type`, `${itemLabel} Item Type`, 2, {
          base: "hex",
          vals: (v) => AV_IDS[v]?.[0],
        });
        f.uint(`${prefix}.item.length`, `${itemLabel} Item Length`, 2);
        if (!len || !info) {
          if (len) f.bytes("smbcmp.ntlmssp.attribute.value", "Value", Math.min(len, f.c.remaining));
          return;
        }
        const field = `${prefix}.${info[1]}`;
        if (AV_STRINGS.has(id)) {
          const n = Math.min(len, f.c.remaining);
          const at = f.c.pos;
          f.c.skip(n);
          if (!f.light) f.add(node(field, `${info[2]}: ${text}`, text, text, at, n));
        } else if (id === 6) f.uint(field, info[2], 4, { base: "hex" });
        else if (id === 7) f.filetime(field, info[2]);
        else f.bytes(field, info[2], Math.min(len, f.c.remaining));
      },
      Math.min(4 + len, f.c.remaining),
    );
    if (id === 0) break;
  }
}

function authMsg(f: Fields, base: number, res: NtlmResult): void {
  const b = f.c.buf;
  const p = f.c.pos;
  // Fixed part: LM(8) NT(8) domain(8) user(8) host(8) sesskey(8) flags(4) [version(8) MIC(16)].
  const flags0 = f.c.has(4, p + 48) ? b.readUInt32LE(p + 48) : 0;
  const unicode = (flags0 & NTLMSSP_NEGOTIATE_UNICODE) !== 0;
  const ntLen = f.c.has(2, p + 8) ? b.readUInt16LE(p + 8) : 0;
  const lm = ntlmBlob(f, base, "ntlmssp.auth.lmresponse", "Lan Manager Response");
  // Wireshark shows the LMv2 client challenge only for an all-zero LM response with NTLMv2.
  if (!f.light && lm && lm.length === 24 && ntLen > 24 && lm.every((x) => x === 0))
    f.add(
      Fields.bytesNode("ntlmssp.ntlmclientchallenge", "LMv2 Client Challenge", lm.subarray(16, 24), f.c.pos),
    );
  ntlmBlob(f, base, "ntlmssp.auth.ntresponse", "NTLM Response", (at, len) => {
    if (len > 24) f.within(at, len, () => ntlmv2Response(f, len));
  });
  res.domain = ntlmString(f, base, "ntlmssp.auth.domain", "Domain name", unicode);
  res.user = ntlmString(f, base, "ntlmssp.auth.username", "User name", unicode);
  res.host = ntlmString(f, base, "ntlmssp.auth.hostname", "Host name", unicode);
  ntlmBlob(f, base, "ntlmssp.auth.sesskey", "Session Key");
  res.flags = negotiateFlags(f);
  // Version and MIC exist when the payload starts after them (offsets >= 72 / 88).
  const minOff = payloadStart(b, p, f.c.end, base);
  if (res.flags & NTLMSSP_NEGOTIATE_VERSION && minOff >= 72) version(f);
  if (minOff >= 88 && f.c.has(16, base + 72)) {
    f.c.seek(base + 72);
    f.opaque("ntlmssp.authenticate.mic", "MIC", 16);
  }
}

/** Smallest non-empty payload offset among the six AUTHENTICATE descriptors. */
function payloadStart(b: Buffer, p: number, end: number, base: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    const d = p + i * 8;
    if (d + 8 > end) break;
    const len = b.readUInt16LE(d);
    const off = b.readUInt32LE(d + 4);
    if (len && off < min) min = off;
  }
  return Number.isFinite(min) ? min : end - base;
}

function ntlmv2Response(f: Fields, len: number): void {
  const raw = f.c.buf.subarray(f.c.pos, f.c.pos + len);
  const n = Fields.bytesNode("ntlmssp.ntlmv2_response", "NTLMv2 Response", raw, f.c.pos);
  f.tree(
    "ntlmssp.ntlmv2_response",
    n.label,
    () => {
      f.opaque("ntlmssp.ntlmv2_response.ntproofstr", "NTProofStr", 16);
      f.uint("ntlmssp.ntlmv2_response.rversion", "Response Version", 1);
      f.uint("ntlmssp.ntlmv2_response.hirversion", "Hi Response Version", 1);
      f.opaque("ntlmssp.ntlmv2_response.z", "Z", 6);
      f.filetime("ntlmssp.ntlmv2_response.time", "Time");
      f.opaque("ntlmssp.ntlmv2_response.chal", "NTLMv2 Client Challenge", 8);
      f.opaque("ntlmssp.ntlmv2_response.z", "Z", 4);
      avPairs(f, "ntlmssp.ntlmv2_response", "NTLMV2 Response");
      if (f.c.remaining) f.bytes("ntlmssp.ntlmv2_response.pad", "padding", f.c.remaining);
    },
    len,
    n.show,
    n.value,
  );
}

/** Wireshark's Info text for an NTLMSSP message: `, NTLMSSP_AUTH, User: DOMAIN\user`. */
export function ntlmSummary(r: NtlmResult): string {
  const t = NTLM_MESSAGE_TYPES[r.type];
  if (!t) return "";
  if (r.type === 3) return `, ${t}, User: ${r.domain ?? ""}\\${r.user ?? ""}`;
  return `, ${t}`;
}
