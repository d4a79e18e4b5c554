/**
 * Local Security Authority (MS-LSAD, MS-LSAT) calls decoded from their NDR stubs: lsa_OpenPolicy2,
 * lsa_Close, lsa_GetUserName and lsa_LookupNames, what clients and winbind use to open the policy
 * and map names to SIDs. Trees and field names as Wireshark's lsarpc.
 */
import { sid } from "../dtyp/sid.js";
import { type AccessBit, type Ndr, type NdrInterface, type NdrOp, named } from "./ndr.js";

const P = "lsarpc.lsa_";

/** An `lsa_String` (lengths in bytes, then a pointer to the characters) as subtree `name`. */
function lsaString(nd: Ndr, name: string, label: string, large = false): void {
  const t = large ? "lsa_StringLarge" : "lsa_String";
  nd.align(4);
  nd.f.tree(name, label, () => {
    nd.u16(`lsarpc.${t}.length`, "Length");
    nd.u16(`lsarpc.${t}.size`, "Size");
    nd.ptr("String (uint16)", true, () => nd.string("lsarpc.lsa.string", "String", true));
  });
}

/** A top-level `[unique, string] uint16 *system_name`. */
function systemName(nd: Ndr, op: string): void {
  nd.construct(() =>
    nd.ptr("System Name (uint16)", true, () => nd.string(`${P}${op}.system_name`, "System Name", true)),
  );
}

/** LSA policy access rights (MS-LSAD 2.2.1.1.2), high bit first as Wireshark lists them. */
const POLICY_RIGHTS: readonly AccessBit[] = [
  "NOTIFICATION",
  "LOOKUP_NAMES",
  "SERVER_ADMIN",
  "AUDIT_LOG_ADMIN",
  "SET_AUDIT_REQUIREMENTS",
  "SET_DEFAULT_QUOTA_LIMITS",
  "CREATE_PRIVILEGE",
  "CREATE_SECRET",
  "CREATE_ACCOUNT",
  "TRUST_ADMIN",
  "GET_PRIVATE_INFORMATION",
  "VIEW_AUDIT_INFORMATION",
  "VIEW_LOCAL_INFORMATION",
].map((r, i) => {
  const c = `LSA_POLICY_${r}`;
  return [
    `lsarpc.lsa_PolicyAccessMask.${c}`,
    c.replaceAll("_", " "),
    0x1000 >>> i,
    `${c} is SET`,
    `${c} is NOT SET`,
  ];
});

const IMPERSONATION = new Map([
  [0, "LSA_SECURITY_ANONYMOUS"],
  [1, "LSA_SECURITY_IDENTIFICATION"],
  [2, "LSA_SECURITY_IMPERSONATION"],
  [3, "LSA_SECURITY_DELEGATION"],
]);

/** `lsa_ObjectAttribute`, what lsa_OpenPolicy2 passes (all but the QoS are NULL in practice). */
function objectAttribute(nd: Ndr, op: string): void {
  const o = `${P}ObjectAttribute`;
  nd.f.tree(`${P}${op}.attr`, "Attr", () => {
    nd.u32(`${o}.len`, "Len");
    nd.ptr("Root Dir (uint8)", true, () => nd.u8(`${o}.root_dir`, "Root Dir"));
    nd.ptr("Object Name (uint16)", true, () => nd.string(`${o}.object_name`, "Object Name", true));
    nd.u32(`${o}.attributes`, "Attributes");
    nd.ptr("Sec Desc (security_descriptor)", true, () => undecodedSd(nd));
    nd.ptr("Sec Qos (lsa_QosInfo)", true, () =>
      nd.f.tree(`${o}.sec_qos`, "Sec Qos", () => {
        const q = `${P}QosInfo`;
        nd.u32(`${q}.len`, "Len");
        nd.u16(`${q}.impersonation_level`, "Impersonation Level", { vals: named(IMPERSONATION) });
        nd.u8(`${q}.context_mode`, "Context Mode");
        nd.u8(`${q}.effective_only`, "Effective Only");
      }),
    );
  });
}

function undecodedSd(nd: Ndr): never {
  return nd.stop("security descriptor");
}

const LOOKUP_LEVELS = new Map([
  [1, "LSA_LOOKUP_NAMES_ALL"],
  [2, "LSA_LOOKUP_NAMES_DOMAINS_ONLY"],
  [3, "LSA_LOOKUP_NAMES_PRIMARY_DOMAIN_ONLY"],
  [4, "LSA_LOOKUP_NAMES_UPLEVEL_TRUSTS_ONLY"],
  [5, "LSA_LOOKUP_NAMES_FOREST_TRUSTS_ONLY"],
  [6, "LSA_LOOKUP_NAMES_UPLEVEL_TRUSTS_ONLY2"],
  [7, "LSA_LOOKUP_NAMES_RODC_REFERRAL_TO_FULL_DC"],
]);

/** The Local Security Authority, as Wireshark names it. */
export const LSARPC: NdrInterface = {
  proto: "lsarpc",
  title: "Local Security Authority",
  ntstatus: true,
  ops: {
    0: {
      name: "lsa_Close",
      handle: { kind: "closes" },
      in: (nd) => nd.handleParam("Handle", `${P}Close.handle`),
      out: (nd) => nd.handleParam("Handle", `${P}Close.handle`),
    },
    44: {
      name: "lsa_OpenPolicy2",
      handle: { kind: "opens" },
      in: (nd) => {
        systemName(nd, "OpenPolicy2");
        nd.construct(() =>
          nd.ptr("Attr (lsa_ObjectAttribute)", false, () => objectAttribute(nd, "OpenPolicy2")),
        );
        nd.accessMask("lsarpc.policy.access_mask", "LSA Policy", POLICY_RIGHTS);
      },
      out: (nd) => nd.handleParam("Handle", `${P}OpenPolicy2.handle`),
    },
    6: {
      name: "lsa_OpenPolicy",
      handle: { kind: "opens" },
      in: (nd) => {
        // Its system name is a single character, not a string.
        nd.construct(() =>
          nd.ptr("System Name (uint16)", true, () => nd.u16(`${P}OpenPolicy.system_name`, "System Name")),
        );
        nd.construct(() =>
          nd.ptr("Attr (lsa_ObjectAttribute)", false, () => objectAttribute(nd, "OpenPolicy")),
        );
        nd.accessMask("lsarpc.policy.access_mask", "LSA Policy", POLICY_RIGHTS);
      },
      out: (nd) => nd.handleParam("Handle", `${P}OpenPolicy.handle`),
    },
    14: lookupNames("LookupNames", ""),
    15: lookupSids("LookupSids", ""),
    57: lookupSids("LookupSids2", "2"),
    58: lookupNames("LookupNames2", "2"),
    68: lookupNames("LookupNames3", "3"),
    7: {
      name: "lsa_QueryInfoPolicy",
      in: (nd) => {
        nd.handleParam("Handle", `${P}QueryInfoPolicy.handle`);
        nd.u16(`${P}QueryInfoPolicy.level`, "Level", { vals: named(POLICY_INFO) });
      },
      out: (nd) =>
        nd.construct(() =>
          nd.ptr("Info (lsa_PolicyInformation)", true, () =>
            nd.group("lsa_PolicyInformation", () => {
              const level = nd.discriminant(`${P}QueryInfoPolicy.info`, "Info", 2);
              const arm = POLICY_ARMS.get(level);
              if (!arm) return nd.stop(`policy information level ${level}`);
              nd.f.tree(`${P}PolicyInformation.${arm[0]}`, arm[1], () => domainInfo(nd));
            }),
          ),
        ),
    },
    45: {
      name: "lsa_GetUserName",
      in: (nd) => {
        systemName(nd, "GetUserName");
        userNames(nd);
      },
      out: (nd) => userNames(nd),
    },
  },
};

const SID_TYPES = new Map([
  [0, "SID_NAME_USE_NONE"],
  [1, "SID_NAME_USER"],
  [2, "SID_NAME_DOM_GRP"],
  [3, "SID_NAME_DOMAIN"],
  [4, "SID_NAME_ALIAS"],
  [5, "SID_NAME_WKN_GRP"],
  [6, "SID_NAME_DELETED"],
  [7, "SID_NAME_INVALID"],
  [8, "SID_NAME_UNKNOWN"],
  [9, "SID_NAME_COMPUTER"],
  [10, "SID_NAME_LABEL"],
]);

/** `lsa_PolicyInfo` (MS-LSAD 2.2.4.1), the levels of lsa_QueryInfoPolicy. */
const POLICY_INFO = new Map([
  [1, "LSA_POLICY_INFO_AUDIT_LOG"],
  [2, "LSA_POLICY_INFO_AUDIT_EVENTS"],
  [3, "LSA_POLICY_INFO_DOMAIN"],
  [4, "LSA_POLICY_INFO_PD"],
  [5, "LSA_POLICY_INFO_ACCOUNT_DOMAIN"],
  [6, "LSA_POLICY_INFO_ROLE"],
  [7, "LSA_POLICY_INFO_REPLICA"],
  [8, "LSA_POLICY_INFO_QUOTA"],
  [9, "LSA_POLICY_INFO_MOD"],
  [10, "LSA_POLICY_INFO_AUDIT_FULL_SET"],
  [11, "LSA_POLICY_INFO_AUDIT_FULL_QUERY"],
  [12, "LSA_POLICY_INFO_DNS"],
  [13, "LSA_POLICY_INFO_DNS_INT"],
  [14, "LSA_POLICY_INFO_L_ACCOUNT_DOMAIN"],
]);
/** The `lsa_PolicyInformation` arms decoded: the domain's name and SID. */
const POLICY_ARMS = new Map<number, [string, string]>([
  [3, ["domain", "Domain"]],
  [5, ["account_domain", "Account Domain"]],
]);

/** An `lsa_DomainInfo`: the domain's name and a pointer to its SID. */
function domainInfo(nd: Ndr): void {
  lsaString(nd, `${P}DomainInfo.name`, "Name", true);
  nd.ptr("Sid (dom_sid2)", true, () => domSid2(nd));
}

/** The `[out,ref] lsa_RefDomainList **domains` of lsa_LookupNames and lsa_LookupSids. */
function refDomains(nd: Ndr, op: string): void {
  nd.construct(() =>
    nd.ptr("Domains (lsa_RefDomainList)", true, () =>
      nd.f.tree(`${P}${op}.domains`, "Domains", () => {
        nd.u32(`${P}RefDomainList.count`, "Count");
        nd.ptr("Domains (lsa_DomainInfo)", true, () =>
          nd.array(`${P}RefDomainList.domains`, "Domains", () => domainInfo(nd)),
        );
        nd.u32(`${P}RefDomainList.max_size`, "Max Size");
      }),
    ),
  );
}

/**
 * `[in,out,ref] lsa_Trans{kind}Array{v} *{kind}s` of lookup `op`: a count and a unique pointer to
 * the array of `lsa_Translated{kind}{v}`, each read by `element` (given its fields' prefix).
 */
function transArray(
  nd: Ndr,
  op: string,
  kind: "Name" | "Sid",
  v: string,
  element: (t: string) => void,
): void {
  const plural = `${kind}s`;
  const field = plural.toLowerCase();
  nd.construct(() =>
    nd.ptr(`${plural} (lsa_Trans${kind}Array${v})`, false, () =>
      nd.f.tree(`${P}${op}.${field}`, plural, () => {
        nd.u32(`${P}Trans${kind}Array${v}.count`, "Count");
        nd.ptr(`${plural} (lsa_Translated${kind}${v})`, true, () =>
          nd.array(`${P}Trans${kind}Array${v}.${field}`, plural, () => element(`${P}Translated${kind}${v}`)),
        );
      }),
    ),
  );
}

/** The names a lookup found, with their types (version 2 adds a field Samba and Wireshark call "unknown"). */
function transNames(nd: Ndr, op: string, v: string): void {
  transArray(nd, op, "Name", v, (t) => {
    nd.u16(`${t}.sid_type`, "Sid Type", { vals: named(SID_TYPES) });
    lsaString(nd, `${t}.name`, "Name");
    nd.u32(`${t}.sid_index`, "Sid Index");
    if (v) nd.u32(`${t}.unknown`, "Unknown");
  });
}

/** The accounts a lookup found, by RID (versions 1 and 2) or by SID (version 3), with their types. */
function transSids(nd: Ndr, op: string, v: string): void {
  transArray(nd, op, "Sid", v, (t) => {
    nd.u16(`${t}.sid_type`, "Sid Type", { vals: named(SID_TYPES) });
    if (v === "3") nd.ptr("Sid (dom_sid2)", true, () => domSid2(nd));
    else nd.u32(`${t}.rid`, "Rid");
    nd.u32(`${t}.sid_index`, "Sid Index");
    if (v) nd.u32(`${t}.unknown`, "Unknown");
  });
}

/** The two words lookups from version 2 on add after the count ("unknown" to Samba and Wireshark). */
function unknowns(nd: Ndr, op: string): void {
  nd.u32(`${P}${op}.unknown1`, "Unknown1");
  nd.u32(`${P}${op}.unknown2`, "Unknown2");
}

/** lsa_LookupNames, lsa_LookupNames2 (`v` "2") and lsa_LookupNames3 ("3"): names to SIDs. */
function lookupNames(op: string, v: string): NdrOp {
  return {
    name: `lsa_${op}`,
    in: (nd) => {
      nd.handleParam("Handle", `${P}${op}.handle`);
      const count = nd.u32(`${P}${op}.num_names`, "Num Names");
      // A conformant array parameter: no referent id, but a "Pointer to" line all the same.
      nd.construct(() =>
        nd.ptr("Names", false, () =>
          nd.f.tree("lsarpc.lookup.names", "Names", () => {
            if (nd.u32("dcerpc.array.max_count", "Max Count") !== count) nd.stop("names array");
            for (let i = 0; i < count; i++) lsaString(nd, `${P}LookupNames3.names`, "Names");
          }),
        ),
      );
      transSids(nd, op, v);
      nd.u16(`${P}${op}.level`, "Level", { vals: named(LOOKUP_LEVELS) });
      nd.u32Ref(`${P}${op}.count`, "Count");
      if (v) unknowns(nd, op);
    },
    out: (nd) => {
      refDomains(nd, op);
      transSids(nd, op, v);
      nd.u32Ref(`${P}${op}.count`, "Count");
    },
  };
}

/** lsa_LookupSids and lsa_LookupSids2 (`v` "2"): SIDs to names. */
function lookupSids(op: string, v: string): NdrOp {
  return {
    name: `lsa_${op}`,
    in: (nd) => {
      nd.handleParam("Handle", `${P}${op}.handle`);
      nd.construct(() =>
        nd.ptr("Sids (lsa_SidArray)", false, () =>
          nd.f.tree(`${P}${op}.sids`, "Sids", () => {
            nd.u32(`${P}SidArray.num_sids`, "Num Sids");
            nd.ptr("Sids (lsa_SidPtr)", true, () =>
              nd.array(`${P}SidArray.sids`, "Sids", () => nd.ptr("Sid (dom_sid2)", true, () => domSid2(nd))),
            );
          }),
        ),
      );
      transNames(nd, op, v);
      nd.u16(`${P}${op}.level`, "Level");
      nd.u32Ref(`${P}${op}.count`, "Count");
      if (v) unknowns(nd, op);
    },
    out: (nd) => {
      refDomains(nd, op);
      transNames(nd, op, v);
      nd.u32Ref(`${P}${op}.count`, "Count");
    },
  };
}

/** A `dom_sid2`: the SID's sub-authority count (its conformance), then the SID. */
export function domSid2(nd: Ndr): void {
  const n = nd.u32("dcerpc.nt.count", "Count");
  if (n !== nd.f.c.peekU8(nd.f.c.pos + 1)) nd.stop("SID");
  sid(nd.f, "Sid", "dcerpc.nt.domain_sid");
}

/** lsa_GetUserName's `[in,out,ref] lsa_String **account_name` and `lsa_StringPointer *authority_name`. */
function userNames(nd: Ndr): void {
  nd.construct(() =>
    nd.ptr("Account Name (lsa_String)", true, () =>
      lsaString(nd, `${P}GetUserName.account_name`, "Account Name"),
    ),
  );
  nd.construct(() =>
    nd.ptr("Authority Name (lsa_StringPointer)", true, () =>
      nd.f.tree(`${P}GetUserName.authority_name`, "Authority Name", () =>
        nd.ptr("String (lsa_String)", true, () => lsaString(nd, `${P}StringPointer.string`, "String")),
      ),
    ),
  );
}
