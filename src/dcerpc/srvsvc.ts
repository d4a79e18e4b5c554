/**
 * Server Service (MS-SRVS) calls decoded from their NDR stubs: NetShareEnumAll, NetShareGetInfo and
 * NetSrvGetInfo, what `smbclient -L`, `net view` and Explorer's share browsing send. Trees and field
 * names as Wireshark's (its srvsvc IDL: `level` and `ctr` apart, not MS-SRVS's SHARE_ENUM_STRUCT).
 */
import type { BitSpec } from "../dissect/fields.js";
import { securityDescriptor } from "../dtyp/secdesc.js";
import { infoParam, type Ndr, type NdrInterface, type NdrOp, named, PLATFORMS, undecoded } from "./ndr.js";

const P = "srvsvc.srvsvc_";

export const SHARE_TYPES = new Map<number, string>([
  [0, "STYPE_DISKTREE"],
  [0x40000000, "STYPE_DISKTREE_TEMPORARY"],
  [0x80000000, "STYPE_DISKTREE_HIDDEN"],
  [1, "STYPE_PRINTQ"],
  [0x40000001, "STYPE_PRINTQ_TEMPORARY"],
  [0x80000001, "STYPE_PRINTQ_HIDDEN"],
  [2, "STYPE_DEVICE"],
  [0x40000002, "STYPE_DEVICE_TEMPORARY"],
  [0x80000002, "STYPE_DEVICE_HIDDEN"],
  [3, "STYPE_IPC"],
  [0x40000003, "STYPE_IPC_TEMPORARY"],
  [0x80000003, "STYPE_IPC_HIDDEN"],
]);

/** The server type bits (MS-SRVS 2.2.2.7), shown as Wireshark's browser protocol shows them. */
const SERVER_TYPE: readonly BitSpec[] = (
  [
    ["workstation", "Workstation", 0, "a Workstation"],
    ["server", "Server", 1, "a Server"],
    ["sql", "SQL", 2, "an SQL server"],
    ["domain_controller", "Domain Controller", 3, "a Domain Controller"],
    ["backup_controller", "Backup Controller", 4, "a Backup Controller"],
    ["time", "Time Source", 5, "a Time Source"],
    ["apple", "Apple", 6, "an Apple host"],
    ["novell", "Novell", 7, "a Novell server"],
    ["member", "Member", 8, "a Domain Member server"],
    ["print", "Print", 9, "a Print Queue server"],
    ["dialin", "Dialin", 10, "a Dialin server"],
    ["xenix", "Xenix", 11, "a Xenix server"],
    ["ntw", "NT Workstation", 12, "an NT Workstation"],
    ["wfw", "WfW", 13, "a WfW host"],
    ["nts", "NT Server", 15, "an NT Server"],
    ["browser.potential", "Potential Browser", 16, "a Potential Browser"],
    ["browser.backup", "Backup Browser", 17, "a Backup Browser"],
    ["browser.master", "Master Browser", 18, "a Master Browser"],
    ["browser.domain_master", "Domain Master Browser", 19, "a Domain Master Browser"],
    ["osf", "OSF", 20, "an OSF host"],
    ["vms", "VMS", 21, "a VMS host"],
    ["w95", "Windows 95+", 22, "a Windows 95 or above host"],
    ["dfs", "DFS", 23, "a DFS server"],
    ["local", "Local", 30, "a local list only request"],
    ["domainenum", "Domain Enum", 31, "a Domain Enum request"],
  ] as const
).map(([n, label, bit, what]) => ({
  name: `browser.server_type.${n}`,
  label,
  mask: 2 ** bit,
  t: `This is ${what}`,
  // Wireshark's text for a clear DFS bit has this capital H.
  f: n === "dfs" ? `THis is NOT ${what}` : `This is NOT ${what}`,
}));

/** A `[string] uint16 *member` of a structure. */
function strPtr(nd: Ndr, struct: string, member: string, label: string): void {
  nd.ptr(`${label} (uint16)`, true, () => nd.string(`${P}${struct}.${member}`, label));
}

/** A structure member: a 32-bit number (with value names) or a pointer to a string. */
type Member = readonly [
  kind: "u32" | "s32" | "str" | "sd" | "dfs",
  name: string,
  label: string,
  vals?: ReadonlyMap<number, string>,
];

const u = (name: string, label: string, vals?: ReadonlyMap<number, string>): Member => [
  "u32",
  name,
  label,
  vals,
];
const str = (name: string, label: string): Member => ["str", name, label];
const s32 = (name: string, label: string): Member => ["s32", name, label];

/** `srvsvc_DFSFlags` (MS-SRVS 2.2.4.29), as Wireshark lists them. */
const DFS_FLAGS = (
  [
    ["SHARE_1005_FLAGS_IN_DFS", 0x1],
    ["SHARE_1005_FLAGS_DFS_ROOT", 0x2],
    ["CSC_CACHE_AUTO_REINT", 0x10],
    ["CSC_CACHE_VDO", 0x20],
    ["FLAGS_RESTRICT_EXCLUSIVE_OPENS", 0x100],
    ["FLAGS_FORCE_SHARED_DELETE", 0x200],
    ["FLAGS_ALLOW_NAMESPACE_CACHING", 0x400],
    ["FLAGS_ACCESS_BASED_DIRECTORY_ENUM", 0x800],
  ] as const
).map(([c, m]) => [`${P}DFSFlags.${c}`, c, m] as const);

/** Reads the members of structure `struct` (`NetShareInfo1`), in its subtree or an array element's. */
function members(nd: Ndr, struct: string, list: readonly Member[]): void {
  for (const [kind, m, label, vals] of list) {
    const name = `${P}${struct}.${m}`;
    if (kind === "str") strPtr(nd, struct, m, label);
    else if (kind === "dfs") nd.bitmap(name, label, DFS_FLAGS, "words");
    else if (kind === "sd")
      nd.ptr(`${label} (security_descriptor)`, true, () => {
        // A byte array (its size first) holding a self-relative security descriptor.
        const n = nd.u32("srvsvc.sec_desc_buf_len", "Sec Desc Buf Len");
        nd.f.c.need(n);
        securityDescriptor(nd.f, n);
      });
    else if (kind === "s32") nd.s32(name, label);
    else nd.u32(name, label, vals ? { vals: named(vals) } : undefined);
  }
}

const SHARE_INFO: ReadonlyMap<number, readonly Member[]> = new Map([
  [0, [str("name", "Name")]],
  [1, [str("name", "Name"), u("type", "Type", SHARE_TYPES), str("comment", "Comment")]],
  [
    2,
    [
      str("name", "Name"),
      u("type", "Type", SHARE_TYPES),
      str("comment", "Comment"),
      u("permissions", "Permissions"),
      u("max_users", "Max Users"),
      u("current_users", "Current Users"),
      str("path", "Path"),
      str("password", "Password"),
    ],
  ],
  [
    501,
    [
      str("name", "Name"),
      u("type", "Type", SHARE_TYPES),
      str("comment", "Comment"),
      u("csc_policy", "Csc Policy"),
    ],
  ],
  [
    502,
    [
      str("name", "Name"),
      u("type", "Type", SHARE_TYPES),
      str("comment", "Comment"),
      u("permissions", "Permissions"),
      s32("max_users", "Max Users"),
      u("current_users", "Current Users"),
      str("path", "Path"),
      str("password", "Password"),
      // The security descriptor's size, then a pointer to it.
      u("unknown", "Unknown"),
      ["sd", "sd", "Sd"],
    ],
  ],
  [1005, [["dfs", "dfs_flags", "Dfs Flags"]]],
]);

const SESS_INFO: ReadonlyMap<number, readonly Member[]> = new Map([
  [0, [str("client", "Client")]],
  [
    1,
    [
      str("client", "Client"),
      str("user", "User"),
      u("num_open", "Num Open"),
      u("time", "Time"),
      u("idle_time", "Idle Time"),
      u("user_flags", "User Flags"),
    ],
  ],
  [10, [str("client", "Client"), str("user", "User"), u("time", "Time"), u("idle_time", "Idle Time")]],
]);

const CONN_INFO: ReadonlyMap<number, readonly Member[]> = new Map([
  [0, [u("conn_id", "Conn Id")]],
  [
    1,
    [
      u("conn_id", "Conn Id"),
      u("conn_type", "Conn Type"),
      u("num_open", "Num Open"),
      u("num_users", "Num Users"),
      u("conn_time", "Conn Time"),
      str("user", "User"),
      str("share", "Share"),
    ],
  ],
]);

const FILE_INFO: ReadonlyMap<number, readonly Member[]> = new Map([
  [2, [u("fid", "Fid")]],
  [
    3,
    [
      u("fid", "Fid"),
      u("permissions", "Permissions"),
      u("num_locks", "Num Locks"),
      str("path", "Path"),
      str("user", "User"),
    ],
  ],
]);

/**
 * `[switch_is(level)] srvsvc_NetXCtr` of enumeration `op` (`NetShareEnumAll`): a pointer to a count
 * and an array of `NetXInfoN` (`kind` is `Share`, `Sess`, `Conn`, `File`).
 */
function enumCtr(nd: Ndr, op: string, kind: string, infos: ReadonlyMap<number, readonly Member[]>): void {
  nd.group(`srvsvc_Net${kind}Ctr`, () => {
    const level = nd.discriminant(`${P}${op}.ctr`, "Ctr");
    const list = infos.get(level);
    if (!list) return undecoded(nd.f, `${kind} container level ${level}`);
    const ctr = `Net${kind}Ctr${level}`;
    nd.ptr(`Ctr${level} (srvsvc_${ctr})`, true, () =>
      nd.f.tree(`${P}Net${kind}Ctr.ctr${level}`, `Ctr${level}`, () => {
        nd.u32(`${P}${ctr}.count`, "Count");
        nd.ptr(`Array (srvsvc_Net${kind}Info${level})`, true, () =>
          nd.array(`${P}${ctr}.array`, "Array", () => members(nd, `Net${kind}Info${level}`, list)),
        );
      }),
    );
  });
}

/**
 * An enumeration (NetShareEnumAll, NetSessEnum, NetConnEnum, NetFileEnum): the server name, the
 * operation's own filters (`filters`: string pointers, `appended` naming its value as Wireshark's
 * does, in the pointer's line and in Info), the level and container, a buffer size and a resume
 * handle; the response has the level, the container, the total and the resume handle. Info shows
 * the level of the calls whose `levelInfo` is set (as Wireshark's does for some).
 */
function enumeration(
  name: string,
  kind: string,
  infos: ReadonlyMap<number, readonly Member[]>,
  filters: readonly (readonly [string, string, boolean])[] = [],
  levelInfo = false,
): NdrOp {
  const levelCtr = (nd: Ndr) => {
    nd.u32Ref(`${P}${name}.level`, "Level");
    nd.construct(() => nd.ptr(`Ctr (srvsvc_Net${kind}Ctr)`, false, () => enumCtr(nd, name, kind, infos)));
  };
  const resume = (nd: Ndr) =>
    nd.construct(() =>
      nd.ptr("Resume Handle (uint32)", true, () => nd.u32(`${P}${name}.resume_handle`, "Resume Handle")),
    );
  return {
    name,
    info: (t, response) =>
      (response
        ? ""
        : filters.map(([m, , appended]) => (appended ? infoParam(t, `${P}${name}.${m}`) : "")).join("")) +
      (levelInfo ? infoParam(t, `${P}${name}.level`, "Level") : ""),
    in: (nd) => {
      serverUnc(nd, name);
      for (const [m, label, appended] of filters)
        nd.construct(() =>
          nd.ptr(`${label} (uint16)`, true, () => nd.string(`${P}${name}.${m}`, label, appended)),
        );
      levelCtr(nd);
      nd.u32(`${P}${name}.max_buffer`, "Max Buffer");
      resume(nd);
    },
    out: (nd) => {
      levelCtr(nd);
      nd.u32Ref(`${P}${name}.totalentries`, "Totalentries");
      resume(nd);
    },
  };
}

/** `[switch_is(level)] srvsvc_NetShareInfo`: a pointer to one share's info. */
function shareInfoUnion(nd: Ndr): void {
  nd.group("srvsvc_NetShareInfo", () => {
    const level = nd.discriminant(`${P}NetShareGetInfo.info`, "Info");
    const list = SHARE_INFO.get(level);
    if (!list) return undecoded(nd.f, `share info level ${level}`);
    nd.ptr(`Info${level} (srvsvc_NetShareInfo${level})`, true, () =>
      nd.f.tree(`${P}NetShareInfo.info${level}`, `Info${level}`, () =>
        members(nd, `NetShareInfo${level}`, list),
      ),
    );
  });
}

/** `[switch_is(level)] srvsvc_NetSrvInfo` at levels 100, 101 and 102. */
function srvInfoUnion(nd: Ndr): void {
  nd.group("srvsvc_NetSrvInfo", () => {
    const level = nd.discriminant(`${P}NetSrvGetInfo.info`, "Info");
    if (level !== 100 && level !== 101 && level !== 102) undecoded(nd.f, `server info level ${level}`);
    const s = `NetSrvInfo${level}`;
    nd.ptr(`Info${level} (srvsvc_${s})`, true, () =>
      nd.f.tree(`${P}NetSrvInfo.info${level}`, `Info${level}`, () => {
        nd.u32(`${P}${s}.platform_id`, "Platform Id", { vals: named(PLATFORMS) });
        strPtr(nd, s, "server_name", "Server Name");
        if (level === 100) return;
        nd.u32(`${P}${s}.version_major`, "Version Major");
        nd.u32(`${P}${s}.version_minor`, "Version Minor");
        nd.align(4);
        nd.f.bitmask("browser.server_type", "Server Type", 4, SERVER_TYPE);
        strPtr(nd, s, "comment", "Comment");
        if (level === 101) return;
        for (const [m, label] of [
          ["users", "Users"],
          ["disc", "Disc"],
          ["hidden", "Hidden"],
          ["announce", "Announce"],
          ["anndelta", "Anndelta"],
          ["licenses", "Licenses"],
        ] as const)
          nd.u32(`${P}${s}.${m}`, label);
        strPtr(nd, s, "userpath", "Userpath");
      }),
    );
  });
}

/** A top-level `[unique, string] uint16 *server_unc`. */
function serverUnc(nd: Ndr, op: string): void {
  nd.construct(() => strPtr(nd, op, "server_unc", "Server Unc"));
}

/** NetRemoteTOD's `srvsvc_NetRemoteTODInfo` members (MS-SRVS 2.2.4.105). */
const TOD = [
  ["elapsed", "Elapsed"],
  ["msecs", "Msecs"],
  ["hours", "Hours"],
  ["mins", "Mins"],
  ["secs", "Secs"],
  ["hunds", "Hunds"],
  ["timezone", "Timezone"],
  ["tinterval", "Tinterval"],
  ["day", "Day"],
  ["month", "Month"],
  ["year", "Year"],
  ["weekday", "Weekday"],
] as const;

/** The Server Service (MS-SRVS), as Wireshark names it. */
export const SRVSVC: NdrInterface = {
  proto: "srvsvc",
  title: "Server Service",
  ops: {
    8: enumeration("NetConnEnum", "Conn", CONN_INFO, [["path", "Path", true]], true),
    9: enumeration(
      "NetFileEnum",
      "File",
      FILE_INFO,
      [
        ["path", "Path", false],
        ["user", "User", false],
      ],
      true,
    ),
    12: enumeration("NetSessEnum", "Sess", SESS_INFO, [
      ["client", "Client", false],
      ["user", "User", false],
    ]),
    15: enumeration("NetShareEnumAll", "Share", SHARE_INFO),
    16: {
      name: "NetShareGetInfo",
      in: (nd) => {
        const op = "NetShareGetInfo";
        serverUnc(nd, op);
        nd.string(`${P}${op}.share_name`, "Share Name");
        nd.u32(`${P}${op}.level`, "Level");
      },
      out: (nd) => nd.construct(() => nd.ptr("Info (srvsvc_NetShareInfo)", false, () => shareInfoUnion(nd))),
    },
    28: {
      name: "NetRemoteTOD",
      in: (nd) => serverUnc(nd, "NetRemoteTOD"),
      out: (nd) =>
        nd.construct(() =>
          nd.ptr("Info (srvsvc_NetRemoteTODInfo)", true, () =>
            nd.f.tree(`${P}NetRemoteTOD.info`, "Info", () => {
              for (const [m, label] of TOD)
                if (m === "timezone") {
                  // Minutes from UTC, signed.
                  nd.align(4);
                  const at = nd.f.c.pos;
                  const v = nd.f.c.u32() | 0;
                  nd.f.add({
                    name: `${P}NetRemoteTODInfo.timezone`,
                    label: `Timezone: ${v}`,
                    show: String(v),
                    value: v,
                    offset: at,
                    length: 4,
                  });
                } else nd.u32(`${P}NetRemoteTODInfo.${m}`, label);
            }),
          ),
        ),
    },
    21: {
      name: "NetSrvGetInfo",
      in: (nd) => {
        const op = "NetSrvGetInfo";
        serverUnc(nd, op);
        nd.u32(`${P}${op}.level`, "Level");
      },
      out: (nd) => nd.construct(() => nd.ptr("Info (srvsvc_NetSrvInfo)", false, () => srvInfoUnion(nd))),
    },
  },
};
