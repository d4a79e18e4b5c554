/** Command code → dissector module. */
import type { Smb2Command } from "../dissect.js";
import { cancel } from "./cancel.js";
import { changeNotify } from "./change-notify.js";
import { close } from "./close.js";
import { create } from "./create.js";
import { echo } from "./echo.js";
import { flush } from "./flush.js";
import { ioctl } from "./ioctl.js";
import { lock } from "./lock.js";
import { logoff } from "./logoff.js";
import { negotiate } from "./negotiate.js";
import { oplockBreak } from "./oplock-break.js";
import { queryDirectory } from "./query-directory.js";
import { queryInfo } from "./query-info.js";
import { read } from "./read.js";
import { sessionSetup } from "./session-setup.js";
import { setInfo } from "./set-info.js";
import { treeConnect } from "./tree-connect.js";
import { treeDisconnect } from "./tree-disconnect.js";
import { write } from "./write.js";

export const COMMANDS: Readonly<Record<number, Smb2Command>> = {
  0: negotiate,
  1: sessionSetup,
  2: logoff,
  3: treeConnect,
  4: treeDisconnect,
  5: create,
  6: close,
  7: flush,
  8: read,
  9: write,
  10: lock,
  11: ioctl,
  12: cancel,
  13: echo,
  14: queryDirectory,
  15: changeNotify,
  16: queryInfo,
  17: setInfo,
  18: oplockBreak,
};
