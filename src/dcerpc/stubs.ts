/** The DCE/RPC interfaces whose stubs are decoded from NDR, by interface UUID. */
import { DSSETUP } from "./dssetup.js";
import { LSARPC } from "./lsarpc.js";
import type { NdrInterface } from "./ndr.js";
import { SAMR } from "./samr.js";
import { SRVSVC } from "./srvsvc.js";
import { SVCCTL } from "./svcctl.js";
import { WINREG } from "./winreg.js";
import { WKSSVC } from "./wkssvc.js";

const DECODED = new Map<string, NdrInterface>([
  ["4b324fc8-1670-01d3-1278-5a47bf6ee188", SRVSVC],
  ["6bffd098-a112-3610-9833-46c3f87e345a", WKSSVC],
  ["12345778-1234-abcd-ef00-0123456789ab", LSARPC],
  ["12345778-1234-abcd-ef00-0123456789ac", SAMR],
  ["338cd001-2244-31f1-aaaa-900038001003", WINREG],
  ["3919286a-b10c-11d0-9ba8-00c04fd92ef5", DSSETUP],
  ["367abb81-9844-35f1-ad32-98f038001003", SVCCTL],
]);

/** The protocols of the trees these decoders make (shown after a message's dcerpc tree). */
export const DECODED_PROTOS: readonly string[] = [...new Set([...DECODED.values()].map((i) => i.proto))];

/** The decoder of operation `opnum` of interface `uuid`, if there is one. */
export function stubDecoder(uuid: string | undefined, opnum: number): NdrInterface | undefined {
  const i = DECODED.get(uuid ?? "");
  return i && (i.ops[opnum] || i.raw) ? i : undefined;
}
