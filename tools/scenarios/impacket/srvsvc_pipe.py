#!/usr/bin/python3
"""DCE/RPC over a named pipe, driven by impacket (python3-impacket): srvsvc NetrShareEnum and
NetrShareGetInfo at level 1 on \\srvsvc. With a long share comment a response comes in several
DCE/RPC fragments. Modes:
  smb1        (default) impacket's own way over SMB1: Write AndX, then Read AndX
  smb2        SMB 2.1 WRITE/READ (unencrypted)
  transact    SMB1 TRANSACTION TransactNmPipe for each call (later fragments by Read AndX), from a
              client whose buffer is 4 KB: the server's transaction replies come in several messages
  smallreads  SMB 2.1, reading the pipe 1 KB at a time: a fragment comes in several READs
  smallwrites SMB 2.1, writing the pipe 40 bytes at a time: a request goes in several WRITEs
then "fault": also a call of an opnum srvsvc lacks, answered by a DCE/RPC fault.

usage: srvsvc_pipe.py HOST PORT USER PASSWORD SHARE [smb1|smb2|transact|smallreads|smallwrites] [fault]
"""
import struct
import sys

from impacket import smb
from impacket.dcerpc.v5 import srvs, transport
from impacket.smb3structs import SMB2_DIALECT_21
from impacket.smbconnection import SMBConnection


class TransactTransport(transport.SMBTransport):
    """Calls through TRANSACTION TransactNmPipe (every piece of the reply read); later DCE/RPC
    fragments through Read AndX."""

    pending = None

    def send(self, data, forceWriteAndx=0, forceRecv=0):
        s = self.get_smb_connection().getSMBServer()
        tid, fid = self._SMBTransport__tid, self._SMBTransport__handle
        s.send_trans(tid, struct.pack("<HH", 0x26, fid), "\\PIPE\\\x00", "", data)
        got, total = b"", None
        while total is None or len(got) < total:
            cmd = smb.SMBCommand(s.recvSMB()["Data"][0])
            p = smb.SMBTransactionResponse_Parameters(cmd["Parameters"])
            total = p["TotalDataCount"]
            if p["DataCount"]:
                got += cmd["Data"][-p["DataCount"]:]
        self.pending = got

    def recv(self, forceRecv=0, count=0):
        if self.pending is not None:
            data, self.pending = self.pending, None
            return data
        return self.get_smb_connection().readFile(self._SMBTransport__tid, self._SMBTransport__handle)


class SmallReads(transport.SMBTransport):
    """Reads the pipe 1 KB at a time (impacket's DCE/RPC layer joins what it gets)."""

    def recv(self, forceRecv=0, count=0):
        conn = self.get_smb_connection()
        return conn.readFile(self._SMBTransport__tid, self._SMBTransport__handle, bytesToRead=1024, singleCall=True)


class SmallWrites(transport.SMBTransport):
    """Writes the pipe 40 bytes at a time (the server joins a fragment from its pieces)."""

    def send(self, data, forceWriteAndx=0, forceRecv=0):
        conn = self.get_smb_connection()
        tid, fid = self._SMBTransport__tid, self._SMBTransport__handle
        for i in range(0, len(data), 40):
            conn.writeFile(tid, fid, data[i : i + 40])


def small_client_buffer():
    """A client whose SESSION_SETUP says its buffer is 4 KB: longer replies come in pieces."""
    for cls in (smb.SMBSessionSetupAndX_Extended_Parameters, smb.SMBSessionSetupAndX_Parameters):
        def small(self, _orig=cls.getData):
            self["MaxBufferSize"] = 4096
            return _orig(self)
        cls.getData = small


def main():
    host, port, user, password, share = sys.argv[1:6]
    mode = (sys.argv[6:] or ["smb1"])[0]
    if mode == "transact":
        small_client_buffer()
    dialect = SMB2_DIALECT_21 if mode in ("smb2", "smallreads", "smallwrites") else smb.SMB_DIALECT
    conn = SMBConnection(host, host, sess_port=int(port), preferredDialect=dialect)
    conn.login(user, password)
    kinds = {"transact": TransactTransport, "smallreads": SmallReads, "smallwrites": SmallWrites}
    kind = kinds.get(mode, transport.SMBTransport)
    t = kind(host, int(port), filename=r"\srvsvc", smb_connection=conn)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(srvs.MSRPC_UUID_SRVS)
    shares = srvs.hNetrShareEnum(dce, 1)["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]
    print("shares:", ", ".join(s["shi1_netname"][:-1] for s in shares))
    info = srvs.hNetrShareGetInfo(dce, share + "\x00", 1)["InfoStruct"]["ShareInfo1"]
    print("comment length:", len(info["shi1_remark"]) - 1)
    if "fault" in sys.argv[7:]:
        # An opnum srvsvc does not have: the server answers with a fault (nca_s_op_rng_error).
        try:
            dce.call(200, b"")
            dce.recv()
        except Exception as e:  # impacket raises DCERPCException for the fault
            print("fault:", e)
    dce.disconnect()
    conn.logoff()
    return 0


if __name__ == "__main__":
    sys.exit(main())
