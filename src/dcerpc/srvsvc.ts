/**
 * Server Service (MS-SRVS) calls decoded from their NDR stubs: NetShareEnumAll, NetShareGetInfo and
 * NetSrvGetInfo, what `smbclient -L`, `net view` and Explorer's share browsing send. Trees and field
 * names as Wireshark's (its srvsvc IDL: `level` and `ctr` apart, not MS-SRVS's SHARE_ENUM_STRUCT).
 */
import type { BitSpec } from "../dissect/fields.js";
import { type Ndr, type NdrInterface, named, PLATFORMS, undecoded } from "./ndr.js";

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
    ["nts", "NT Server", 14, "an NT Server"],
    ["browser.potential", "Potential Browser", 15, "a Potential Browser"],
    ["browser.backup", "Backup Browser", 16, "a Backup Browser"],
    ["browser.master", "Master Browser", 17, "a Master Browser"],
    ["browser.domain_master", "Domain Master Browser", 18, "a Domain Master Browser"],
    ["osf", "OSF", 19, "an OSF host"],
    ["vms", "VMS", 20, "a VMS host"],
    ["w95", "Windows 95+", 21, "a Windows 95 or above host"],
    ["dfs", "DFS", 22, "a DFS server"],
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

/** NetShareInfo0/1/2 members, in a structure's or an array element's subtree. */
function shareInfo(nd: Ndr, level: number): void {
  const s = `NetShareInfo${level}`;
  strPtr(nd, s, "name", "Name");
  if (level === 0) return;
  nd.u32(`${P}${s}.type`, "Type", { vals: named(SHARE_TYPES) });
  strPtr(nd, s, "comment", "Comment");
  if (level === 1) return;
  nd.u32(`${P}${s}.permissions`, "Permissions");
  nd.u32(`${P}${s}.max_users`, "Max Users");
  nd.u32(`${P}${s}.current_users`, "Current Users");
  strPtr(nd, s, "path", "Path");
  strPtr(nd, s, "password", "Password");
}

const SHARE_LEVELS = new Set([0, 1, 2]);

/** `[switch_is(level)] srvsvc_NetShareCtr`: a pointer to a count and an array of share infos. */
function shareCtr(nd: Ndr, op: string): void {
  nd.group("srvsvc_NetShareCtr", () => {
    const level = nd.discriminant(`${P}${op}.ctr`, "Ctr");
    if (!SHARE_LEVELS.has(level)) undecoded(nd.f, `share container level ${level}`);
    const ctr = `NetShareCtr${level}`;
    nd.ptr(`Ctr${level} (srvsvc_${ctr})`, true, () =>
      nd.f.tree(`${P}NetShareCtr.ctr${level}`, `Ctr${level}`, () => {
        nd.u32(`${P}${ctr}.count`, "Count");
        nd.ptr(`Array (srvsvc_NetShareInfo${level})`, true, () =>
          nd.array(`${P}${ctr}.array`, "Array", () => shareInfo(nd, level)),
        );
      }),
    );
  });
}

/** `[switch_is(level)] srvsvc_NetShareInfo`: a pointer to one share's info. */
function shareInfoUnion(nd: Ndr): void {
  nd.group("srvsvc_NetShareInfo", () => {
    const level = nd.discriminant(`${P}NetShareGetInfo.info`, "Info");
    if (!SHARE_LEVELS.has(level)) undecoded(nd.f, `share info level ${level}`);
    nd.ptr(`Info${level} (srvsvc_NetShareInfo${level})`, true, () =>
      nd.f.tree(`${P}NetShareInfo.info${level}`, `Info${level}`, () => shareInfo(nd, level)),
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

/** The Server Service (MS-SRVS), as Wireshark names it. */
export const SRVSVC: NdrInterface = {
  proto: "srvsvc",
  title: "Server Service",
  ops: {
    15: {
      name: "NetShareEnumAll",
      in: (nd) => {
        const op = "NetShareEnumAll";
        serverUnc(nd, op);
        nd.u32Ref(`${P}${op}.level`, "Level");
        nd.construct(() => nd.ptr("Ctr (srvsvc_NetShareCtr)", false, () => shareCtr(nd, op)));
        nd.u32(`${P}${op}.max_buffer`, "Max Buffer");
        nd.construct(() =>
          nd.ptr("Resume Handle (uint32)", true, () => nd.u32(`${P}${op}.resume_handle`, "Resume Handle")),
        );
      },
      out: (nd) => {
        const op = "NetShareEnumAll";
        nd.u32Ref(`${P}${op}.level`, "Level");
        nd.construct(() => nd.ptr("Ctr (srvsvc_NetShareCtr)", false, () => shareCtr(nd, op)));
        nd.u32Ref(`${P}${op}.totalentries`, "Totalentries");
        nd.construct(() =>
          nd.ptr("Resume Handle (uint32)", true, () => nd.u32(`${P}${op}.resume_handle`, "Resume Handle")),
        );
      },
    },
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
