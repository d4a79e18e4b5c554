/**
 * IOCTL/FSCTL control codes (MS-FSCC 2.3, MS-SMB2 2.2.31) and the CTL_CODE breakdown
 * (DeviceType << 16 | Access << 14 | Function << 2 | Method) as Wireshark names them.
 */

/** Codes Wireshark 4.0 names; the Info column and the Function label use only these. */
export const FSCTL_NAMES: Readonly<Record<number, string>> = Object.fromEntries([
  [0x00060194, "FSCTL_DFS_GET_REFERRALS"],
  [0x000601b0, "FSCTL_DFS_GET_REFERRALS_EX"],
  [0x0011400c, "FSCTL_PIPE_PEEK"],
  [0x00110018, "FSCTL_PIPE_WAIT"],
  [0x0011c017, "FSCTL_PIPE_TRANSCEIVE"],
  [0x001440f2, "FSCTL_SRV_COPYCHUNK"],
  [0x00144064, "FSCTL_SRV_ENUMERATE_SNAPSHOTS"],
  [0x00140078, "FSCTL_SRV_REQUEST_RESUME_KEY"],
  [0x001441bb, "FSCTL_SRV_READ_HASH"],
  [0x001480f2, "FSCTL_SRV_COPYCHUNK_WRITE"],
  [0x001401d4, "FSCTL_LMR_REQUEST_RESILIENCY"],
  [0x001401fc, "FSCTL_QUERY_NETWORK_INTERFACE_INFO"],
  [0x00140204, "FSCTL_VALIDATE_NEGOTIATE_INFO"],
  [0x000900a4, "FSCTL_SET_REPARSE_POINT"],
  [0x000900a8, "FSCTL_GET_REPARSE_POINT"],
  [0x000900ac, "FSCTL_DELETE_REPARSE_POINT"],
  [0x000980c8, "FSCTL_SET_ZERO_DATA"],
  [0x000900c4, "FSCTL_SET_SPARSE"],
  [0x000940cf, "FSCTL_QUERY_ALLOCATED_RANGES"],
  [0x0009003c, "FSCTL_GET_COMPRESSION"],
  [0x0009c040, "FSCTL_SET_COMPRESSION"],
  [0x0009009c, "FSCTL_GET_OBJECT_ID"],
  [0x00090098, "FSCTL_SET_OBJECT_ID"],
  [0x000900a0, "FSCTL_DELETE_OBJECT_ID"],
  [0x000900c0, "FSCTL_CREATE_OR_GET_OBJECT_ID"],
  [0x000980bc, "FSCTL_SET_OBJECT_ID_EXTENDED"],
  [0x0009027c, "FSCTL_GET_INTEGRITY_INFORMATION"],
  [0x0009c280, "FSCTL_SET_INTEGRITY_INFORMATION"],
  [0x00094264, "FSCTL_OFFLOAD_READ"],
  [0x00098268, "FSCTL_OFFLOAD_WRITE"],
  [0x00098208, "FSCTL_FILE_LEVEL_TRIM"],
  [0x00090300, "FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT"],
]);

/** Further codes from MS-FSCC that Wireshark 4.0 does not name: used for the alignment key only. */
export const FSCTL_EXTRA_NAMES: Readonly<Record<number, string>> = Object.fromEntries([
  [0x00098344, "FSCTL_DUPLICATE_EXTENTS_TO_FILE"],
  [0x000983e8, "FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX"],
  [0x00090350, "FSCTL_STORAGE_QOS_CONTROL"],
  [0x00090304, "FSCTL_SVHDX_SYNC_TUNNEL_REQUEST"],
  [0x00090308, "FSCTL_SVHDX_SET_INITIATOR_INFORMATION"],
  [0x00090284, "FSCTL_QUERY_FILE_REGIONS"],
  [0x0009013c, "FSCTL_QUERY_ON_DISK_VOLUME_INFO"],
  [0x00090018, "FSCTL_LOCK_VOLUME"],
  [0x0009001c, "FSCTL_UNLOCK_VOLUME"],
  [0x00090060, "FSCTL_FILESYSTEM_GET_STATISTICS"],
  [0x00090064, "FSCTL_GET_NTFS_VOLUME_DATA"],
  [0x00090078, "FSCTL_IS_VOLUME_DIRTY"],
  [0x000900f0, "FSCTL_QUERY_FAT_BPB"],
  [0x000901f0, "FSCTL_GET_REFS_VOLUME_DATA"],
  [0x00090440, "FSCTL_GET_RETRIEVAL_POINTER_COUNT"],
  [0x0009008f, "FSCTL_FIND_FILES_BY_SID"],
  [0x000900eb, "FSCTL_READ_FILE_USN_DATA"],
  [0x000900ef, "FSCTL_WRITE_USN_CLOSE_RECORD"],
  [0x000900d7, "FSCTL_SET_ENCRYPTION"],
  [0x00090100, "FSCTL_SIS_COPYFILE"],
  [0x0009c104, "FSCTL_SIS_LINK_FILES"],
  [0x000980a4, "FSCTL_SET_DEFECT_MANAGEMENT"],
  [0x00140200, "FSCTL_SRV_NOTIFY_TRANSACTION"],
  [0x00090380, "FSCTL_MARK_HANDLE"],
]);

export const DEVICE_NAMES: Readonly<Record<number, string>> = Object.fromEntries([
  [0x01, "BEEP"],
  [0x02, "CD_ROM"],
  [0x03, "CD_ROM_FILE_SYSTEM"],
  [0x04, "CONTROLLER"],
  [0x05, "DATALINK"],
  [0x06, "DFS"],
  [0x07, "DISK"],
  [0x08, "DISK_FILE_SYSTEM"],
  [0x09, "FILE_SYSTEM"],
  [0x0a, "INPORT_PORT"],
  [0x0b, "KEYBOARD"],
  [0x0c, "MAILSLOT"],
  [0x0d, "MIDI_IN"],
  [0x0e, "MIDI_OUT"],
  [0x0f, "MOUSE"],
  [0x10, "MULTI_UNC_PROVIDER"],
  [0x11, "NAMED_PIPE"],
  [0x12, "NETWORK"],
  [0x13, "NETWORK_BROWSER"],
  [0x14, "NETWORK_FILE_SYSTEM"],
  [0x15, "NULL"],
  [0x16, "PARALLEL_PORT"],
  [0x17, "PHYSICAL_NETCARD"],
  [0x18, "PRINTER"],
  [0x19, "SCANNER"],
  [0x1a, "SERIAL_MOUSE_PORT"],
  [0x1b, "SERIAL_PORT"],
  [0x1c, "SCREEN"],
  [0x1d, "SOUND"],
  [0x1e, "STREAMS"],
  [0x1f, "TAPE"],
  [0x20, "TAPE_FILE_SYSTEM"],
  [0x21, "TRANSPORT"],
  [0x22, "UNKNOWN"],
  [0x23, "VIDEO"],
  [0x24, "VIRTUAL_DISK"],
  [0x25, "WAVE_IN"],
  [0x26, "WAVE_OUT"],
  [0x27, "8042_PORT"],
  [0x28, "NETWORK_REDIRECTOR"],
  [0x29, "BATTERY"],
  [0x2a, "BUS_EXTENDER"],
  [0x2b, "MODEM"],
  [0x2c, "VDM"],
  [0x2d, "MASS_STORAGE"],
  [0x2e, "SMB"],
  [0x2f, "KS"],
  [0x30, "CHANGER"],
  [0x31, "SMARTCARD"],
  [0x32, "ACPI"],
  [0x33, "DVD"],
  [0x34, "FULLSCREEN_VIDEO"],
  [0x35, "DFS_FILE_SYSTEM"],
  [0x36, "DFS_VOLUME"],
  [0x37, "SERENUM"],
  [0x38, "TERMSRV"],
  [0x39, "KSEC"],
]);

export const ACCESS_NAMES: Readonly<Record<number, string>> = {
  0: "FILE_ANY_ACCESS",
  1: "FILE_READ_ACCESS",
  2: "FILE_WRITE_ACCESS",
  3: "FILE_READ_WRITE_ACCESS",
};

export const METHOD_NAMES: Readonly<Record<number, string>> = {
  0: "METHOD_BUFFERED",
  1: "METHOD_IN_DIRECT",
  2: "METHOD_OUT_DIRECT",
  3: "METHOD_NEITHER",
};

export function ctlParts(code: number): { device: number; access: number; fn: number; method: number } {
  return {
    device: code >>> 16,
    access: (code >>> 14) & 3,
    fn: (code >>> 2) & 0xfff,
    method: code & 3,
  };
}

/**
 * The Info-column text for a code: its name, or `DEVICE Function:0x0abc` like Wireshark, an
 * unknown device being `Unknown (0x0000ABCD)`.
 */
export function ctlSummary(code: number): string {
  const n = FSCTL_NAMES[code];
  if (n) return n;
  const p = ctlParts(code);
  const dev = DEVICE_NAMES[p.device] ?? `Unknown (0x${p.device.toString(16).toUpperCase().padStart(8, "0")})`;
  return `${dev} Function:0x${p.fn.toString(16).padStart(4, "0")}`;
}

/** The alignment key: the best name we know (including names Wireshark lacks). */
export function ctlName(code: number): string {
  return FSCTL_NAMES[code] ?? FSCTL_EXTRA_NAMES[code] ?? ctlSummary(code);
}
