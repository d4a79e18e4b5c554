/**
 * Service Control Manager Remote Protocol (MS-SCMR) calls decoded from their NDR stubs, as
 * Wireshark's svcctl shows them: what psexec, `sc \\host` and Samba's `net rpc service` start with.
 * Wireshark's svcctl is written by hand, not generated: it decodes the opening and closing calls
 * and the requests of EnumServicesStatusW and QueryServiceConfigW, names the SCM handle
 * `OpenSCManagerW(<machine>\)` (from the A call too) but not a service's, and shows every other
 * request and response as its stub's bytes. So does this module.
 */
import { type FieldNode, node, walk } from "../dissect/tree.js";
import {
  type AccessBit,
  bitNode,
  codeNames,
  infoParam,
  type Ndr,
  type NdrInterface,
  type NdrOp,
  named,
} from "./ndr.js";
import { DOS_ERROR_NAMES } from "./wireshark-names.js";

const DOS_ERRORS = codeNames(DOS_ERROR_NAMES);

/** The SCM's access rights (MS-SCMR 3.1.4), which Wireshark shows for service handles too. */
const SCM_RIGHTS: readonly AccessBit[] = (
  [
    ["modify_boot_config", "Modify Boot Config", 0x20],
    ["query_lock_status", "Query Lock Status", 0x10],
    ["lock", "Lock", 0x08],
    ["enumerate_service", "Enumerate Service", 0x04],
    ["create_service", "Create Service", 0x02],
    ["connect", "Connect", 0x01],
  ] as const
).map(([f, label, mask]) => [`svcctl.scm_rights_${f}`, label, mask, "Set", "Not set"] as const);

/** Service types (MS-SCMR 2.2.47), as Wireshark lists them (an enumeration's without the first). */
const SERVICE_TYPES = [
  [
    "interactive",
    "Interactive Process Service",
    0x100,
    "Service can interact with the desktop",
    "Service cannot interact with the desktop",
  ],
  [
    "win32_shared",
    "Shared Process Service",
    0x20,
    "Service shares its process",
    "Service does not share its process",
  ],
  [
    "win32_own",
    "Self Process Service",
    0x10,
    "Service runs its own processes",
    "Service does not run its own process",
  ],
  [
    "fs",
    "File System Driver Service",
    0x02,
    "Is a file system driver service",
    "Is not a file system driver service",
  ],
  ["kernel", "Kernel Driver Service", 0x01, "Is a kernel driver service", "Is not a kernel driver service"],
] as const;

const START_TYPES = new Map([
  [0, "SERVICE_BOOT_START"],
  [1, "SERVICE_SYSTEM_START"],
  [2, "SERVICE_AUTO_START"],
  [3, "SERVICE_DEMAND_START"],
  [4, "SERVICE_DISABLED"],
]);

const ERROR_CONTROLS = new Map([
  [0, "SERVICE_ERROR_IGNORE"],
  [1, "SERVICE_ERROR_NORMAL"],
  [2, "SERVICE_ERROR_SEVERE"],
  [3, "SERVICE_ERROR_CRITICAL"],
]);

const SERVICE_STATES = new Map([
  [1, "SERVICE_ACTIVE"],
  [2, "SERVICE_INACTIVE"],
  [3, "SERVICE_STATE_ALL"],
]);

/** A top-level unique string pointer, labelled as Wireshark's svcctl does: `MachineName: dc1`. */
function uniqueString(nd: Ndr, field: string, label: string, ascii: boolean): void {
  nd.construct(() =>
    nd.ptr(
      label,
      true,
      () => {
        const s = ascii ? nd.asciiString(field, label) : nd.string(field, label);
        nd.pointerLabel(`${label}: ${s}`);
      },
      label,
    ),
  );
}

/** A top-level [ref] string (no referent id): `Service Name: PSEXESVC` over its counts and text. */
function refString(nd: Ndr, field: string, label: string): void {
  nd.group(label, (g) => {
    g.label = `${label}: ${nd.string(field, label)}`;
  });
}

/** A top-level unique byte buffer of a size given after it (CreateServiceW's dependencies, password). */
function uniqueBytes(nd: Ndr, field: string, label: string): void {
  nd.construct(() =>
    nd.ptr(
      label,
      true,
      () => {
        const n = nd.u32("dcerpc.array.max_count", "Max Count");
        const f = nd.f;
        const at = f.c.pos;
        const raw = f.c.bytes(n).toString("utf16le");
        f.add(node(field, `${label}: ${raw}`, raw, raw, at, n));
      },
      label,
    ),
  );
}

/** A service type bitmask (`interactive`: with the interactive bit, which enumerations omit). */
function serviceType(nd: Ndr, interactive: boolean): void {
  nd.align(4);
  const f = nd.f;
  const at = f.c.pos;
  const v = f.c.u32() >>> 0;
  const hex = `0x${v.toString(16).padStart(8, "0")}`;
  const n = f.add(node("svcctl.service_type", `Service Type: ${hex}`, hex, v, at, 4));
  n.children = SERVICE_TYPES.slice(interactive ? 0 : 1).map(([m, label, mask, set, clear]) =>
    bitNode(`svcctl.service_type.${m}`, `${label}: ${v & mask ? set : clear}`, v, mask, at),
  );
}

/** The context handle every call but the opening ones starts with. */
function handle(nd: Ndr): void {
  nd.handle("svcctl.hnd", "Context Handle");
}

function accessMask(nd: Ndr): void {
  nd.accessMask("svcctl.access_mask", "SVCCTL", SCM_RIGHTS);
}

/** The machine name of an OpenSCManager request's stub (a unique pointer first), to name its handle. */
function machineName(ascii: boolean) {
  return (stub: Buffer): string | undefined => {
    if (stub.length < 16 || stub.readUInt32LE(0) === 0) return "\\";
    const n = stub.readUInt32LE(12);
    const end = 16 + (ascii ? n : 2 * n);
    if (stub.length < end) return undefined;
    const s = stub.toString(ascii ? "latin1" : "utf16le", 16, end);
    return `${s.endsWith("\0") ? s.slice(0, -1) : s}\\`;
  };
}

/** OpenSCManagerW (15) and OpenSCManagerA (27): the machine and database, and the rights asked. */
function openScManager(name: string, ascii: boolean): NdrOp {
  return {
    name,
    handle: { kind: "opens", named: machineName(ascii), opener: "OpenSCManagerW" },
    info: (t, response) =>
      response ? "" : infoParam(t, "svcctl.machinename") + infoParam(t, "svcctl.database"),
    in: (nd) => {
      uniqueString(nd, "svcctl.machinename", "MachineName", ascii);
      uniqueString(nd, "svcctl.database", "Database", ascii);
      accessMask(nd);
    },
    out: handle,
  };
}

/** What a handle group's label names (`Policy Handle: OpenSCManagerW(dc1\)`), if anything. */
function handleName(tree: FieldNode): string | undefined {
  let name: string | undefined;
  walk([tree], (n) => {
    if (name !== undefined) return false;
    if (n.label.startsWith("Policy Handle: ")) name = n.label.slice("Policy Handle: ".length);
    return true;
  });
  return name;
}

/** The Service Control Manager, as Wireshark names it. */
export const SVCCTL: NdrInterface = {
  proto: "svcctl",
  title: "Microsoft Service Control",
  raw: true,
  status: {
    field: "svcctl.rc",
    label: "Return code",
    names: DOS_ERRORS,
    info: (v) => `, ${DOS_ERRORS.get(v) ?? `Unknown error 0x${v.toString(16).padStart(8, "0")}`}`,
  },
  ops: {
    0: {
      name: "CloseServiceHandle",
      handle: { kind: "closes" },
      info: (t, response) => (response ? "" : `, ${handleName(t) ?? "(null)"}`),
      in: handle,
      out: handle,
    },
    12: {
      name: "CreateServiceW",
      in: (nd) => {
        handle(nd);
        refString(nd, "svcctl.servicename", "Service Name");
        uniqueString(nd, "svcctl.displayname", "Display Name", false);
        accessMask(nd);
        serviceType(nd, true);
        nd.u32("svcctl.service_start_type", "Service Start Type", { vals: named(START_TYPES) });
        nd.u32("svcctl.service_error_control", "Service Error Control", { vals: named(ERROR_CONTROLS) });
        refString(nd, "svcctl.binarypathname", "Binary Path Name");
        uniqueString(nd, "svcctl.loadordergroup", "Load Order Group", false);
        // Wireshark reads the tag id pointer itself as the tag id (0 for a NULL one).
        nd.u32("svcctl.tagid", "Tag Id");
        uniqueBytes(nd, "svcctl.dependencies", "Dependencies");
        nd.u32("svcctl.depend_size", "Depend Size");
        uniqueString(nd, "svcctl.service_start_name", "Service Start Name", false);
        uniqueBytes(nd, "svcctl.password", "Password");
        nd.u32("svcctl.password_size", "Password Size");
      },
      out: (nd) => {
        nd.u32("svcctl.tagid", "Tag Id");
        handle(nd);
      },
    },
    14: {
      name: "EnumServicesStatusW",
      in: (nd) => {
        handle(nd);
        serviceType(nd, false);
        nd.u32("svcctl.service_state", "Service State", { vals: named(SERVICE_STATES) });
        nd.u32("svcctl.size", "Size");
        nd.construct(() =>
          nd.ptr("Resume Handle", true, () => nd.u32("svcctl.resume", "Resume Handle"), "Resume Handle"),
        );
      },
    },
    15: openScManager("OpenSCManagerW", false),
    16: {
      name: "OpenServiceW",
      in: (nd) => {
        handle(nd);
        refString(nd, "svcctl.servicename", "Service Name");
        accessMask(nd);
      },
      out: handle,
    },
    17: {
      name: "QueryServiceConfigW",
      in: (nd) => {
        handle(nd);
        nd.u32("svcctl.buffer", "Buffer");
      },
    },
    27: openScManager("OpenSCManagerA", true),
  },
};
