/**
 * Active Directory Setup (MS-DSSP) DsRoleGetPrimaryDomainInformation decoded from its NDR stub: a
 * machine's role, domain and forest, what a domain member and winbind ask. As Wireshark's dssetup.
 */
import { type Ndr, type NdrInterface, named } from "./ndr.js";

const P = "dssetup.dssetup_";

const LEVELS = new Map([
  [1, "DS_ROLE_BASIC_INFORMATION"],
  [2, "DS_ROLE_UPGRADE_STATUS"],
  [3, "DS_ROLE_OP_STATUS"],
]);

const ROLES = new Map([
  [0, "DS_ROLE_STANDALONE_WORKSTATION"],
  [1, "DS_ROLE_MEMBER_WORKSTATION"],
  [2, "DS_ROLE_STANDALONE_SERVER"],
  [3, "DS_ROLE_MEMBER_SERVER"],
  [4, "DS_ROLE_BACKUP_DC"],
  [5, "DS_ROLE_PRIMARY_DC"],
]);

const FLAGS = (
  [
    ["DS_ROLE_PRIMARY_DS_RUNNING", 0x1],
    ["DS_ROLE_PRIMARY_DS_MIXED_MODE", 0x2],
    ["DS_ROLE_UPGRADE_IN_PROGRESS", 0x4],
    ["DS_ROLE_PRIMARY_DOMAIN_GUID_PRESENT", 0x01000000],
  ] as const
).map(([c, m]) => [`${P}DsRoleFlags.${c}`, c, m] as const);

/** `dssetup_DsRolePrimaryDomInfoBasic`: role, flags, the domain's names and GUID. */
function basic(nd: Ndr): void {
  const s = `${P}DsRolePrimaryDomInfoBasic`;
  // A union's arm is aligned to the union's largest member: 4, not the role's 2.
  nd.align(4);
  nd.f.tree(`${P}DsRoleInfo.basic`, "Basic", () => {
    nd.u16(`${s}.role`, "Role", { vals: named(ROLES) });
    nd.bitmap(`${s}.flags`, "Flags", FLAGS, "upper");
    for (const [m, label] of [
      ["domain", "Domain"],
      ["dns_domain", "Dns Domain"],
      ["forest", "Forest"],
    ] as const)
      nd.ptr(`${label} (uint16)`, true, () => nd.string(`${s}.${m}`, label, true));
    nd.align(4);
    nd.f.guid(`${s}.domain_guid`, "Domain Guid");
  });
}

/** Active Directory Setup, as Wireshark names it. */
export const DSSETUP: NdrInterface = {
  proto: "dssetup",
  title: "Active Directory Setup",
  ops: {
    0: {
      name: "DsRoleGetPrimaryDomainInformation",
      in: (nd) => nd.u16(`${P}DsRoleGetPrimaryDomainInformation.level`, "Level", { vals: named(LEVELS) }),
      out: (nd) =>
        nd.construct(() =>
          nd.ptr("Info (dssetup_DsRoleInfo)", true, () =>
            nd.group("dssetup_DsRoleInfo", () => {
              const level = nd.discriminant(`${P}DsRoleGetPrimaryDomainInformation.info`, "Info", 2);
              if (level !== 1) return nd.stop(`role information level ${level}`);
              basic(nd);
            }),
          ),
        ),
    },
  },
};
