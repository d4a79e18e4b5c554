"""What the SMB2.1 named-pipe scenarios share (imported from beside them): a logged-in connection,
a bound pipe, and calls made in turn, a refused one printed and passed over."""
import sys

from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.smb3structs import SMB2_DIALECT_21
from impacket.smbconnection import SMBConnection


def login():
    """The connection of `HOST PORT USER PASSWORD SHARE` (sys.argv), and those arguments."""
    host, port, user, password, share = (sys.argv[1:6] + [""])[:5]
    conn = SMBConnection(host, host, sess_port=int(port), preferredDialect=SMB2_DIALECT_21)
    conn.login(user, password)
    return conn, host, port, user, share


def pipe(conn, host, port, name, uuid):
    """A DCE/RPC connection on pipe `name`, bound to interface `uuid`."""
    t = transport.SMBTransport(host, int(port), filename=name, smb_connection=conn)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(uuid)
    return dce


def calls(named_calls):
    """Makes each (name, call) in turn: "name ok", or "name refused: ..." when the server refuses."""
    for name, call in named_calls:
        try:
            call()
            print(name, "ok")
        except DCERPCException as e:
            print(name, "refused:", e)
