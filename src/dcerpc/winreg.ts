/**
 * Remote Registry (MS-RRP) calls decoded from their NDR stubs: the OpenHK* root keys, OpenKey,
 * QueryValue, GetVersion and CloseKey, what clients read server settings with. Trees and field names
 * as Wireshark's winreg (its winreg_String handled by hand).
 */
import { type AccessBit, infoParam, type Ndr, type NdrInterface, type NdrOp } from "./ndr.js";

const P = "winreg.winreg_";

/** Registry key rights (MS-RRP 2.2.3), as Wireshark lists them. */
const KEY_RIGHTS: readonly AccessBit[] = (
  [
    ["KEY_WOW64_32KEY", 0x200],
    ["KEY_WOW64_64KEY", 0x100],
    ["KEY_CREATE_LINK", 0x20],
    ["KEY_NOTIFY", 0x10],
    ["KEY_ENUMERATE_SUB_KEYS", 0x08],
    ["KEY_CREATE_SUB_KEY", 0x04],
    ["KEY_SET_VALUE", 0x02],
    ["KEY_QUERY_VALUE", 0x01],
  ] as const
).map(([c, mask]) => [`${P}AccessMask.${c}`, c.replaceAll("_", " "), mask, `${c} is SET`, `${c} is NOT SET`]);

const KEY_OPTIONS = [
  ["REG_OPTION_VOLATILE", 0x1],
  ["REG_OPTION_CREATE_LINK", 0x2],
  ["REG_OPTION_BACKUP_RESTORE", 0x4],
  ["REG_OPTION_OPEN_LINK", 0x8],
] as const;

/** Value types (MS-RRP 2.2.8... winreg_Type). */
const TYPES = new Map([
  [0, "REG_NONE"],
  [1, "REG_SZ"],
  [2, "REG_EXPAND_SZ"],
  [3, "REG_BINARY"],
  [4, "REG_DWORD"],
  [5, "REG_DWORD_BIG_ENDIAN"],
  [6, "REG_LINK"],
  [7, "REG_MULTI_SZ"],
  [8, "REG_RESOURCE_LIST"],
  [9, "REG_FULL_RESOURCE_DESCRIPTOR"],
  [10, "REG_RESOURCE_REQUIREMENTS_LIST"],
  [11, "REG_QWORD"],
]);

/** OpenHKLM and its kin: a system name (a number nobody uses), the access wanted; a key handle. */
function openRoot(name: string): NdrOp {
  return {
    name,
    handle: { kind: "opens" },
    in: (nd) => {
      nd.construct(() =>
        nd.ptr("System Name (uint16)", true, () => nd.u16("winreg.system_name", "System Name")),
      );
      nd.accessMask("winreg.access_mask", "WINREG", KEY_RIGHTS);
    },
    out: (nd) => nd.handleParam("Handle", "winreg.handle"),
  };
}

/**
 * A value's type, data and sizes (QueryValue's in/out parameters after its name, EnumValue's):
 * `members` names the data, its size and its length.
 */
function valueParams(nd: Ndr, op: string, members: readonly [string, string, string]): void {
  const [data, size, length] = members;
  const label = (m: string) =>
    m.charAt(0).toUpperCase() +
    m
      .slice(1)
      .replaceAll("_", " ")
      .replace(/ (\w)/g, (x) => x.toUpperCase());
  nd.construct(() =>
    nd.ptr("Type (winreg_Type)", true, () => {
      nd.align(4);
      const at = nd.f.c.pos;
      const t = nd.f.c.u32();
      // Wireshark shows the type as an empty field; its name is kept in the label.
      nd.f.add({
        name: `${P}${op}.type`,
        label: `Type: ${TYPES.get(t) ?? "Unknown"} (${t})`,
        show: "",
        value: t,
        offset: at,
        length: 4,
      });
    }),
  );
  nd.construct(() =>
    nd.ptr(`${label(data)} (uint8)`, true, () => {
      const n = nd.varying();
      nd.f.c.need(n);
      // One field per byte, as Wireshark shows a uint8 array.
      for (let i = 0; i < n; i++) nd.u8(`${P}${op}.${data}`, label(data));
    }),
  );
  for (const m of [size, length])
    nd.construct(() => nd.ptr(`${label(m)} (uint32)`, true, () => nd.u32(`${P}${op}.${m}`, label(m))));
}

/** EnumValue's `[in,out,ref] winreg_ValNameBuf *name`: its characters shown one by one, as Wireshark does. */
function valNameBuf(nd: Ndr): void {
  nd.construct(() =>
    nd.ptr("Name (winreg_ValNameBuf)", false, () =>
      nd.f.tree(`${P}EnumValue.name`, "Name", () => {
        nd.u16(`${P}ValNameBuf.length`, "Length");
        nd.u16(`${P}ValNameBuf.size`, "Size");
        nd.ptr("Name (uint16)", true, () => {
          const n = nd.varying();
          nd.f.c.need(2 * n);
          for (let i = 0; i < n; i++) nd.u16(`${P}ValNameBuf.name`, "Name");
        });
      }),
    ),
  );
}

const QUERY_VALUE = ["data", "data_size", "data_length"] as const;
const ENUM_VALUE = ["value", "size", "length"] as const;

/** The Remote Registry service, as Wireshark names it. */
export const WINREG: NdrInterface = {
  proto: "winreg",
  title: "Remote Registry Service",
  ops: {
    0: openRoot("OpenHKCR"),
    1: openRoot("OpenHKCU"),
    2: openRoot("OpenHKLM"),
    3: openRoot("OpenHKPD"),
    4: openRoot("OpenHKU"),
    5: {
      name: "CloseKey",
      handle: { kind: "closes" },
      in: (nd) => nd.handleParam("Handle", "winreg.handle"),
      out: (nd) => nd.handleParam("Handle", "winreg.handle"),
    },
    10: {
      name: "EnumValue",
      in: (nd) => {
        nd.handleParam("Handle", "winreg.handle");
        nd.u32(`${P}EnumValue.enum_index`, "Enum Index");
        valNameBuf(nd);
        valueParams(nd, "EnumValue", ENUM_VALUE);
      },
      out: (nd) => {
        valNameBuf(nd);
        valueParams(nd, "EnumValue", ENUM_VALUE);
      },
    },
    15: {
      name: "OpenKey",
      handle: { kind: "opens", named: keyName },
      info: (t, response) => (response ? "" : infoParam(t, `${P}OpenKey.keyname`)),
      in: (nd) => {
        nd.handleParam("Parent Handle", `${P}OpenKey.parent_handle`, "Parent Handle");
        nd.construct(() => nd.countedString(`${P}String`, `${P}OpenKey.keyname`, "Keyname", true));
        nd.bitmap(
          `${P}OpenKey.options`,
          "Options",
          KEY_OPTIONS.map(([c, m]) => [`${P}KeyOptions.${c}`, c, m] as const),
          "upper",
        );
        nd.accessMask("winreg.access_mask", "WINREG", KEY_RIGHTS);
      },
      out: (nd) => nd.handleParam("Handle", "winreg.handle"),
    },
    17: {
      name: "QueryValue",
      in: (nd) => {
        nd.handleParam("Handle", "winreg.handle");
        nd.construct(() =>
          nd.ptr("Value Name (winreg_String)", false, () =>
            nd.countedString(`${P}String`, `${P}QueryValue.value_name`, "Value Name", false),
          ),
        );
        valueParams(nd, "QueryValue", QUERY_VALUE);
      },
      out: (nd) => valueParams(nd, "QueryValue", QUERY_VALUE),
    },
    26: {
      name: "GetVersion",
      in: (nd) => nd.handleParam("Handle", "winreg.handle"),
      out: (nd) => nd.u32Ref(`${P}GetVersion.version`, "Version"),
    },
  },
};

/** OpenKey's key name (after the parent handle), to name the handle it opens. */
function keyName(stub: Buffer): string | undefined {
  // handle (20), length and size (2 + 2), referent id (4), then max count, offset, actual count.
  if (stub.length < 40) return undefined;
  const n = stub.readUInt32LE(36);
  if (stub.length < 40 + 2 * n) return undefined;
  const s = stub.toString("utf16le", 40, 40 + 2 * n);
  return s.endsWith("\0") ? s.slice(0, -1) : s;
}
