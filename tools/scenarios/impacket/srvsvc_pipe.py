#!/usr/bin/python3
"""DCE/RPC over a named pipe, driven by impacket (python3-impacket): srvsvc NetrShareEnum and
NetrShareGetInfo at level 1 on \srvsvc. Over SMB1 (the default) impacket writes with Write AndX and
reads with Read AndX; "smb2" uses SMB 2.1 WRITE/READ (unencrypted). With a long share comment a response comes in
several DCE/RPC fragments.

usage: srvsvc_pipe.py HOST PORT USER PASSWORD SHARE [smb1|smb2]
"""
import sys

from impacket import smb
from impacket.dcerpc.v5 import srvs, transport
from impacket.smb3structs import SMB2_DIALECT_21
from impacket.smbconnection import SMBConnection


def main():
    host, port, user, password, share = sys.argv[1:6]
    dialect = smb.SMB_DIALECT if (sys.argv[6:] or ["smb1"])[0] == "smb1" else SMB2_DIALECT_21
    conn = SMBConnection(host, host, sess_port=int(port), preferredDialect=dialect)
    conn.login(user, password)
    t = transport.SMBTransport(host, int(port), filename=r"\srvsvc", smb_connection=conn)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(srvs.MSRPC_UUID_SRVS)
    shares = srvs.hNetrShareEnum(dce, 1)["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]
    print("shares:", ", ".join(s["shi1_netname"][:-1] for s in shares))
    info = srvs.hNetrShareGetInfo(dce, share + "\x00", 1)["InfoStruct"]["ShareInfo1"]
    print("comment length:", len(info["shi1_remark"]) - 1)
    dce.disconnect()
    conn.logoff()
    return 0


if __name__ == "__main__":
    sys.exit(main())
