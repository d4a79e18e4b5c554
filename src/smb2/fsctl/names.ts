/**
 * IOCTL/FSCTL control codes (MS-FSCC 2.3, MS-SMB2 2.2.31) and the CTL_CODE breakdown
 * (DeviceType << 16 | Access << 14 | Function << 2 | Method) as Wireshark names them.
 */

/** Codes Wireshark 4.0 names; the Info column and the Function label use only these. */
export const FSCTL_NAMES: Readonly<Record<number, string>> = {
  393620: "FSCTL_DFS_GET_REFERRALS",
  393648: "FSCTL_DFS_GET_REFERRALS_EX",
  1130508: "FSCTL_PIPE_PEEK",
  1114136: "FSCTL_PIPE_WAIT",
  1163287: "FSCTL_PIPE_TRANSCEIVE",
  1327346: "FSCTL_SRV_COPYCHUNK",
  1327204: "FSCTL_SRV_ENUMERATE_SNAPSHOTS",
  1310840: "FSCTL_SRV_REQUEST_RESUME_KEY",
  1327547: "FSCTL_SRV_READ_HASH",
  1343730: "FSCTL_SRV_COPYCHUNK_WRITE",
  1311188: "FSCTL_LMR_REQUEST_RESILIENCY",
  1311228: "FSCTL_QUERY_NETWORK_INTERFACE_INFO",
  1311236: "FSCTL_VALIDATE_NEGOTIATE_INFO",
  589988: "FSCTL_SET_REPARSE_POINT",
  589992: "FSCTL_GET_REPARSE_POINT",
  589996: "FSCTL_DELETE_REPARSE_POINT",
  622792: "FSCTL_SET_ZERO_DATA",
  590020: "FSCTL_SET_SPARSE",
  606415: "FSCTL_QUERY_ALLOCATED_RANGES",
  589884: "FSCTL_GET_COMPRESSION",
  639040: "FSCTL_SET_COMPRESSION",
  589980: "FSCTL_GET_OBJECT_ID",
  589976: "FSCTL_SET_OBJECT_ID",
  589984: "FSCTL_DELETE_OBJECT_ID",
  590016: "FSCTL_CREATE_OR_GET_OBJECT_ID",
  622780: "FSCTL_SET_OBJECT_ID_EXTENDED",
  590460: "FSCTL_GET_INTEGRITY_INFORMATION",
  639616: "FSCTL_SET_INTEGRITY_INFORMATION",
  606820: "FSCTL_OFFLOAD_READ",
  623208: "FSCTL_OFFLOAD_WRITE",
  623112: "FSCTL_FILE_LEVEL_TRIM",
  590592: "FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT",
};

/** Further codes from MS-FSCC that Wireshark 4.0 does not name: used for the alignment key only. */
export const FSCTL_EXTRA_NAMES: Readonly<Record<number, string>> = {
  623428: "FSCTL_DUPLICATE_EXTENTS_TO_FILE",
  623592: "FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX",
  590672: "FSCTL_STORAGE_QOS_CONTROL",
  590596: "FSCTL_SVHDX_SYNC_TUNNEL_REQUEST",
  590600: "FSCTL_SVHDX_SET_INITIATOR_INFORMATION",
  590468: "FSCTL_QUERY_FILE_REGIONS",
  590140: "FSCTL_QUERY_ON_DISK_VOLUME_INFO",
  589848: "FSCTL_LOCK_VOLUME",
  589852: "FSCTL_UNLOCK_VOLUME",
  589920: "FSCTL_FILESYSTEM_GET_STATISTICS",
  589924: "FSCTL_GET_NTFS_VOLUME_DATA",
  589944: "FSCTL_IS_VOLUME_DIRTY",
  590064: "FSCTL_QUERY_FAT_BPB",
  590320: "FSCTL_GET_REFS_VOLUME_DATA",
  590912: "FSCTL_GET_RETRIEVAL_POINTER_COUNT",
  589967: "FSCTL_FIND_FILES_BY_SID",
  590059: "FSCTL_READ_FILE_USN_DATA",
  590063: "FSCTL_WRITE_USN_CLOSE_RECORD",
  590039: "FSCTL_SET_ENCRYPTION",
  590080: "FSCTL_SIS_COPYFILE",
  639236: "FSCTL_SIS_LINK_FILES",
  622756: "FSCTL_SET_DEFECT_MANAGEMENT",
  1311232: "FSCTL_SRV_NOTIFY_TRANSACTION",
  590720: "FSCTL_MARK_HANDLE",
};

export const DEVICE_NAMES: Readonly<Record<number, string>> = {
  1: "BEEP",
  2: "CD_ROM",
  3: "CD_ROM_FILE_SYSTEM",
  4: "CONTROLLER",
  5: "DATALINK",
  6: "DFS",
  7: "DISK",
  8: "DISK_FILE_SYSTEM",
  9: "FILE_SYSTEM",
  10: "INPORT_PORT",
  11: "KEYBOARD",
  12: "MAILSLOT",
  13: "MIDI_IN",
  14: "MIDI_OUT",
  15: "MOUSE",
  16: "MULTI_UNC_PROVIDER",
  17: "NAMED_PIPE",
  18: "NETWORK",
  19: "NETWORK_BROWSER",
  20: "NETWORK_FILE_SYSTEM",
  21: "NULL",
  22: "PARALLEL_PORT",
  23: "PHYSICAL_NETCARD",
  24: "PRINTER",
  25: "SCANNER",
  26: "SERIAL_MOUSE_PORT",
  27: "SERIAL_PORT",
  28: "SCREEN",
  29: "SOUND",
  30: "STREAMS",
  31: "TAPE",
  32: "TAPE_FILE_SYSTEM",
  33: "TRANSPORT",
  34: "UNKNOWN",
  35: "VIDEO",
  36: "VIRTUAL_DISK",
  37: "WAVE_IN",
  38: "WAVE_OUT",
  39: "8042_PORT",
  40: "NETWORK_REDIRECTOR",
  41: "BATTERY",
  42: "BUS_EXTENDER",
  43: "MODEM",
  44: "VDM",
  45: "MASS_STORAGE",
  46: "SMB",
  47: "KS",
  48: "CHANGER",
  49: "SMARTCARD",
  50: "ACPI",
  51: "DVD",
  52: "FULLSCREEN_VIDEO",
  53: "DFS_FILE_SYSTEM",
  54: "DFS_VOLUME",
  55: "SERENUM",
  56: "TERMSRV",
  57: "KSEC",
};

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

/** The Info-column text for a code: its name, or `DEVICE Function:0x0abc` like Wireshark. */
export function ctlSummary(code: number): string {
  const n = FSCTL_NAMES[code];
  if (n) return n;
  const p = ctlParts(code);
  const dev = DEVICE_NAMES[p.device] ?? `0x${p.device.toString(16).padStart(4, "0")}`;
  return `${dev} Function:0x${p.fn.toString(16).padStart(4, "0")}`;
}

/** The alignment key: the best name we know (including names Wireshark lacks). */
export function ctlName(code: number): string {
  return FSCTL_NAMES[code] ?? FSCTL_EXTRA_NAMES[code] ?? ctlSummary(code);
}
