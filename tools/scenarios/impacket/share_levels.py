#!/usr/bin/python3
"""A share's information at the levels Explorer's Properties and admin tools ask for, over an
SMB2.1 pipe, driven by impacket (python3-impacket): NetShareGetInfo at levels 501, 502 and 1005,
NetShareEnumAll at levels 501 and 502. Level 502 carries the share's security descriptor for an
admin user, NULL for others.

usage: share_levels.py HOST PORT USER PASSWORD SHARE
"""
import sys

from impacket.dcerpc.v5 import srvs, transport
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.smb3structs import SMB2_DIALECT_21
from impacket.smbconnection import SMBConnection


def main():
    host, port, user, password, share = sys.argv[1:6]
    conn = SMBConnection(host, host, sess_port=int(port), preferredDialect=SMB2_DIALECT_21)
    conn.login(user, password)
    t = transport.SMBTransport(host, int(port), filename=r"\srvsvc", smb_connection=conn)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(srvs.MSRPC_UUID_SRVS)
    calls = [(f"share {lvl}", lambda lvl=lvl: srvs.hNetrShareGetInfo(dce, share + "\x00", lvl)) for lvl in (501, 502, 1005)]
    calls += [(f"enum {lvl}", lambda lvl=lvl: srvs.hNetrShareEnum(dce, lvl)) for lvl in (501, 502)]
    for name, call in calls:
        try:
            call()
            print(name, "ok")
        except DCERPCException as e:
            print(name, "refused:", e)
    dce.disconnect()
    conn.logoff()
    return 0


if __name__ == "__main__":
    sys.exit(main())
