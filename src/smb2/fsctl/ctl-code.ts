/** The CTL_CODE of an FSCTL/IOCTL as Wireshark shows it, shared by SMB2 IOCTL and SMB1 NT IOCTL. */
import { bitPattern, type Fields, type Vals } from "../../dissect/fields.js";
import { hexN } from "../../dissect/format.js";
import { node } from "../../dissect/tree.js";
import { ACCESS_NAMES, ctlParts, DEVICE_NAMES, FSCTL_NAMES, METHOD_NAMES } from "./names.js";

/** smb2.ioctl.function with its CTL_CODE breakdown. */
export function ctlCode(f: Fields, vals: Vals = FSCTL_NAMES): number {
  const at = f.c.pos;
  const code = f.uint("smb2.ioctl.function", "Function", 4, { base: "hex", vals });
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1]!;
    const p = ctlParts(code);
    const child = (name: string, mask: number, v: number, text: string) =>
      node(name, `${bitPattern(code, mask, 32)} = ${text}`, hexN(v, 8), v, at, 4);
    n.children = [
      child(
        "smb2.ioctl.function.device",
        0xffff0000,
        p.device,
        `Device: ${DEVICE_NAMES[p.device] ?? "Unknown"} (${hexN(p.device, 4)})`,
      ),
      child(
        "smb2.ioctl.function.access",
        0xc000,
        p.access,
        `Access: ${ACCESS_NAMES[p.access]} (0x${p.access})`,
      ),
      child(
        "smb2.ioctl.function.function",
        0x3ffc,
        p.fn,
        `Function: 0x${p.fn.toString(16).padStart(3, "0")}`,
      ),
      child("smb2.ioctl.function.method", 0x3, p.method, `Method: ${METHOD_NAMES[p.method]} (0x${p.method})`),
    ];
  }
  return code;
}
