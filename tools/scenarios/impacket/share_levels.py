#!/usr/bin/python3
"""A share's information at the levels Explorer's Properties and admin tools ask for, over an
SMB2.1 pipe, driven by impacket (python3-impacket): NetShareGetInfo at levels 501, 502 and 1005,
NetShareEnumAll at levels 501 and 502. Level 502 carries the share's security descriptor for an
admin user, NULL for others.

usage: share_levels.py HOST PORT USER PASSWORD SHARE
"""
import sys

from impacket.dcerpc.v5 import srvs
from smb2pipe import calls, login, pipe


def main():
    conn, host, port, _, share = login()
    dce = pipe(conn, host, port, r"\srvsvc", srvs.MSRPC_UUID_SRVS)
    todo = [(f"share {lvl}", lambda lvl=lvl: srvs.hNetrShareGetInfo(dce, share + "\x00", lvl)) for lvl in (501, 502, 1005)]
    todo += [(f"enum {lvl}", lambda lvl=lvl: srvs.hNetrShareEnum(dce, lvl)) for lvl in (501, 502)]
    calls(todo)
    dce.disconnect()
    conn.logoff()
    return 0


if __name__ == "__main__":
    sys.exit(main())
