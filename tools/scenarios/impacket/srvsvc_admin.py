#!/usr/bin/python3
"""The Server Service's administration calls over an SMB2.1 pipe, driven by impacket
(python3-impacket), as Computer Management or `net rpc` make them: NetShareEnumAll at levels 0 and
2, NetSessEnum (level 10), NetConnEnum (level 1), NetFileEnum (level 3), NetSrvGetInfo at levels 101
and 102, NetRemoteTOD. A call the server refuses is printed and the run goes on.

usage: srvsvc_admin.py HOST PORT USER PASSWORD SHARE
"""
import sys

from impacket.dcerpc.v5 import srvs
from smb2pipe import calls, login, pipe


def main():
    conn, host, port, _, share = login()
    dce = pipe(conn, host, port, r"\srvsvc", srvs.MSRPC_UUID_SRVS)
    calls([
        ("shares level 0", lambda: srvs.hNetrShareEnum(dce, 0)),
        ("shares level 2", lambda: srvs.hNetrShareEnum(dce, 2)),
        ("sessions", lambda: srvs.hNetrSessionEnum(dce, "\x00", "\x00", 10)),
        ("connections", lambda: srvs.hNetrConnectionEnum(dce, share + "\x00", 1)),
        ("files", lambda: srvs.hNetrFileEnum(dce, "\x00", "\x00", 3)),
        ("server 101", lambda: srvs.hNetrServerGetInfo(dce, 101)),
        ("server 102", lambda: srvs.hNetrServerGetInfo(dce, 102)),
        ("time of day", lambda: srvs.hNetrRemoteTOD(dce)),
    ])
    dce.disconnect()
    conn.logoff()
    return 0


if __name__ == "__main__":
    sys.exit(main())
