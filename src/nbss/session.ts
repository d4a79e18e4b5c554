/**
 * NetBIOS Session Service (RFC 1002 4.3) PDUs other than session messages: session request with
 * the called/calling NetBIOS names (RFC 1001 14.1 first-level encoding, optional scope), positive,
 * negative (with error code) and retarget responses, keep-alive. Display text follows tshark's
 * `nbss` tree and Info column.
 */
import { Cursor, ShortRead } from "../dissect/cursor.js";
import type { Fields } from "../dissect/fields.js";
import { hexN } from "../dissect/format.js";
import { FieldFlag, node } from "../dissect/tree.js";

export const NBSS_TYPES: Readonly<Record<number, string>> = {
  0: "Session message",
  129: "Session request",
  130: "Positive session response",
  131: "Negative session response",
  132: "Retarget session response",
  133: "Session keep-alive",
};

export const NBSS_ERRORS: Readonly<Record<number, string>> = {
  128: "Not listening on called name",
  129: "Not listening for calling name",
  130: "Called name not present",
  131: "Called name present, but insufficient resources",
  143: "Unspecified error",
};

/** What the 16th byte of a NetBIOS name (its suffix) usually designates. */
export const NETBIOS_NAME_TYPES: Readonly<Record<number, string>> = {
  0: "Workstation/Redirector",
  1: "Browser",
  2: "Workstation/Redirector",
  3: "Messenger service/Main name",
  5: "Forwarded name",
  6: "RAS Server service",
  27: "Domain Master Browser",
  28: "Domain Controllers",
  29: "Local Master Browser",
  30: "Browser Election Service",
  31: "Net DDE Service",
  32: "Server service",
  33: "RAS client service",
  34: "Exchange Interchange (MSMail Connector)",
  35: "Exchange Store",
  36: "Exchange Directory",
  43: "Lotus Notes Server service",
  48: "Modem sharing server service",
  49: "Modem sharing client service",
  67: "SMS Clients Remote Control",
  68: "SMS Administrators Remote Control Tool",
  69: "SMS Clients Remote Chat",
  70: "SMS Clients Remote Transfer",
  76: "DEC Pathworks TCP/IP Service on Windows NT",
  82: "DEC Pathworks TCP/IP Service on Windows NT",
  106: "Microsoft Exchange IMC",
  135: "Microsoft Exchange MTA",
  190: "Network Monitor Agent",
  191: "Network Monitor Analyzer",
};

export interface NetbiosName {
  /** `NAME<xx>`, `NAME<xx>.scope` or `Illegal NetBIOS name (...)`, as tshark shows it. */
  text: string;
  /** The name's suffix byte (16th byte), -1 for an illegal name. */
  type: number;
  /** Bytes the encoded name occupies (length-prefixed labels and the terminating zero). */
  size: number;
  /** The labels run past the data or use a reserved label type: no name can be shown. */
  truncated?: boolean;
}

/**
 * Decodes a first-level encoded NetBIOS name (RFC 1001 14.1) at `at`: a label of 32 characters
 * 'A'+nibble, then optional scope labels, then a zero byte. An illegal name gets tshark's
 * "Illegal NetBIOS name (...)" text; never throws.
 */
export function decodeNetbiosName(buf: Buffer, at: number, end = buf.length): NetbiosName {
  const labels: Buffer[] = [];
  let p = at;
  for (;;) {
    if (p >= end || labels.length > 127)
      return { text: "", type: -1, size: Math.min(p, end) - at, truncated: true };
    const l = buf[p]!;
    if (l === 0) {
      p++;
      break;
    }
    // 0x40-0xff are DNS extended/compressed label types, never valid here.
    if (l > 63 || p + 1 + l > end) return { text: "", type: -1, size: end - at, truncated: true };
    labels.push(buf.subarray(p + 1, p + 1 + l));
    p += 1 + l;
  }
  const size = p - at;
  const enc = labels[0] ?? Buffer.alloc(0);
  const raw: number[] = [];
  const az = (c: number | undefined) => c !== undefined && c >= 0x41 && c <= 0x5a;
  let i = 0;
  do {
    const c1 = enc[i];
    if (!az(c1)) return illegal("1st character not between A and Z in first-level encoding", size);
    const c2 = enc[i + 1];
    if (c2 === undefined) return illegal("odd number of bytes", size);
    if (!az(c2)) return illegal("2nd character not between A and Z in first-level encoding", size);
    raw.push((((c1! - 0x41) << 4) | (c2 - 0x41)) & 0xff);
    i += 2;
  } while (i < enc.length);
  if (raw.length !== 16) return illegal(`${raw.length} bytes long`, size);
  const type = raw[15]!;
  let name = "";
  for (const b of raw.slice(0, 15)) name += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `<${hex2(b)}>`;
  name = name.replace(/ +$/, "");
  let text = `${name}<${hex2(type)}>`;
  if (labels.length > 1)
    text += `.${labels
      .slice(1)
      .map((l) => l.toString("latin1"))
      .join(".")}`;
  return { text, type, size };
}

function illegal(why: string, size: number): NetbiosName {
  return { text: `Illegal NetBIOS name (${why})`, type: -1, size };
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, "0");
}

/**
 * Appends the `nbss` tree of a non-message NBSS PDU (`type` ≠ 0, `body` = the bytes after the
 * 4-byte header) to `f`'s current node list. Offsets of body fields are offsets into `body`; the
 * header fields (type, flags, length) are placed at 0 and 1 like the trace's message-frame nbss
 * node. Bad input becomes a malformed node; never throws. `f.c` is left untouched.
 */
export function dissectNbss(type: number, body: Buffer, f: Fields): void {
  if (f.light) return;
  const len = body.length;
  const root = node("nbss", "NetBIOS Session Service", "", "", 0, len + 4);
  root.children = [];
  const kids = root.children;
  kids.push(
    node(
      "nbss.type",
      `Message Type: ${NBSS_TYPES[type] ?? "Unknown"} (${hexN(type, 2)})`,
      hexN(type, 2),
      type,
      0,
      1,
    ),
  );
  // NBSS on 139 carries a flags byte whose low bit extends the 16-bit length (RFC 1002 4.3.1).
  const ext = len > 0xffff ? 1 : 0;
  const flags = node("nbss.flags", `Flags: ${hexN(ext, 2)}`, hexN(ext, 2), ext, 1, 1);
  flags.children = [
    node(
      "nbss.flags.e",
      `.... ...${ext} = Extend: ${ext ? "Add 65536 to length" : "Add 0 to length"}`,
      String(ext),
      ext,
      1,
      1,
    ),
  ];
  kids.push(flags);
  kids.push(node("nbss.length", `Length: ${len}`, String(len), len, 1, 3));
  f.add(root);
  const saved = f.nodes;
  const savedC = f.c;
  f.nodes = kids;
  f.c = new Cursor(body, 0, len);
  try {
    body_(type, body, f);
  } catch (e) {
    if (!(e instanceof ShortRead) && !(e instanceof RangeError)) throw e;
    f.malformed(`NBSS ${NBSS_TYPES[type] ?? "PDU"} truncated`);
  } finally {
    f.nodes = saved;
    f.c = savedC;
  }
  if (kids.some((k) => k.flags && k.flags & FieldFlag.Malformed)) root.flags = FieldFlag.Malformed;
}

function body_(type: number, body: Buffer, f: Fields): void {
  switch (type) {
    case 0x81: {
      const called = nameNode(f, body, "nbss.called_name", "Called name");
      if (!called) return;
      if (!nameNode(f, body, "nbss.calling_name", "Calling name")) return;
      break;
    }
    case 0x83:
      f.uint("nbss.error_code", "Error code", 1, { base: "hex", vals: NBSS_ERRORS });
      break;
    case 0x84: {
      f.c.need(6);
      const ip = [...body.subarray(0, 4)].join(".");
      f.add(node("nbss.retarget_ip_address", `Retarget IP address: ${ip}`, ip, ip, 0, 4));
      f.c.skip(4);
      f.uint("nbss.retarget_port", "Retarget port", 2, { be: true });
      break;
    }
    default:
      break;
  }
  // Bytes beyond what the type defines (positive response and keep-alive have none).
  if (f.c.remaining > 0) f.bytes("nbss.continuation_data", "Continuation data", f.c.remaining);
}

function nameNode(f: Fields, body: Buffer, name: string, label: string): boolean {
  const at = f.c.pos;
  const n = decodeNetbiosName(body, at, body.length);
  if (n.truncated) {
    // tshark shows no name node for a name it cannot delimit, only the malformed marker.
    f.malformed(`${label} truncated`, at);
    f.c.pos = body.length;
    return false;
  }
  const kind = n.type < 0 ? "" : ` (${NETBIOS_NAME_TYPES[n.type] ?? "Unknown"})`;
  f.add(node(name, `${label}: ${n.text}${kind}`, n.text, n.text, at, n.size));
  f.c.pos = at + n.size;
  return true;
}

/** tshark's Info column for a non-message NBSS PDU. */
export function nbssSummary(type: number, body: Buffer): string {
  const name = NBSS_TYPES[type] ?? `Unknown NBSS message type 0x${hex2(type)}`;
  if (type === 0x81) {
    const called = decodeNetbiosName(body, 0);
    if (called.truncated) return `${name}[Malformed Packet]`;
    const calling = decodeNetbiosName(body, called.size);
    if (calling.truncated) return `${name}, to ${called.text} [Malformed Packet]`;
    return `${name}, to ${called.text} from ${calling.text}`;
  }
  if (type === 0x83) {
    if (body.length < 1) return `${name}[Malformed Packet]`;
    const e = body[0]!;
    return `${name}, ${NBSS_ERRORS[e] ?? `Unknown (${hex2(e)})`}`;
  }
  if (type === 0x84 && body.length < 6) return `${name}[Malformed Packet]`;
  return name;
}
