/**
 * Security Account Manager (MS-SAMR) calls decoded from their NDR stubs: Connect5, EnumDomains,
 * LookupDomain, OpenDomain, EnumDomainUsers and Close, what `net rpc user`, winbind and domain
 * joins start with. Trees and field names as Wireshark's samr (its lsa_String handled by hand).
 */
import { parseSid, type Sid, sidDisplay } from "../dtyp/sid.js";
import { domSid2 } from "./lsarpc.js";
import { type AccessBit, constantLabel, infoParam, type Ndr, type NdrInterface, named } from "./ndr.js";

const P = "samr.samr_";

/** Labels of specific rights as Wireshark's samr shows them: `SAMR_ACCESS_LOOKUP_DOMAIN`, "Samr Access Lookup Domain". */
function rights(type: string, names: readonly [string, number][]): readonly AccessBit[] {
  return names.map(([c, mask]) => [
    `${P}${type}.${c}`,
    constantLabel(c),
    mask,
    `${c} is SET`,
    `${c} is NOT SET`,
  ]);
}

const CONNECT_RIGHTS = rights("ConnectAccessMask", [
  ["SAMR_ACCESS_LOOKUP_DOMAIN", 0x20],
  ["SAMR_ACCESS_ENUM_DOMAINS", 0x10],
  ["SAMR_ACCESS_CREATE_DOMAIN", 0x08],
  ["SAMR_ACCESS_INITIALIZE_SERVER", 0x04],
  ["SAMR_ACCESS_SHUTDOWN_SERVER", 0x02],
  ["SAMR_ACCESS_CONNECT_TO_SERVER", 0x01],
]);

const DOMAIN_RIGHTS = rights(
  "DomainAccessMask",
  [
    "LOOKUP_INFO_1",
    "SET_INFO_1",
    "LOOKUP_INFO_2",
    "SET_INFO_2",
    "CREATE_USER",
    "CREATE_GROUP",
    "CREATE_ALIAS",
    "LOOKUP_ALIAS",
    "ENUM_ACCOUNTS",
    "OPEN_ACCOUNT",
    "SET_INFO_3",
  ].map((r, i) => [`SAMR_DOMAIN_ACCESS_${r}`, 1 << i]),
);

/** `samr_AcctFlags` (MS-SAMR 2.2.1.12). */
const ACCT_FLAGS = [
  "DISABLED",
  "HOMDIRREQ",
  "PWNOTREQ",
  "TEMPDUP",
  "NORMAL",
  "MNS",
  "DOMTRUST",
  "WSTRUST",
  "SVRTRUST",
  "PWNOEXP",
  "AUTOLOCK",
  "ENC_TXT_PWD_ALLOWED",
  "SMARTCARD_REQUIRED",
  "TRUSTED_FOR_DELEGATION",
  "NOT_DELEGATED",
  "USE_DES_KEY_ONLY",
  "DONT_REQUIRE_PREAUTH",
  "PW_EXPIRED",
  "TRUST_AUTH_DELEGAT",
  "NO_AUTH_DATA_REQD",
].map((f, i) => [`${P}AcctFlags.ACB_${f}`, `ACB_${f}`, 2 ** i] as const);

const CLIENT_VERSIONS = new Map([
  [1, "SAMR_CONNECT_PRE_W2K"],
  [2, "SAMR_CONNECT_W2K"],
  [3, "SAMR_CONNECT_AFTER_W2K"],
]);

/** `[in,out,ref,switch_is(level)] samr_ConnectInfo *info` at level 1. */
function connectInfo(nd: Ndr, member: string, label: string): void {
  nd.construct(() =>
    nd.ptr(`${label} (samr_ConnectInfo)`, false, () =>
      nd.group("samr_ConnectInfo", () => {
        const level = nd.discriminant(`${P}Connect5.${member}`, label);
        if (level !== 1) return nd.stop(`connect info level ${level}`);
        nd.f.tree(`${P}ConnectInfo.info1`, "Info1", () => {
          nd.u32(`${P}ConnectInfo1.client_version`, "Client Version", {
            vals: named(CLIENT_VERSIONS),
          });
          nd.u32(`${P}ConnectInfo1.unknown2`, "Unknown2");
        });
      }),
    ),
  );
}

/** `[out,ref] samr_SamArray **sam`: the names and RIDs (or indexes) enumerated. */
function samArray(nd: Ndr, op: string): void {
  nd.construct(() =>
    nd.ptr("Sam (samr_SamArray)", false, () =>
      nd.ptr("Sam (samr_SamArray)", true, () =>
        nd.f.tree(`${P}${op}.sam`, "Sam", () => {
          nd.u32(`${P}SamArray.count`, "Count");
          nd.ptr("Entries (samr_SamEntry)", true, () =>
            nd.array(`${P}SamArray.entries`, "Entries", () => {
              nd.u32(`${P}SamEntry.idx`, "Idx");
              nd.countedString("dcerpc.lsa_String", `${P}SamEntry.name`, "Name", false);
            }),
          );
        }),
      ),
    ),
  );
}

/** An enumeration's response: where to resume, the entries, and how many. */
function enumerated(nd: Ndr, op: string): void {
  nd.u32Ref(`${P}${op}.resume_handle`, "Resume Handle");
  samArray(nd, op);
  nd.u32Ref(`${P}${op}.num_entries`, "Num Entries");
}

/** The SID of OpenDomain's request (after its handle and access mask), to name the handle it opens. */
function requestSid(stub: Buffer): string | undefined {
  if (stub.length < 24 + 4 + 8) return undefined;
  const n = stub.readUInt32LE(24);
  if (stub[29] !== n || stub.length < 28 + 8 + 4 * n) return undefined;
  const s: Sid = parseSid(stub.subarray(28, 28 + 8 + 4 * n));
  return sidDisplay(s);
}

/** The Security Account Manager, as Wireshark names it. */
export const SAMR: NdrInterface = {
  proto: "samr",
  title: "SAMR (pidl)",
  ntstatus: true,
  ops: {
    1: {
      name: "Close",
      handle: { kind: "closes" },
      in: (nd) => nd.handleParam("Handle", "samr.handle", "Handle"),
      out: (nd) => nd.handleParam("Handle", "samr.handle", "Handle"),
    },
    5: {
      name: "LookupDomain",
      info: (t, response) => (response ? "" : infoParam(t, `${P}LookupDomain.domain_name`)),
      in: (nd) => {
        nd.handleParam("Connect Handle", "samr.connect_handle", "Connect Handle");
        nd.construct(() =>
          nd.ptr("Domain Name (lsa_String)", false, () =>
            nd.countedString("dcerpc.lsa_String", `${P}LookupDomain.domain_name`, "Domain Name", true),
          ),
        );
      },
      out: (nd) =>
        nd.construct(() =>
          nd.ptr("Sid (dom_sid2)", false, () => nd.ptr("Sid (dom_sid2)", true, () => domSid2(nd))),
        ),
    },
    6: {
      name: "EnumDomains",
      in: (nd) => {
        nd.handleParam("Connect Handle", `${P}EnumDomains.connect_handle`, "Connect Handle");
        nd.u32Ref(`${P}EnumDomains.resume_handle`, "Resume Handle");
        nd.u32(`${P}EnumDomains.buf_size`, "Buf Size");
      },
      out: (nd) => enumerated(nd, "EnumDomains"),
    },
    7: {
      name: "OpenDomain",
      handle: { kind: "opens", named: requestSid },
      in: (nd) => {
        nd.handleParam("Connect Handle", "samr.connect_handle", "Connect Handle");
        nd.accessMask("samr.domain.access_mask", "SAMR Domain", DOMAIN_RIGHTS);
        nd.construct(() => nd.ptr("Sid (dom_sid2)", false, () => domSid2(nd)));
      },
      out: (nd) => nd.handleParam("Domain Handle", "samr.domain_handle", "Domain Handle"),
    },
    13: {
      name: "EnumDomainUsers",
      in: (nd) => {
        nd.handleParam("Domain Handle", "samr.domain_handle", "Domain Handle");
        nd.u32Ref(`${P}EnumDomainUsers.resume_handle`, "Resume Handle");
        nd.bitmap(`${P}EnumDomainUsers.acct_flags`, "Acct Flags", ACCT_FLAGS);
        nd.u32(`${P}EnumDomainUsers.max_size`, "Max Size");
      },
      out: (nd) => enumerated(nd, "EnumDomainUsers"),
    },
    64: {
      name: "Connect5",
      // Level 1 out: the level (4), the union's discriminant (4) and ConnectInfo1 (8), then the handle.
      handle: { kind: "opens", at: (stub) => (stub.length >= 4 && stub.readUInt32LE(0) === 1 ? 16 : -1) },
      in: (nd) => {
        nd.construct(() =>
          nd.ptr("System Name (uint16)", true, () =>
            nd.string(`${P}Connect5.system_name`, "System Name", true),
          ),
        );
        nd.accessMask("samr.connect.access_mask", "SAMR Connect", CONNECT_RIGHTS);
        nd.u32(`${P}Connect5.level_in`, "Level In");
        connectInfo(nd, "info_in", "Info In");
      },
      out: (nd) => {
        nd.u32Ref(`${P}Connect5.level_out`, "Level Out");
        connectInfo(nd, "info_out", "Info Out");
        nd.handleParam("Connect Handle", "samr.connect_handle", "Connect Handle");
      },
    },
  },
};
