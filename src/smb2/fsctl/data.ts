/** FSCTL input/output buffers (MS-FSCC 2.3, MS-SMB2 2.2.31.x / 2.2.32.x) as Wireshark shows them. */
import { bitPattern, type Fields } from "../../dissect/fields.js";
import { hexN } from "../../dissect/format.js";
import { node } from "../../dissect/tree.js";
import { objectIdBuffer } from "../info/classes.js";
import { flags, i64, reserved } from "../info/fscc.js";

type Dir = "in" | "out";
/** Returns false when the data should be shown raw (smb2.unknown). */
type Decoder = (f: Fields, len: number, dir: Dir) => unknown;

const CAPS = [
  ["dfs", "DFS", 0x1, "DFS"],
  ["leasing", "LEASING", 0x2, "LEASING"],
  ["large_mtu", "LARGE MTU", 0x4, "LARGE_MTU"],
  ["multi_channel", "MULTI CHANNEL", 0x8, "MULTI CHANNEL"],
  ["persistent_handles", "PERSISTENT HANDLES", 0x10, "PERSISTENT HANDLES"],
  ["directory_leasing", "DIRECTORY LEASING", 0x20, "DIRECTORY LEASING"],
  ["encryption", "ENCRYPTION", 0x40, "ENCRYPTION"],
] as const;

function capabilities(f: Fields): void {
  flags(
    f,
    "smb2.capabilities",
    "Capabilities",
    4,
    CAPS.map(([n, l, mask, t]) => ({
      name: `smb2.capabilities.${n}`,
      label: l,
      mask,
      t: `This host supports ${t}`,
      f: `This host does NOT support ${t}`,
    })),
    { summary: true },
  );
}

function secMode(f: Fields): void {
  flags(
    f,
    "smb2.sec_mode",
    "Security mode",
    1,
    [
      { name: "smb2.sec_mode.sign_enabled", label: "Signing enabled", mask: 0x1 },
      { name: "smb2.sec_mode.sign_required", label: "Signing required", mask: 0x2 },
    ],
    { summary: true },
  );
}

const DIALECTS: Readonly<Record<number, string>> = {
  514: "SMB 2.0.2",
  528: "SMB 2.1",
  546: "SMB2 2.2.2 (Windows 8 Beta)",
  548: "SMB2 2.2.4 (Windows 8 Beta)",
  767: "SMB2 wildcard",
  768: "SMB 3.0",
  770: "SMB 3.0.2",
  784: "SMB 3.1.0 (Windows 10 Technical Preview)",
  785: "SMB 3.1.1",
};
const dialect = (f: Fields) => f.uint("smb2.dialect", "Dialect", 2, { base: "hex", vals: DIALECTS });

const validateNegotiate: Decoder = (f, _len, dir) => {
  capabilities(f);
  if (dir === "in") {
    f.guid("smb2.client_guid", "Client Guid");
    secMode(f);
    f.c.skip(1);
    const n = f.uint("smb2.dialect_count", "Dialect count", 2);
    for (let i = 0; i < n && f.c.remaining >= 2; i++) dialect(f);
  } else {
    f.guid("smb2.server_guid", "Server Guid");
    secMode(f);
    f.c.skip(1);
    dialect(f);
  }
};

function ipv6(b: Buffer): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i).toString(16));
  // RFC 5952: compress the longest run of zero groups (length >= 2).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === "0") j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(":");
  return `${g.slice(0, best).join(":")}::${g.slice(best + bestLen).join(":")}`;
}

function speed(v: bigint): string {
  const n = Number(v);
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GBits/s`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MBits/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} KBits/s`;
  return `${n} Bits/s`;
}

/** NETWORK_INTERFACE_INFO entries (MS-SMB2 2.2.32.5). */
const networkInterfaces: Decoder = (f, len, dir) => {
  if (dir === "in") return false;
  const base = f.c.pos;
  const end = base + len;
  let at = base;
  for (let guard = 0; guard < 1024 && at + 152 <= end; guard++) {
    f.c.seek(at);
    const next = f.c.peekU32(at);
    const caps = f.c.peekU32(at + 8);
    const sp = f.c.buf.readBigUInt64LE(at + 16);
    const fam = f.c.peekU16(at + 24);
    const addr =
      fam === 2
        ? `IPv4: ${Array.from(f.c.buf.subarray(at + 28, at + 32)).join(".")}`
        : fam === 23
          ? `IPv6: ${ipv6(f.c.buf.subarray(at + 32, at + 48))}`
          : "";
    const parts = ["Network Interface"];
    if (caps & 1) parts.push("RSS");
    if (caps & 2) parts.push("RDMA");
    parts.push(speed(sp));
    if (addr) parts.push(addr);
    f.tree(
      "smbcmp.smb2.network_interface",
      parts.join(", "),
      () => {
        f.uint("smb2.ioctl.network_interfaces.next_offset", "Next Offset", 4, { base: "hex" });
        f.uint("smb2.ioctl.network_interfaces.index", "Interface Index", 4);
        const capAt = f.c.pos;
        const cv = f.uint("smb2.ioctl.network_interfaces.capabilities", "Interface Cababilities", 4, {
          base: "hex",
        });
        if (!f.light) {
          const n = f.nodes[f.nodes.length - 1]!;
          n.children = [
            node(
              "smb2.ioctl.network_interfaces.capabilities.rdma",
              `${bitPattern(cv, 2, 32)} = RDMA: ${cv & 2 ? "This interface supports RDMA" : "This interface does not support RDMA"}`,
              cv & 2 ? "1" : "0",
              cv & 2 ? 1 : 0,
              capAt,
              4,
            ),
            node(
              "smb2.ioctl.network_interfaces.capabilities.rss",
              `${bitPattern(cv, 1, 32)} = RSS: ${cv & 1 ? "This interface supports RSS" : "This interface does not support RSS"}`,
              cv & 1 ? "1" : "0",
              cv & 1 ? 1 : 0,
              capAt,
              4,
            ),
          ];
        }
        f.uint("smb2.ioctl.network_interfaces.rss_queue_count", "RSS Queue Count", 4);
        const lsAt = f.c.pos;
        const ls = f.c.u64();
        if (!f.light)
          f.add(
            node(
              "smb2.ioctl.network_interfaces.link_speed",
              `Link Speed: ${ls}, ${speed(ls)}`,
              ls.toString(),
              ls.toString(),
              lsAt,
              8,
            ),
          );
        const saLen = fam === 2 ? 8 : fam === 23 ? 26 : 0;
        f.tree(
          "smbcmp.smb2.sockaddr",
          `Socket Address, ${addr}`,
          () => {
            f.uint("smb2.windows.sockaddr.family", "Socket Family", 2);
            f.uint("smb2.windows.sockaddr.port", "Socket Port", 2);
            if (fam === 2) {
              const a = Array.from(f.c.bytes(4)).join(".");
              if (!f.light)
                f.add(node("smb2.windows.sockaddr.in.addr", `Socket IPv4: ${a}`, a, a, f.c.pos - 4, 4));
            } else if (fam === 23) {
              // Wireshark shows the 4-byte flow info and scope id as 2-byte fields.
              f.uint("smb2.windows.sockaddr.in6.flow_info", "IPv6 Flow Info", 4, { base: "hex" });
              const a = ipv6(f.c.bytes(16));
              if (!f.light)
                f.add(node("smb2.windows.sockaddr.in6.addr", `Socket IPv6: ${a}`, a, a, f.c.pos - 16, 16));
              f.uint("smb2.windows.sockaddr.in6.scope_id", "IPv6 Scope ID", 4);
            }
          },
          saLen,
        );
      },
      152,
    );
    if (!next) break;
    at += next;
  }
  f.c.seek(end);
};

/** REQ_GET_DFS_REFERRAL / RESP_GET_DFS_REFERRAL (MS-DFSC 2.2.2, 2.2.4). */
const dfsReferrals: Decoder = (f, len, dir) => {
  if (dir === "in") {
    f.uint("smb.max_referral_level", "Max Referral Level", 2);
    const at = f.c.pos;
    const raw = f.c.bytes(Math.max(0, len - 2) & ~1).toString("utf16le");
    const nul = raw.indexOf("\0");
    const name = nul >= 0 ? raw.slice(0, nul) : raw;
    if (!f.light) f.add(node("smb.file", `File Name: ${name}`, name, name, at, len - 2));
    return;
  }
  const base = f.c.pos;
  f.uint("smb.dfs.path_consumed", "Path Consumed", 2);
  const n = f.uint("smb.dfs.num_referrals", "Num Referrals", 2);
  flags(f, "smb.dfs.flags", "Flags", 2, [
    {
      name: "smb.dfs.flags.server_hold_storage",
      label: "Hold Storage",
      mask: 0x2,
      t: "Referral server holds storage for the file",
      f: "Referral server does NOT hold storage for the file",
    },
    {
      name: "smb.dfs.flags.fielding",
      label: "Fielding",
      mask: 0x1,
      t: "The server in referrals is capable of fielding",
      f: "The server in referrals is NOT fielding capable",
    },
  ]);
  f.opaque("smb.padding", "Padding", 2);
  f.tree("smbcmp.dfs.referrals", "Referrals", () => {
    for (let i = 0; i < n && f.c.remaining >= 8; i++) {
      const start = f.c.pos;
      const size = f.c.peekU16(start + 2);
      f.tree(
        "smbcmp.dfs.referral",
        "Referral",
        () => {
          const ver = f.uint("smb.dfs.referral.version", "Version", 2);
          f.uint("smb.dfs.referral.size", "Size", 2);
          f.uint("smb.dfs.referral.server.type", "Server Type", 2, {
            vals: { 0: "Non-root targets returned", 1: "Root targets returns" },
          });
          const fl = flags(
            f,
            "smb.dfs.referral.flags",
            "Flags",
            2,
            [
              {
                name: "smb.dfs.referral.flags.name_list_referral",
                label: "NameListReferral",
                mask: 0x2,
                t: "A domain/DC referral response",
                f: "NOT a domain/DC referral response",
              },
              {
                name: "smb.dfs.referral.flags.target_set_boundary",
                label: "TargetSetBoundary",
                mask: 0x4,
                t: "The first target in the target set",
                f: "NOT the first target in the target set",
              },
            ],
            { summary: true },
          );
          if (ver < 3) return;
          f.uint("smb.dfs.referral.ttl", "TTL", 4);
          if (fl & 2) {
            const dOff = f.uint("smb.dfs.referral.domain_offset", "Domain Offset", 2);
            f.uint("smb.dfs.referral.number_of_expnames", "Number of Expanded Names", 2);
            f.uint("smb.dfs.referral.expnames_offset", "Expanded Names Offset", 2);
            const at = start + dOff;
            const s = readUtf16z(f, at);
            if (!f.light && s)
              f.add(
                node("smb.dfs.referral.domain_name", `Domain Name: ${s.text}`, s.text, s.text, at, s.len),
              );
          }
        },
        size || undefined,
      );
      f.c.seek(start + (size || 8));
    }
  });
  f.c.seek(base + len);
};

function readUtf16z(f: Fields, at: number): { text: string; len: number } | undefined {
  let e = at;
  while (f.c.has(2, e) && f.c.buf.readUInt16LE(e) !== 0) e += 2;
  if (!f.c.has(0, e)) return undefined;
  return { text: f.c.buf.subarray(at, e).toString("utf16le"), len: e - at + 2 };
}

function bool8(f: Fields, name: string, label: string): void {
  const at = f.c.pos;
  const v = f.c.u8();
  if (!f.light)
    f.add(
      node(
        name,
        `${bitPattern(v, 0xff, 8)} = ${label}: ${v ? "True" : "False"}`,
        v ? "1" : "0",
        v ? 1 : 0,
        at,
        1,
      ),
    );
}

function range(f: Fields): void {
  f.tree(
    "smbcmp.smb2.fsctl.range",
    "Range",
    () => {
      f.u64("smb2.fsctl.range_offset", "File Offset");
      f.u64("smb2.fsctl.range_length", "Length");
    },
    16,
  );
}

function resumeKey(f: Fields): void {
  const at = f.c.pos;
  const b = f.c.bytes(24);
  if (!f.light) {
    const n = node("smb2.fsctl.cchunk.resume_key", "ResumeKey: Opaque Data", "", "", at, 24);
    n.show = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
    n.value = b.toString("hex");
    f.add(n);
  }
}

const copychunk: Decoder = (f, _len, dir) => {
  if (dir === "in") {
    resumeKey(f);
    const count = f.uint("smb2.fsctl.cchunk.count", "Chunk Count", 4);
    reserved(f, 4);
    for (let i = 0; i < count && f.c.remaining >= 24; i++)
      f.tree(
        "smbcmp.smb2.fsctl.cchunk",
        "Chunk",
        () => {
          f.u64("smb2.fsctl.cchunk.src_offset", "Source Offset");
          f.u64("smb2.fsctl.cchunk.dst_offset", "Target Offset");
          f.uint("smb2.fsctl.cchunk.xfer_len", "Transfer Length", 4);
          reserved(f, 4);
        },
        24,
      );
  } else {
    f.uint("smb2.fsctl.cchunk.chunks_written", "Chunks Written", 4);
    f.uint("smb2.fsctl.cchunk.bytes_written", "Chunk Bytes Written", 4);
    f.uint("smb2.fsctl.cchunk.total_written", "Total Bytes Written", 4);
  }
};

const REPARSE_TAGS: Readonly<Record<number, string>> = {
  2684354572: "IO_REPARSE_TAG_SYMLINK",
  2684354563: "IO_REPARSE_TAG_MOUNT_POINT",
  2147483668: "IO_REPARSE_TAG_NFS",
  2147483683: "IO_REPARSE_TAG_AF_UNIX",
  2147483684: "IO_REPARSE_TAG_LX_FIFO",
  2147483685: "IO_REPARSE_TAG_LX_CHR",
  2147483686: "IO_REPARSE_TAG_LX_BLK",
  2684354589: "IO_REPARSE_TAG_LX_SYMLINK",
  2147483675: "IO_REPARSE_TAG_APPEXECLINK",
  2415919130: "IO_REPARSE_TAG_CLOUD",
  2147483671: "IO_REPARSE_TAG_WOF",
  2147483667: "IO_REPARSE_TAG_DEDUP",
};

/** REPARSE_DATA_BUFFER (MS-FSCC 2.1.2); symbolic links decoded, other tags raw. */
function reparseBuffer(f: Fields, len: number): void {
  f.tree(
    "smb2.reparse_data_buffer",
    "Reparse Data Buffer",
    () => {
      const tag = f.uint("smb2.reparse_tag", "Reparse Tag", 4, { base: "hex", vals: REPARSE_TAGS });
      const dlen = f.uint("smb2.reparse_data_length", "Reparse Data Length", 2);
      reserved(f, 2);
      const body = f.c.pos;
      if (tag === 0xa000000c && dlen >= 12) {
        const subOff = f.uint("smbcmp.smb2.symlink.substitute_name.offset", "Substitute Name Offset", 2);
        const subLen = f.uint("smbcmp.smb2.symlink.substitute_name.length", "Substitute Name Length", 2);
        const prOff = f.uint("smbcmp.smb2.symlink.print_name.offset", "Print Name Offset", 2);
        const prLen = f.uint("smbcmp.smb2.symlink.print_name.length", "Print Name Length", 2);
        f.uint("smb2.symlink.flags", "Flags", 4);
        const names = f.c.pos;
        f.c.seek(names + subOff);
        f.utf16("smb2.symlink.substitute_name", "Substitute Name", subLen);
        f.c.seek(names + prOff);
        f.utf16("smb2.symlink.print_name", "Print Name", prLen);
        f.c.seek(body + dlen);
      } else if (!(tag & 0x80000000)) {
        f.opaque("smb2.reparse_guid", "Reparse GUID", 16);
        if (dlen) f.bytes("smb2.unknown", "Unknown", Math.min(dlen, f.c.remaining));
      } else if (dlen) f.bytes("smb2.unknown", "Unknown", Math.min(dlen, f.c.remaining));
    },
    len,
  );
}

const COMPRESSION = {
  0: "COMPRESSION_FORMAT_NONE",
  1: "COMPRESSION_FORMAT_DEFAULT",
  2: "COMPRESSION_FORMAT_LZNT1",
};

const none: Decoder = () => undefined;

/** Per code: decoder for each direction (`null` = Wireshark shows nothing, absent = raw). */
const DECODERS: Readonly<Record<number, Partial<Record<Dir, Decoder | null>>>> = {
  /* 0x00140204 */ 1311236: { in: validateNegotiate, out: validateNegotiate },
  /* 0x001401fc */ 1311228: { in: null, out: networkInterfaces },
  /* 0x00060194 */ 393620: { in: dfsReferrals, out: dfsReferrals },
  /* 0x0011c017 */ 1163287: { in: null, out: null },
  /* 0x00110018 */ 1114136: {
    in: (f) => {
      i64(f, "smb2.fsctl.wait.timeout", "Timeout");
      const n = f.c.u32();
      f.c.skip(2);
      f.utf16("smb2.fsctl.wait.name", "Name", Math.min(n, f.c.remaining));
    },
    out: null,
  },
  /* 0x00140078 */ 1310840: {
    in: null,
    out: (f) => {
      resumeKey(f);
      reserved(f, 4);
    },
  },
  /* 0x001440f2 */ 1327346: { in: copychunk, out: copychunk },
  /* 0x001480f2 */ 1343730: { in: copychunk, out: copychunk },
  /* 0x000900a8 */ 589992: { in: null, out: (f, len) => reparseBuffer(f, len) },
  /* 0x000900a4 */ 589988: { in: (f, len) => reparseBuffer(f, len), out: null },
  /* 0x000900c4 */ 590020: { in: (f) => bool8(f, "smb2.fsctl.set_sparse", "SetSparse"), out: null },
  /* 0x000980c8 */ 622792: { in: range, out: null },
  /* 0x000940cf */ 606415: {
    in: range,
    out: (f, len) => {
      for (let i = 0; i + 16 <= len; i += 16) range(f);
    },
  },
  /* 0x00144064 */ 1327204: {
    in: null,
    out: (f) => {
      f.uint("smb2.ioctl.enumerate_snapshots.num_snapshots", "Number of snapshots", 4);
      const n = f.uint(
        "smb2.ioctl.enumerate_snapshots.num_snapshots_returned",
        "Number of snapshots returned",
        4,
      );
      f.uint("smb2.ioctl.enumerate_snapshots.array_size", "Array size", 4);
      for (let i = 0; i < n && f.c.remaining >= 2; i++) {
        const s = readUtf16z(f, f.c.pos);
        if (!s) break;
        if (!f.light)
          f.add(
            node(
              "smb2.ioctl.enumerate_snapshots.snapshot",
              `Snapshot: ${s.text}`,
              s.text,
              s.text,
              f.c.pos,
              s.len,
            ),
          );
        f.c.seek(f.c.pos + s.len);
      }
    },
  },
  /* 0x001401d4 */ 1311188: {
    in: (f) => {
      f.uint("smb2.ioctl.resiliency.timeout", "Timeout", 4);
      f.uint("smb2.ioctl.resiliency.reserved", "Reserved", 4);
    },
    out: null,
  },
  /* 0x00094264 */ 606820: {
    in: (f) => {
      f.uint("smb2.fsctl.odx.size", "Size", 4);
      f.uint("smb2.fsctl.odx.flags", "Flags", 4, { base: "hex" });
      f.uint("smb2.fsctl.odx.token_ttl", "TokenTimeToLive", 4);
      reserved(f, 4);
      f.u64("smb2.fsctl.odx.file_offset", "FileOffset");
      f.u64("smb2.fsctl.odx.copy_length", "CopyLength");
    },
    out: (f) => {
      f.uint("smb2.fsctl.odx.size", "Size", 4);
      f.uint("smb2.fsctl.odx.flags", "Flags", 4, { base: "hex" });
      f.u64("smb2.fsctl.odx.xfer_length", "TransferLength");
      odxToken(f);
    },
  },
  /* 0x00098268 */ 623208: {
    in: (f) => {
      f.uint("smb2.fsctl.odx.size", "Size", 4);
      f.uint("smb2.fsctl.odx.flags", "Flags", 4, { base: "hex" });
      f.u64("smb2.fsctl.odx.file_offset", "FileOffset");
      f.u64("smb2.fsctl.odx.copy_length", "CopyLength");
      f.u64("smb2.fsctl.odx.token_offset", "TokenOffset");
      odxToken(f);
    },
    out: (f) => {
      f.uint("smb2.fsctl.odx.size", "Size", 4);
      f.uint("smb2.fsctl.odx.flags", "Flags", 4, { base: "hex" });
      f.u64("smb2.fsctl.odx.xfer_length", "TransferLength");
    },
  },
  /* 0x0009c280 */ 639616: {
    in: (f) => {
      f.uint("smb2.checksum_algorithm", "Checksum Algorithm", 2, {
        base: "hex",
        vals: { 0: "None", 2: "CRC64", 65535: "Unchanged" },
      });
      f.uint("smb2.integrity_reserved", "Reserved", 2);
      flags(
        f,
        "smb2.integrity_flags",
        "Flags",
        4,
        [
          {
            name: "smb2.integrity_flags_enforcement",
            label: "FSCTL_INTEGRITY_FLAG_CHECKSUM_ENFORCEMENT_OFF",
            mask: 0x1,
          },
        ],
        { summary: true },
      );
    },
    out: null,
  },
  /* 0x0009009c */ 589980: { in: null, out: (f) => objectIdBuffer(f) },
  /* 0x000900c0 */ 590016: { in: null, out: (f) => objectIdBuffer(f) },
  /* 0x00090300 */ 590592: {
    in: null,
    out: (f) => {
      f.uint("smb2.ioctl.shared_virtual_disk.support", "SharedVirtualDiskSupport", 4, {
        base: "hex",
        vals: { 0: "SharedVirtualDisksUnsupported", 1: "SharedVirtualDisksSupported" },
      });
      f.uint("smb2.ioctl.shared_virtual_disk.handle_state", "SharedVirtualDiskHandleState", 4, {
        base: "hex",
        vals: { 0: "HandleStateNone", 1: "HandleStateFileShared", 3: "HandleStateShared" },
      });
    },
  },
  /* 0x0009003c */ 589884: {
    in: null,
    out: (f) => void f.uint("smb2.compression_format", "Compression Format", 2, { vals: COMPRESSION }),
  },
  /* 0x0009c040 */ 639040: {
    in: (f) => void f.uint("smb2.compression_format", "Compression Format", 2, { vals: COMPRESSION }),
    out: null,
  },
};

/** STORAGE_OFFLOAD_TOKEN (MS-FSCC 2.3.79). */
function odxToken(f: Fields): void {
  f.uint("smb2.fsctl.odx.token.type", "TokenType", 4, { base: "hex" });
  reserved(f, 2);
  const n = f.uint("smb2.fsctl.odx.token.idlen", "TokenIdLength", 2);
  f.opaque("smb2.fsctl.odx.token.id", "TokenId", Math.min(n, f.c.remaining));
}

/** Decodes `len` bytes of FSCTL data at the cursor; unknown codes show `smb2.unknown` like Wireshark. */
export function fsctlData(f: Fields, code: number, dir: Dir, len: number): void {
  const d = DECODERS[code];
  const fn = d ? d[dir] : undefined;
  if (fn === null) return;
  if (!fn) {
    f.opaque("smb2.unknown", "Unknown", Math.min(len, f.c.remaining));
    return;
  }
  fn(f, len, dir);
}

export { hexN, none };
