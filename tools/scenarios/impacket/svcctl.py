#!/usr/bin/python3
"""What `sc \\\\host` and psexec ask a server's Service Control Manager, over an SMB2.1 pipe, driven
by impacket (python3-impacket): OpenSCManagerW, EnumServicesStatusW, OpenServiceW on a service the
server has and on one it has not (an error), QueryServiceStatus, QueryServiceConfigW, CreateServiceW
(refused by Samba), and the handles closed.

usage: svcctl.py HOST PORT USER PASSWORD SHARE
"""
import sys

from impacket.dcerpc.v5 import scmr
from smb2pipe import calls, login, pipe


def main():
    conn, host, port, _, _ = login()
    dce = pipe(conn, host, port, r"\svcctl", scmr.MSRPC_UUID_SCMR)
    scm = scmr.hROpenSCManagerW(dce, "DUMMY\x00", "ServicesActive\x00")["lpScHandle"]
    svc = {}

    def open_service(name):
        svc[name] = scmr.hROpenServiceW(dce, scm, name + "\x00")["lpServiceHandle"]

    calls(
        [
            ("enum", lambda: scmr.hREnumServicesStatusW(dce, scm)),
            ("open Spooler", lambda: open_service("Spooler")),
            ("status", lambda: scmr.hRQueryServiceStatus(dce, svc["Spooler"])),
            ("config", lambda: scmr.hRQueryServiceConfigW(dce, svc["Spooler"])),
            ("close Spooler", lambda: scmr.hRCloseServiceHandle(dce, svc["Spooler"])),
            ("open nosuch", lambda: open_service("nosuch")),
            ("create", lambda: scmr.hRCreateServiceW(dce, scm, "smbcmp\x00", "smbcmp\x00", lpBinaryPathName="C:\\smbcmp.exe\x00")),
            ("close SCM", lambda: scmr.hRCloseServiceHandle(dce, scm)),
        ]
    )
    dce.disconnect()
    conn.logoff()
    return 0


if __name__ == "__main__":
    sys.exit(main())
