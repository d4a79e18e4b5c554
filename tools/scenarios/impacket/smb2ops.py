#!/usr/bin/python3
"""SMB2 operations smbclient cannot issue directly, driven by impacket (python3-impacket).

usage: smb2ops.py HOST PORT USER PASSWORD SHARE ACTION...
actions (run in order):
  ops      create/write/flush/read, getinfo (file, fs, security), setinfo (basic, eof), ioctl,
           byte-range lock + conflicting lock + unlock, echo, query directory, close, delete
  lease    open a file with an SMB2_CREATE_REQUEST_LEASE (RWH) context and print what was granted
  oplock   open a file requesting a batch oplock and print the granted level
  lockread lock a byte range on one handle, then read/write it through a second handle
Exit status 0 when every step behaved as expected for the server (errors are printed, not fatal,
when they are the point of the scenario).
"""
import os
import struct
import sys

from impacket import smb3 as smb3mod
from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection, SessionError

DIALECTS = {"2.0.2": s3.SMB2_DIALECT_002, "2.1": s3.SMB2_DIALECT_21, "3.0": s3.SMB2_DIALECT_30, "3.0.2": s3.SMB2_DIALECT_302, "3.1.1": s3.SMB2_DIALECT_311}
FSCTL_SRV_REQUEST_RESUME_KEY = 0x00140078
FSCTL_QUERY_NETWORK_INTERFACE_INFO = 0x001401FC


def lock(smb3, tid, fid, offset, length, flags):
    """SMB2 LOCK with one element (impacket's own lock() is broken on python3)."""
    el = s3.SMB2_LOCK_ELEMENT()
    el["Offset"] = offset
    el["Length"] = length
    el["Flags"] = flags
    pkt = smb3.SMB_PACKET()
    pkt["Command"] = s3.SMB2_LOCK
    pkt["TreeID"] = tid
    req = s3.SMB2Lock()
    req["FileID"] = fid
    req["LockCount"] = 1
    req["LockSequence"] = 0
    req["Locks"] = el.getData()
    pkt["Data"] = req
    ans = smb3.recvSMB(smb3.sendSMB(pkt))
    return ans["Status"]


def flush(smb3, tid, fid):
    """SMB2 FLUSH built by hand (impacket's request is malformed and Samba drops the connection)."""
    pkt = smb3.SMB_PACKET()
    pkt["Command"] = s3.SMB2_FLUSH
    pkt["TreeID"] = tid
    pkt["Data"] = struct.pack("<HHI", 24, 0, 0) + fid
    ans = smb3.recvSMB(smb3.sendSMB(pkt))
    return hex(ans["Status"])


def close(smb3, tid, fid):
    """impacket forgets a path's bookkeeping on the first close of two handles to it; the close
    itself has completed by then, so the KeyError is harmless."""
    try:
        smb3.close(tid, fid)
    except KeyError:
        smb3._Session["OpenTable"].pop(fid, None)


def open_file(smb3, tid, name, disposition=s3.FILE_OPEN_IF, oplock=s3.SMB2_OPLOCK_LEVEL_NONE, contexts=None):
    return smb3.create(
        tid,
        name,
        s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_READ_ATTRIBUTES | s3.FILE_WRITE_ATTRIBUTES
        | s3.READ_CONTROL | s3.DELETE,
        s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE | s3.FILE_SHARE_DELETE,
        s3.FILE_NON_DIRECTORY_FILE,
        disposition,
        s3.FILE_ATTRIBUTE_NORMAL,
        oplockLevel=oplock,
        createContexts=contexts,
    )


def step(label, fn):
    try:
        r = fn()
        print(f"{label}: ok" + (f" {r}" if r is not None else ""))
        return r
    except (SessionError, smb3mod.SessionError) as e:
        from impacket.nt_errors import ERROR_MESSAGES

        code = e.get_error_code()
        print(f"{label}: {ERROR_MESSAGES.get(code, (hex(code),))[0]}")
        return None


def do_ops(conn, smb3, tid):
    fid = open_file(smb3, tid, "ops.bin", s3.FILE_OVERWRITE_IF)
    data = b"smbcmp impacket ops " * 100
    smb3.write(tid, fid, data, 0, len(data))
    step("flush", lambda: flush(smb3, tid, fid))
    step("read", lambda: len(smb3.read(tid, fid, 0, 64)))
    step("getinfo basic", lambda: len(smb3.queryInfo(tid, fid, fileInfoClass=s3.SMB2_FILE_BASIC_INFO)))
    step("getinfo standard", lambda: len(smb3.queryInfo(tid, fid, fileInfoClass=s3.SMB2_FILE_STANDARD_INFO)))
    step("getinfo all", lambda: len(smb3.queryInfo(tid, fid, fileInfoClass=s3.SMB2_FILE_ALL_INFO)))
    step("getinfo stream", lambda: len(smb3.queryInfo(tid, fid, fileInfoClass=s3.SMB2_FILE_STREAM_INFO)))
    step(
        "getinfo fs size",
        lambda: len(smb3.queryInfo(tid, fid, infoType=s3.SMB2_0_INFO_FILESYSTEM, fileInfoClass=s3.SMB2_FILESYSTEM_FULL_SIZE_INFO)),
    )
    step(
        "getinfo fs attribute",
        lambda: len(smb3.queryInfo(tid, fid, infoType=s3.SMB2_0_INFO_FILESYSTEM, fileInfoClass=s3.SMB2_FILESYSTEM_ATTRIBUTE_INFO)),
    )
    step(
        "getinfo security",
        lambda: len(
            smb3.queryInfo(
                tid, fid, infoType=s3.SMB2_0_INFO_SECURITY, fileInfoClass=0,
                additionalInformation=s3.OWNER_SECURITY_INFORMATION | s3.GROUP_SECURITY_INFORMATION | s3.DACL_SECURITY_INFORMATION,
            )
        ),
    )
    # FileBasicInformation: keep times (0), set ARCHIVE|READONLY then back to NORMAL
    basic = struct.pack("<qqqqI4x", 0, 0, 0, 0, 0x21)
    step("setinfo basic", lambda: smb3.setInfo(tid, fid, basic, fileInfoClass=s3.SMB2_FILE_BASIC_INFO))
    step("setinfo basic back", lambda: smb3.setInfo(tid, fid, struct.pack("<qqqqI4x", 0, 0, 0, 0, 0x80), fileInfoClass=s3.SMB2_FILE_BASIC_INFO))
    step("setinfo eof", lambda: smb3.setInfo(tid, fid, struct.pack("<q", 1000), fileInfoClass=s3.SMB2_FILE_END_OF_FILE_INFO))
    step("ioctl resume key", lambda: len(smb3.ioctl(tid, fid, FSCTL_SRV_REQUEST_RESUME_KEY, flags=s3.SMB2_0_IOCTL_IS_FSCTL, maxOutputResponse=32)))
    # Byte-range locks: exclusive lock, a second handle conflicts, then unlock.
    step("lock 0+100", lambda: hex(lock(smb3, tid, fid, 0, 100, s3.SMB2_LOCKFLAG_EXCLUSIVE_LOCK | s3.SMB2_LOCKFLAG_FAIL_IMMEDIATELY)))
    fid2 = open_file(smb3, tid, "ops.bin")
    step("conflicting lock", lambda: hex(lock(smb3, tid, fid2, 50, 10, s3.SMB2_LOCKFLAG_EXCLUSIVE_LOCK | s3.SMB2_LOCKFLAG_FAIL_IMMEDIATELY)))
    step("unlock", lambda: hex(lock(smb3, tid, fid, 0, 100, s3.SMB2_LOCKFLAG_UNLOCK)))
    close(smb3, tid, fid2)
    step("echo", lambda: smb3.echo())
    close(smb3, tid, fid)
    step("list", lambda: len(conn.listPath(conn._share, "*")))
    step("delete", lambda: conn.deleteFile(conn._share, "ops.bin"))
    tid_ipc = conn.connectTree("IPC$")
    step("ioctl network interfaces", lambda: len(smb3.ioctl(tid_ipc, None, FSCTL_QUERY_NETWORK_INTERFACE_INFO, flags=s3.SMB2_0_IOCTL_IS_FSCTL, maxOutputResponse=65536)))
    conn.disconnectTree(tid_ipc)


def do_lockread(conn, smb3, tid):
    """Handle 1 locks bytes 0-99 exclusively; handle 2 reads and writes them (strict locking decides)."""
    fid = open_file(smb3, tid, "locked.bin", s3.FILE_OVERWRITE_IF)
    data = b"L" * 4096
    smb3.write(tid, fid, data, 0, len(data))
    step("lock 0+100", lambda: hex(lock(smb3, tid, fid, 0, 100, s3.SMB2_LOCKFLAG_EXCLUSIVE_LOCK | s3.SMB2_LOCKFLAG_FAIL_IMMEDIATELY)))
    fid2 = open_file(smb3, tid, "locked.bin")
    step("read locked range", lambda: len(smb3.read(tid, fid2, 0, 50)))
    step("write locked range", lambda: smb3.write(tid, fid2, b"x" * 10, 10, 10))
    step("read unlocked range", lambda: len(smb3.read(tid, fid2, 200, 50)))
    close(smb3, tid, fid2)
    step("unlock", lambda: hex(lock(smb3, tid, fid, 0, 100, s3.SMB2_LOCKFLAG_UNLOCK)))
    close(smb3, tid, fid)
    step("delete", lambda: conn.deleteFile(conn._share, "locked.bin"))


def do_lease(conn, smb3, tid):
    lease = s3.SMB2_CREATE_REQUEST_LEASE()
    lease["LeaseKey"] = b"smbcmp-leasekey!"
    lease["LeaseState"] = s3.SMB2_LEASE_READ_CACHING | s3.SMB2_LEASE_HANDLE_CACHING | s3.SMB2_LEASE_WRITE_CACHING
    ctx = s3.SMB2CreateContext()
    ctx["Buffer"] = b"RqLs" + b"\0" * 4 + lease.getData()
    ctx["NameOffset"] = 16
    ctx["NameLength"] = 4
    ctx["DataOffset"] = 24
    ctx["DataLength"] = len(lease.getData())
    fid = open_file(smb3, tid, "leased.txt", s3.FILE_OVERWRITE_IF, s3.SMB2_OPLOCK_LEVEL_LEASE, [ctx])
    smb3.write(tid, fid, b"lease test\n", 0, 11)
    close(smb3, tid, fid)
    print("lease: opened leased.txt")


def do_oplock(conn, smb3, tid):
    fid = open_file(smb3, tid, "oplocked.txt", s3.FILE_OVERWRITE_IF, s3.SMB2_OPLOCK_LEVEL_BATCH)
    close(smb3, tid, fid)
    print("oplock: opened oplocked.txt")


def main():
    host, port, user, password, share, *actions = sys.argv[1:]
    conn = SMBConnection(host, host, sess_port=int(port), preferredDialect=DIALECTS[os.environ.get("SMBCMP_DIALECT", "2.1")])
    conn.login(user, password)
    conn._share = share
    smb3 = conn.getSMBServer()
    tid = conn.connectTree(share)
    for a in actions or ["ops"]:
        {"ops": do_ops, "lease": do_lease, "oplock": do_oplock, "lockread": do_lockread}[a](conn, smb3, tid)
    conn.disconnectTree(tid)
    conn.logoff()


if __name__ == "__main__":
    main()
