/**
 * Local Security Authority (MS-LSAD, MS-LSAT) calls decoded from their NDR stubs: lsa_OpenPolicy2,
 * lsa_Close, lsa_GetUserName and lsa_LookupNames, what clients and winbind use to open the policy
 * and map names to SIDs. Trees and field names as Wireshark's lsarpc.
 */
import { sid } from "../dtyp/sid.js";
import type { AccessBit, Ndr, NdrInterface } from "./ndr.js";

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

/** A top-level `[ref] policy_handle *handle`. */
function handle(nd: Ndr, op: string): void {
  nd.construct(() => nd.ptr("Handle (policy_handle)", false, () => nd.handle(`${P}${op}.handle`)));
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
function objectAttribute(nd: Ndr): void {
  const o = `${P}ObjectAttribute`;
  nd.f.tree(`${P}OpenPolicy2.attr`, "Attr", () => {
    nd.u32(`${o}.len`, "Len");
    nd.ptr("Root Dir (uint8)", true, () => nd.u8(`${o}.root_dir`, "Root Dir"));
    nd.ptr("Object Name (uint16)", true, () => nd.string(`${o}.object_name`, "Object Name", true));
    nd.u32(`${o}.attributes`, "Attributes");
    nd.ptr("Sec Desc (security_descriptor)", true, () => undecodedSd(nd));
    nd.ptr("Sec Qos (lsa_QosInfo)", true, () =>
      nd.f.tree(`${o}.sec_qos`, "Sec Qos", () => {
        const q = `${P}QosInfo`;
        nd.u32(`${q}.len`, "Len");
        nd.u16(`${q}.impersonation_level`, "Impersonation Level", { vals: (x) => IMPERSONATION.get(x) });
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
      in: (nd) => handle(nd, "Close"),
      out: (nd) => handle(nd, "Close"),
    },
    44: {
      name: "lsa_OpenPolicy2",
      handle: { kind: "opens" },
      in: (nd) => {
        systemName(nd, "OpenPolicy2");
        nd.construct(() => nd.ptr("Attr (lsa_ObjectAttribute)", false, () => objectAttribute(nd)));
        nd.accessMask("lsarpc.policy.access_mask", "LSA Policy", POLICY_RIGHTS);
      },
      out: (nd) => handle(nd, "OpenPolicy2"),
    },
    14: {
      name: "lsa_LookupNames",
      in: (nd) => {
        handle(nd, "LookupNames");
        const count = nd.u32(`${P}LookupNames.num_names`, "Num Names");
        // A conformant array parameter: no referent id, but a "Pointer to" line all the same.
        nd.construct(() =>
          nd.ptr("Names", false, () =>
            nd.f.tree("lsarpc.lookup.names", "Names", () => {
              if (nd.u32("dcerpc.array.max_count", "Max Count") !== count) nd.stop("names array");
              for (let i = 0; i < count; i++) lsaString(nd, `${P}LookupNames3.names`, "Names");
            }),
          ),
        );
        transSids(nd);
        nd.u16(`${P}LookupNames.level`, "Level", { vals: (x) => LOOKUP_LEVELS.get(x) });
        nd.u32Ref(`${P}LookupNames.count`, "Count");
      },
      out: (nd) => {
        refDomains(nd, "LookupNames");
        transSids(nd);
        nd.u32Ref(`${P}LookupNames.count`, "Count");
      },
    },
    7: {
      name: "lsa_QueryInfoPolicy",
      in: (nd) => {
        handle(nd, "QueryInfoPolicy");
        nd.u16(`${P}QueryInfoPolicy.level`, "Level", { vals: (x) => POLICY_INFO.get(x) });
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
    15: {
      name: "lsa_LookupSids",
      in: (nd) => {
        handle(nd, "LookupSids");
        nd.construct(() =>
          nd.ptr("Sids (lsa_SidArray)", false, () =>
            nd.f.tree(`${P}LookupSids.sids`, "Sids", () => {
              nd.u32(`${P}SidArray.num_sids`, "Num Sids");
              nd.ptr("Sids (lsa_SidPtr)", true, () =>
                nd.array(`${P}SidArray.sids`, "Sids", () =>
                  nd.ptr("Sid (dom_sid2)", true, () => domSid2(nd)),
                ),
              );
            }),
          ),
        );
        transNames(nd, "LookupSids");
        nd.u16(`${P}LookupSids.level`, "Level");
        nd.u32Ref(`${P}LookupSids.count`, "Count");
      },
      out: (nd) => {
        refDomains(nd, "LookupSids");
        transNames(nd, "LookupSids");
        nd.u32Ref(`${P}LookupSids.count`, "Count");
      },
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

/** lsa_LookupSids' `[in,out,ref] lsa_TransNameArray *names`: the names found, with their types. */
function transNames(nd: Ndr, op: string): void {
  nd.construct(() =>
    nd.ptr("Names (lsa_TransNameArray)", false, () =>
      nd.f.tree(`${P}${op}.names`, "Names", () => {
        nd.u32(`${P}TransNameArray.count`, "Count");
        nd.ptr("Names (lsa_TranslatedName)", true, () =>
          nd.array(`${P}TransNameArray.names`, "Names", () => {
            nd.u16(`${P}TranslatedName.sid_type`, "Sid Type", { vals: (x) => SID_TYPES.get(x) });
            lsaString(nd, `${P}TranslatedName.name`, "Name");
            nd.u32(`${P}TranslatedName.sid_index`, "Sid Index");
          }),
        );
      }),
    ),
  );
}

/** lsa_LookupNames' `[in,out,ref] lsa_TransSidArray *sids`: the RIDs found, with their types. */
function transSids(nd: Ndr): void {
  nd.construct(() =>
    nd.ptr("Sids (lsa_TransSidArray)", false, () =>
      nd.f.tree(`${P}LookupNames.sids`, "Sids", () => {
        nd.u32(`${P}TransSidArray.count`, "Count");
        nd.ptr("Sids (lsa_TranslatedSid)", true, () =>
          nd.array(`${P}TransSidArray.sids`, "Sids", () => {
            nd.u16(`${P}TranslatedSid.sid_type`, "Sid Type", { vals: (x) => SID_TYPES.get(x) });
            nd.u32(`${P}TranslatedSid.rid`, "Rid");
            nd.u32(`${P}TranslatedSid.sid_index`, "Sid Index");
          }),
        );
      }),
    ),
  );
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
