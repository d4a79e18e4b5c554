/** SMB2 command codes and names (MS-SMB2 2.2.1.2), as Wireshark labels them. */
export const SMB2_CMD_NAMES: Readonly<Record<number, string>> = {
  0: "Negotiate Protocol",
  1: "Session Setup",
  2: "Session Logoff",
  3: "Tree Connect",
  4: "Tree Disconnect",
  5: "Create",
  6: "Close",
  7: "Flush",
  8: "Read",
  9: "Write",
  10: "Lock",
  11: "Ioctl",
  12: "Cancel",
  13: "KeepAlive",
  14: "Find",
  15: "Notify",
  16: "GetInfo",
  17: "SetInfo",
  18: "Break",
};

export function cmdName(cmd: number): string {
  return SMB2_CMD_NAMES[cmd] ?? `Unknown command 0x${cmd.toString(16).padStart(2, "0")}`;
}

export const SMB2_FLAGS = {
  RESPONSE: 0x1,
  ASYNC: 0x2,
  RELATED: 0x4,
  SIGNED: 0x8,
  PRIORITY_MASK: 0x70,
  DFS: 0x10000000,
  REPLAY: 0x20000000,
} as const;

export const STATUS = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  BUFFER_OVERFLOW: 0x80000005,
} as const;
