/**
 * SMB2 CREATE contexts (MS-SMB2 2.2.13.2 / 2.2.14.2): the chain of tagged elements after a
 * CREATE request or response, each shown as Wireshark's "Chain Element: NAME "Tag"" subtree.
 */
import { type BitSpec, bitPattern, Fields } from "../../dissect/fields.js";
import { formatFiletime, guidString, hexN } from "../../dissect/format.js";
import { FieldFlag, node } from "../../dissect/tree.js";
import { securityDescriptor } from "../../dtyp/secdesc.js";
import { accessMask } from "../common.js";
import { eaList } from "../fscc/ea.js";
import { statusText } from "../status.js";

const TAG_NAMES: Readonly<Record<string, string>> = {
  MxAc: "SMB2_CREATE_QUERY_MAXIMAL_ACCESS_REQUEST",
  QFid: "SMB2_CREATE_QUERY_ON_DISK_ID",
  DHnQ: "SMB2_CREATE_DURABLE_HANDLE_REQUEST",
  DHnC: "SMB2_CREATE_DURABLE_HANDLE_RECONNECT",
  DH2Q: "SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2",
  DH2C: "SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2",
  RqLs: "SMB2_CREATE_REQUEST_LEASE",
  AlSi: "SMB2_CREATE_ALLOCATION_SIZE",
  TWrp: "SMB2_CREATE_TIMEWARP_TOKEN",
  SecD: "SMB2_CREATE_SD_BUFFER",
  ExtA: "SMB2_CREATE_EA_BUFFER",
  AAPL: "SMB2_AAPL_CREATE_CONTEXT",
  // GUID-named contexts, as the GUID displays.
  "b7d082b9-563b-4f07-a07b-524a8116a010": "SMB2_CREATE_APP_INSTANCE_VERSION",
  "9ecfcb9c-c104-43e6-980e-158da1f6ec83": "SVHDX_OPEN_DEVICE_CONTEXT",
};

export interface CreateContextsResult {
  /** Context names in order (Wireshark's ExtraInfo list). */
  names: string[];
  /** TWrp timestamp in the request, which Wireshark appends to the file name. */
  timewarp?: bigint;
  /** The chain's offset points past the end of the message. */
  malformed?: boolean;
  /** The file of the handle a durable reconnect (DHnC, DH2C) names, when known. */
  reconnectName?: string;
}

const LEASE_STATE_BITS: readonly BitSpec[] = [
  { name: "smb2.lease.lease_state.read_caching", label: "Read Caching", mask: 0x1 },
  { name: "smb2.lease.lease_state.handle_caching", label: "Handle Caching", mask: 0x2 },
  { name: "smb2.lease.lease_state.write_caching", label: "Write Caching", mask: 0x4 },
];
const LEASE_FLAG_BITS: readonly BitSpec[] = [
  { name: "smb2.lease.lease_state.break_ack_required", label: "Break Ack Required", mask: 0x1 },
  { name: "smb2.lease.lease_state.break_in_progress", label: "Break In Progress", mask: 0x2 },
  { name: "smb2.lease.lease_state.parent_lease_key_set", label: "Parent Lease Key Set", mask: 0x4 },
];
const DH2_FLAG_BITS: readonly BitSpec[] = [
  { name: "smb2.dh2x.flags.persistent_handle", label: "Persistent Handle", mask: 0x2 },
];

/** A text node subtree (PDML name=""). */
function textTree(f: Fields, name: string, label: string, fn: () => void, len?: number): void {
  f.tree(
    name,
    label,
    (n) => {
      n.flags = FieldFlag.Text;
      fn();
    },
    len,
  );
}

/** "GUID handle" text node with a bare smb2.fid, as contexts show FileIds. */
function bareFid(f: Fields): void {
  textTree(f, "smbcmp.smb2.handle", "GUID handle", () => f.guid("smb2.fid", "File Id"), 16);
}

/** The handle a durable reconnect names: a full handle (and its file) when the caller knows handles. */
function reconnectFid(
  f: Fields,
  out: CreateContextsResult,
  handle?: (f: Fields) => string | undefined,
): void {
  if (handle) out.reconnectName = handle(f);
  else bareFid(f);
}

/** Lease (MS-SMB2 2.2.13.2.8 / 2.2.13.2.10), shared with lease break messages. */
export function lease(f: Fields, len: number): void {
  f.guid("smb2.lease.lease_key", "Lease Key");
  f.bitmask("smb2.lease.lease_state", "Lease State", 4, LEASE_STATE_BITS);
  f.bitmask("smb2.lease.lease_flags", "Lease Flags", 4, LEASE_FLAG_BITS);
  f.u64("smb2.lease.lease_duration", "Lease Duration", { base: "hex" });
  if (len >= 52) {
    f.guid("smb2.lease.parent_lease_key", "Parent Lease Key");
    f.uint("smb2.lease.lease_oplock", "Lease Epoch", 2, { base: "hex" });
    f.uint("smb2.lease.lease_reserved", "Lease Reserved", 2, { base: "hex" });
  }
}

/** Dissects one context's data; returns the "Data: X" suffix for the chain_data label. */
function contextData(
  f: Fields,
  tag: string,
  len: number,
  resp: boolean,
  out: CreateContextsResult,
  handle?: (f: Fields) => string | undefined,
): void {
  const label = (l: string) => {
    if (!f.light) f.nodes.at(-1)!.label = l;
  };
  void label;
  switch (tag) {
    case "MxAc":
      if (!resp) {
        const t = f.filetime("smb2.mxac_timestamp", "Timestamp");
        void t;
        return;
      }
      textTree(f, "smbcmp.smb2.mxac", "MxAc INFO", () => {
        // tshark 4.0 reads this status big-endian; match it so diffs against it stay quiet.
        f.uint("smb2.mxac_status", "Query Status", 4, { base: "hex", be: true, vals: (v) => statusText(v) });
        accessMask(f);
      });
      return;
    case "QFid":
      if (resp)
        textTree(f, "smbcmp.smb2.qfid", "QFid INFO", () =>
          f.bytes("smb2.qfid_fid", "Opaque File ID", Math.min(32, len)),
        );
      return;
    case "DHnQ":
      if (resp) f.u64("smb2.dhnq_buffer_reserved", "Reserved", { base: "hex" });
      else bareFid(f);
      return;
    case "DHnC":
      if (!resp) reconnectFid(f, out, handle);
      return;
    case "DH2Q":
      textTree(f, "smbcmp.smb2.dh2q", resp ? "DH2Q Response" : "DH2Q Request", () => {
        f.uint("smb2.dh2x.timeout", "Timeout", 4);
        if (resp) f.uint("smb2.dh2x.flags", "Flags", 4, { base: "hex" });
        else {
          f.bitmask("smb2.dh2x.flags", "Flags", 4, DH2_FLAG_BITS);
          f.u64("smb2.dh2x.reserved", "Reserved", { base: "hex" });
          f.guid("smb2.dh2x.create_guid", "Create Guid");
        }
      });
      return;
    case "DH2C":
      if (resp) return;
      textTree(f, "smbcmp.smb2.dh2c", "DH2C Request", () => {
        reconnectFid(f, out, handle);
        f.guid("smb2.dh2x.create_guid", "Create Guid");
        f.uint("smb2.dh2x.flags", "Flags", 4, { base: "hex" });
      });
      return;
    case "RqLs":
      textTree(f, "smbcmp.smb2.lease", len >= 52 ? "LEASE_V2" : "LEASE_V1", () => lease(f, len));
      return;
    case "AlSi":
      if (!resp) f.u64("smb2.allocation_size", "Allocation Size");
      return;
    case "TWrp":
      if (!resp) out.timewarp = f.filetime("smb2.twrp_timestamp", "Timestamp");
      return;
    case "SecD":
      if (!resp) f.tree("smb2.sec_info_00", "SMB2_SEC_INFO_00", () => securityDescriptor(f, len), len);
      return;
    case "ExtA":
      if (!resp) f.tree("smb2.file_full_ea_info", "SMB2_FILE_FULL_EA_INFO", () => eaList(f, len), len);
      return;
    case "AAPL":
      textTree(f, "smbcmp.smb2.aapl", `AAPL Create Context ${resp ? "response" : "request"}`, () =>
        aapl(f, resp, len),
      );
      return;
    case "b7d082b9-563b-4f07-a07b-524a8116a010": {
      if (len < 24) return;
      const hi = f.c.buf.readBigUInt64LE(f.c.pos + 8);
      const lo = f.c.buf.readBigUInt64LE(f.c.pos + 16);
      textTree(f, "smbcmp.smb2.app_instance_version", `APP INSTANCE VERSION, version: ${hi}.${lo}`, () => {
        f.uint("smb2.app_instance_version.struct_size", "Struct Size", 2);
        f.uint("smb2.app_instance_version.reserved", "Reserved", 2);
        f.uint("smb2.app_instance_version.padding", "Padding", 4, { base: "hex" });
        textTree(f, "smbcmp.smb2.app_instance_version.version", `version : ${hi}.${lo}`, () => {
          f.u64("smb2.app_instance_version.version.high", "AppInstanceVersionHigh");
          f.u64("smb2.app_instance_version.version.low", "AppInstanceVersionLow");
        });
      });
      return;
    }
    case "9ecfcb9c-c104-43e6-980e-158da1f6ec83":
      textTree(f, "smbcmp.smb2.svhdx", "SVHDX OPEN DEVICE CONTEXT", () => {
        f.uint("smb2.svhdx_open_device_context.version", "Version", 4);
        f.uint("smb2.svhdx_open_device_context.initiator_has_id", "HasInitiatorId", 1, {
          vals: { 0: "Does not have an initiator id", 1: "Has an initiator id" },
        });
        f.opaque("smb2.svhdx_open_device_context.reserved", "Reserved", 3);
      });
      return;
  }
}

const AAPL_QUERY_BITS: readonly BitSpec[] = [
  { name: "smb2.aapl.bitmask.server_caps", label: "Server capabilities", mask: 0x1 },
  { name: "smb2.aapl.bitmask.volume_caps", label: "Volume capabilities", mask: 0x2 },
  { name: "smb2.aapl.bitmask.model_info", label: "Model information", mask: 0x4 },
];
const AAPL_CAPS_BITS: readonly BitSpec[] = [
  { name: "smb2.aapl.caps.supports_read_dir_addr", label: "Supports READDIRATTR", mask: 0x1 },
  { name: "smb2.aapl.caps.supports_osx_copyfile", label: "Supports macOS copyfile", mask: 0x2 },
  { name: "smb2.aapl.caps.unix_based", label: "UNIX-based", mask: 0x4 },
  { name: "smb2.aapl.supports_nfs_ace", label: "Supports NFS ACE", mask: 0x8 },
];
const AAPL_VOLUME_BITS: readonly BitSpec[] = [
  { name: "smb2.aapl.volume_caps.supports_resolve_id", label: "Supports Resolve ID", mask: 0x1 },
  { name: "smb2.aapl.volume_caps.case_sensitive", label: "Case sensitive", mask: 0x2 },
  { name: "smb2.aapl.volume_caps.supports_full_sync", label: "Supports full sync", mask: 0x4 },
];

/** A 64-bit bitmask whose defined bits all live in the low word. */
function bitmask64(f: Fields, name: string, label: string, bits: readonly BitSpec[]): bigint {
  const at = f.c.pos;
  const v = f.c.u64();
  if (f.light) return v;
  const lo = Number(v & 0xffffffffn);
  const n = Fields.bitmaskNode(name, label, lo, 4, at, bits);
  const show = `0x${v.toString(16).padStart(16, "0")}`;
  n.label = n.label.replace(/^([^:]*): 0x[0-9a-f]{8}/, `$1: ${show}`);
  n.show = show;
  n.value = show;
  n.length = 8;
  // The defined bits are in the low word: prefix the 32 high bits to each pattern.
  for (const ch of n.children ?? []) {
    ch.label = `${bitPattern(0, 0, 32)} ${ch.label}`;
    ch.length = 8;
  }
  f.add(n);
  return v;
}

/** A u32-length-prefixed UTF-16 string (Wireshark FT_UINT_STRING). */
function uintString(f: Fields, name: string, label: string): void {
  const at = f.c.pos;
  const n = f.c.u32();
  f.c.need(n);
  const s = f.c.buf.subarray(f.c.pos, f.c.pos + (n & ~1)).toString("utf16le");
  f.c.pos += n;
  f.add(node(name, `${label}: ${s}`, s, s, at, 4 + n));
}

/** Apple's AAPL create context (server query / resolve id). */
function aapl(f: Fields, resp: boolean, len: number): void {
  const end = f.c.pos + len;
  const cmd = f.uint("smb2.aapl.command_code", "Command code", 4, {
    vals: { 1: "Server query", 2: "Resolve ID" },
  });
  f.uint("smb2.aapl.reserved", "Reserved", 4, { base: "hex" });
  if (cmd === 2) {
    if (resp) {
      f.uint("smb2.nt_status", "NT Status", 4, { base: "hex", vals: (v) => statusText(v) });
      uintString(f, "smb2.aapl.server_path", "Server path");
    } else f.u64("smb2.file_id", "File Id", { base: "hex" });
    return;
  }
  if (cmd !== 1) return;
  const q = bitmask64(f, "smb2.aapl.query_bitmask", "Query bitmask", AAPL_QUERY_BITS);
  if (q & 1n && f.c.pos + 8 <= end)
    bitmask64(f, "smb2.aapl.caps", "Client/Server capabilities", AAPL_CAPS_BITS);
  if (!resp) return;
  if (q & 2n && f.c.pos + 8 <= end)
    bitmask64(f, "smb2.aapl.volume_caps", "Volume capabilities", AAPL_VOLUME_BITS);
  if (q & 4n && f.c.pos + 8 <= end) {
    f.c.skip(4);
    uintString(f, "smb2.aapl.model_string", "Model string");
  }
}

/** The "Data: X" label of a context's chain_data, as Wireshark titles it. */
function dataLabel(tag: string, len: number, resp: boolean): string {
  if (!len) return "Data: NO DATA";
  switch (tag) {
    case "MxAc":
      return resp ? "Data: MxAc INFO" : "Data: Timestamp";
    case "QFid":
      return "Data: QFid INFO";
    case "DH2Q":
      return resp ? "Data: DH2Q Response" : "Data: DH2Q Request";
    case "DH2C":
      return resp ? "Data" : "Data: DH2C Request";
    case "RqLs":
      return len >= 52 ? "Data: LEASE_V2" : "Data: LEASE_V1";
    case "TWrp":
      return resp ? "Data" : "Data: Timestamp";
    case "SecD":
      return resp ? "Data" : "Data: SMB2_SEC_INFO_00";
    case "ExtA":
      return resp ? "Data" : "Data: SMB2_FILE_FULL_EA_INFO";
    case "AAPL":
      return `Data: AAPL Create Context ${resp ? "response" : "request"}`;
    case "b7d082b9-563b-4f07-a07b-524a8116a010":
      return "Data: CREATE APP INSTANCE VERSION";
    case "9ecfcb9c-c104-43e6-980e-158da1f6ec83":
      return "Data: SVHDX OPEN DEVICE CONTEXT";
    default:
      return "Data";
  }
}

/**
 * The create context chain at absolute offset `start` (`len` bytes) under an `smb2.create.extrainfo`
 * node. Never throws past the chain: a broken element ends the walk with a malformed marker.
 */
export function createContexts(
  f: Fields,
  start: number,
  len: number,
  resp: boolean,
  /** Dissects the FileId of a durable reconnect (DHnC, DH2C) and returns its file's name. */
  handle?: (f: Fields) => string | undefined,
): CreateContextsResult {
  const out: CreateContextsResult = { names: [] };
  if (!len) {
    f.add(node("smb2.create.extrainfo", "ExtraInfo: NO DATA", "", "", start, 0));
    return out;
  }
  const end = Math.min(f.c.end, start + len);
  if (end < start) {
    // CreateContextsOffset past the end of the message: nothing to walk, and the offset is wrong.
    out.malformed = true;
    f.add(node("smb2.create.extrainfo", "ExtraInfo", "", "", start, 0, FieldFlag.Malformed));
    f.malformed("create contexts offset past the end of the message", start);
    return out;
  }
  f.within(start, end - start, () => {
    const c = f.c;
    f.tree(
      "smb2.create.extrainfo",
      "ExtraInfo",
      (ei) => {
        let at = start;
        for (let guard = 0; guard < 256 && at + 16 <= end; guard++) {
          const next = c.peekU32(at);
          const nameOff = c.peekU16(at + 4);
          const nameLen = c.peekU16(at + 6);
          const dOff = c.peekU16(at + 10);
          const dLen = c.peekU32(at + 12);
          const nAt = at + nameOff;
          let tag = "";
          if (nameLen === 16 && c.has(16, nAt)) tag = guidString(c.buf.subarray(nAt, nAt + 16));
          else if (c.has(nameLen, nAt)) tag = c.buf.subarray(nAt, nAt + nameLen).toString("latin1");
          const name = TAG_NAMES[tag] ?? "<invalid>";
          out.names.push(name);
          const elLen = next ? next : Math.max(16, end - at);
          c.pos = at;
          f.tree(
            "smbcmp.smb2.create.chain",
            `Chain Element: ${name} "${tag}"`,
            (n) => {
              n.flags = FieldFlag.Text;
              f.uint("smb2.create.chain_offset", "Chain Offset", 4, { base: "hex" });
              if (!f.light) {
                const t = node("smb2.tag", `Tag: ${tag}`, tag, tag, nAt, nameLen);
                const offShow = hexN(nameOff, 8);
                t.children = [
                  node("smb2.olb.offset", `Blob Offset: ${offShow}`, offShow, nameOff, at + 4, 2),
                  node("smb2.olb.length", `Blob Length: ${nameLen}`, String(nameLen), nameLen, at + 6, 2),
                ];
                f.add(t);
              }
              c.pos = at + 10;
              const dOffShow = hexN(dOff, 8);
              if (!f.light) {
                f.add(node("smb2.olb.offset", `Blob Offset: ${dOffShow}`, dOffShow, dOff, at + 10, 2));
                f.add(node("smb2.olb.length", `Blob Length: ${dLen}`, String(dLen), dLen, at + 12, 4));
              }
              const dAt = dLen ? at + dOff : at + 16;
              f.within(dAt, dLen, () => {
                f.tree(
                  "smb2.create.chain_data",
                  dataLabel(tag, dLen, resp),
                  () => {
                    if (dLen) contextData(f, tag, dLen, resp, out, handle);
                  },
                  dLen,
                );
              });
            },
            elLen,
          );
          if (!next) break;
          at += next;
        }
        ei.label = `ExtraInfo ${out.names.join(" ")}`;
      },
      end - start,
    );
  });
  return out;
}

/** Wireshark's `name@timestamp` form of a TWrp-opened file name. */
export function timewarpName(name: string, t: bigint): string {
  return `${name}@${formatFiletime(t)[0].replace(/ UTC$/, "")}`;
}
