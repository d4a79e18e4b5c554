/**
 * DCE/RPC interface UUIDs (from their MS-* specifications), named as Wireshark's bind lines name
 * them, with their operation names by opnum where Wireshark has a dissector (opnames.ts).
 */
import { OPNAMES } from "./wireshark-names.js";

export interface RpcInterface {
  name: string;
  /** Operation names by opnum: Wireshark's, when it dissects the interface. */
  ops?: Readonly<Record<number, string>>;
}

/** UUID → [name, filter name of Wireshark's dissector (the key of its OPNAMES), if it has one]. */
const KNOWN: Readonly<Record<string, readonly [string, string?]>> = {
  "4b324fc8-1670-01d3-1278-5a47bf6ee188": ["SRVSVC", "srvsvc"],
  "6bffd098-a112-3610-9833-46c3f87e345a": ["WKSSVC", "wkssvc"],
  "12345778-1234-abcd-ef00-0123456789ab": ["LSARPC", "lsarpc"],
  "12345778-1234-abcd-ef00-0123456789ac": ["SAMR", "samr"],
  "12345678-1234-abcd-ef00-01234567cffb": ["RPC_NETLOGON", "netlogon"],
  "12345678-1234-abcd-ef00-0123456789ab": ["SPOOLSS", "spoolss"],
  "338cd001-2244-31f1-aaaa-900038001003": ["WINREG", "winreg"],
  "367abb81-9844-35f1-ad32-98f038001003": ["SVCCTL", "svcctl"],
  "e1af8308-5d1f-11c9-91a4-08002b14a0fa": ["EPMv4", "epm"],
  "3919286a-b10c-11d0-9ba8-00c04fd92ef5": ["DSSETUP", "dssetup"],
  "1ff70682-0a51-30e8-076d-740be8cee98b": ["ATSVC", "atsvc"],
  "8d9f4e40-a03d-11ce-8f69-08003e30051b": ["PNP", "pnp"],
  "82273fdc-e32a-18c3-3f78-827929dc23ea": ["EVENTLOG", "eventlog"],
  "e3514235-4b06-11d1-ab04-00c04fc2dcd2": ["DRSUAPI", "drsuapi"],
  "4fc742e0-4a10-11cf-8273-00aa004ae673": ["NETDFS", "netdfs"],
  "894de0c0-0d55-11d3-a322-00c04fa321a1": ["INITSHUTDOWN", "initshutdown"],
  "ccd8c074-d0e5-4a40-92b4-d074faa6ba28": ["WITNESS", "witness"],
  "a8e0653c-2744-4389-a61d-7373df8b2292": ["FSRVP", "fsrvp"],
  "c681d488-d850-11d0-8c52-00c04fd90f7e": ["EFS", "efs"],
  "f5cc59b4-4264-101a-8c59-08002b2f8426": ["FRSRPC", "frsrpc"],
  // Spotlight (Samba's mdssvc.idl).
  "885d85fb-c754-4062-a0e7-6872ce0064f4": ["MDSSVC", "mdssvc"],
  "86d35949-83c9-4044-b424-db363231fd0c": ["ITaskSchedulerService"],
  // Transfer syntaxes.
  "8a885d04-1ceb-11c9-9fe8-08002b104860": ["32bit NDR"],
  "71710533-beba-4937-8319-b5dbef9ccc36": ["64bit NDR"],
  "6cb71c2c-9812-4540-0300-000000000000": ["Bind Time Feature Negotiation"],
};

export const INTERFACES: Readonly<Record<string, RpcInterface>> = Object.fromEntries(
  Object.entries(KNOWN).map(([uuid, [name, proto]]) => [
    uuid,
    proto ? { name, ops: OPNAMES[proto] } : { name },
  ]),
);

export const PTYPES: Readonly<Record<number, string>> = {
  0: "Request",
  1: "Ping",
  2: "Response",
  3: "Fault",
  4: "Working",
  5: "Nocall",
  6: "Reject",
  7: "Ack",
  8: "Cl_cancel",
  9: "Fack",
  10: "Cancel_ack",
  11: "Bind",
  12: "Bind_ack",
  13: "Bind_nak",
  14: "Alter_context",
  15: "Alter_context_resp",
  16: "AUTH3",
  17: "Shutdown",
  18: "Co_cancel",
  19: "Orphaned",
  20: "RTS",
};
