#!/usr/bin/python3
"""LSA and SAMR over SMB2.1 named pipes, driven by impacket (python3-impacket), as a domain member or
`net rpc` starts: on \\lsarpc lsa_OpenPolicy2, lsa_QueryInfoPolicy (account domain), lsa_LookupNames
and lsa_LookupSids of the user, lsa_GetUserName, lsa_Close; on \\samr Connect5, EnumDomains,
LookupDomain, OpenDomain, EnumDomainUsers and Close.

usage: lsa_samr.py HOST PORT USER PASSWORD SHARE
"""
import sys

from impacket.dcerpc.v5 import lsad, lsat, samr
from smb2pipe import login, pipe


def main():
    conn, host, port, user, _ = login()

    dce = pipe(conn, host, port, r"\lsarpc", lsat.MSRPC_UUID_LSAT)
    policy = lsad.hLsarOpenPolicy2(dce, lsad.POLICY_LOOKUP_NAMES | lsad.POLICY_VIEW_LOCAL_INFORMATION)[
        "PolicyHandle"
    ]
    info = lsad.hLsarQueryInformationPolicy(
        dce, policy, lsad.POLICY_INFORMATION_CLASS.PolicyAccountDomainInformation
    )["PolicyInformation"]["PolicyAccountDomainInfo"]
    domain_sid = info["DomainSid"].formatCanonical()
    print("account domain:", info["DomainName"], domain_sid)
    names = lsat.hLsarLookupNames(dce, policy, (user,))
    rid = names["TranslatedSids"]["Sids"][0]["RelativeId"]
    print("rid:", rid)
    sids = lsat.hLsarLookupSids(dce, policy, (f"{domain_sid}-{rid}",), lsat.LSAP_LOOKUP_LEVEL.LsapLookupWksta)
    print("name:", sids["TranslatedNames"]["Names"][0]["Name"])
    who = lsat.hLsarGetUserName(dce)
    print("user name:", who["UserName"])
    lsad.hLsarClose(dce, policy)
    dce.disconnect()

    dce = pipe(conn, host, port, r"\samr", samr.MSRPC_UUID_SAMR)
    server = samr.hSamrConnect5(dce, serverName=host + "\x00")["ServerHandle"]
    domains = samr.hSamrEnumerateDomainsInSamServer(dce, server)["Buffer"]["Buffer"]
    name = domains[0]["Name"]
    print("domains:", ", ".join(d["Name"] for d in domains))
    sid = samr.hSamrLookupDomainInSamServer(dce, server, name)["DomainId"]
    domain = samr.hSamrOpenDomain(dce, server, domainId=sid)["DomainHandle"]
    users = samr.hSamrEnumerateUsersInDomain(dce, domain)["Buffer"]["Buffer"]
    print("users:", ", ".join(u["Name"] for u in users))
    samr.hSamrCloseHandle(dce, domain)
    samr.hSamrCloseHandle(dce, server)
    dce.disconnect()
    conn.logoff()
    return 0


if __name__ == "__main__":
    sys.exit(main())
