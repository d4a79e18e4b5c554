#!/usr/bin/python3
"""The LSA's later lookups over an SMB2.1 pipe, driven by impacket (python3-impacket), as Windows
clients and ACL editors make them: lsa_OpenPolicy, lsa_QueryInfoPolicy (primary and account domain;
Samba's smbd answers lsa_QueryInfoPolicy2 with a fault), lsa_LookupNames2 and lsa_LookupNames3 of the user and of a name that does not exist,
lsa_LookupSids2 of the user's SID and the domain's, lsa_Close.

usage: lsa_lookups.py HOST PORT USER PASSWORD SHARE
"""
import sys

from impacket.dcerpc.v5 import lsad, lsat
from smb2pipe import calls, login, pipe


def main():
    conn, host, port, user, _ = login()
    dce = pipe(conn, host, port, r"\lsarpc", lsat.MSRPC_UUID_LSAT)
    policy = lsad.hLsarOpenPolicy(dce, lsad.POLICY_LOOKUP_NAMES | lsad.POLICY_VIEW_LOCAL_INFORMATION)[
        "PolicyHandle"
    ]
    for cls in (
        lsad.POLICY_INFORMATION_CLASS.PolicyPrimaryDomainInformation,
        lsad.POLICY_INFORMATION_CLASS.PolicyAccountDomainInformation,
    ):
        lsad.hLsarQueryInformationPolicy(dce, policy, cls)
    info = lsad.hLsarQueryInformationPolicy(
        dce, policy, lsad.POLICY_INFORMATION_CLASS.PolicyAccountDomainInformation
    )["PolicyInformation"]["PolicyAccountDomainInfo"]
    domain_sid = info["DomainSid"].formatCanonical()
    calls([
        ("names2", lambda: lsat.hLsarLookupNames2(dce, policy, (user,))),
        ("names3", lambda: lsat.hLsarLookupNames3(dce, policy, (user,))),
        ("names3 missing", lambda: lsat.hLsarLookupNames3(dce, policy, ("no-such-user",))),
        ("sids2", lambda: lsat.hLsarLookupSids2(dce, policy, (domain_sid, domain_sid + "-1000"))),
    ])
    lsad.hLsarClose(dce, policy)
    dce.disconnect()
    conn.logoff()
    return 0


if __name__ == "__main__":
    sys.exit(main())
