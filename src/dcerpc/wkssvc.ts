/**
 * Workstation Service (MS-WKST) NetWkstaGetInfo decoded from its NDR stub: what a client asks a
 * server's name, domain and version with. Trees and field names as Wireshark's.
 */
import { infoParam, type Ndr, type NdrInterface, named, PLATFORMS, undecoded } from "./ndr.js";

const P = "wkssvc.wkssvc_";

/** `[switch_is(level)] wkssvc_NetWkstaInfo` at levels 100, 101 and 102. */
function wkstaInfo(nd: Ndr): void {
  nd.group("wkssvc_NetWkstaInfo", () => {
    const level = nd.discriminant(`${P}NetWkstaGetInfo.info`, "Info");
    if (level !== 100 && level !== 101 && level !== 102) undecoded(nd.f, `workstation info level ${level}`);
    const s = `NetWkstaInfo${level}`;
    const str = (member: string, label: string) =>
      nd.ptr(`${label} (uint16)`, true, () => nd.string(`${P}${s}.${member}`, label, true));
    nd.ptr(`Info${level} (wkssvc_${s})`, true, () =>
      nd.f.tree(`${P}NetWkstaInfo.info${level}`, `Info${level}`, () => {
        nd.u32("wkssvc.platform_id", "Platform Id", { vals: named(PLATFORMS) });
        str("server_name", "Server Name");
        str("domain_name", "Domain Name");
        nd.u32(`${P}${s}.version_major`, "Version Major");
        nd.u32(`${P}${s}.version_minor`, "Version Minor");
        if (level === 100) return;
        str("lan_root", "Lan Root");
        if (level === 102) nd.u32(`${P}${s}.logged_on_users`, "Logged On Users");
      }),
    );
  });
}

/** The Workstation Service, as Wireshark names it. */
export const WKSSVC: NdrInterface = {
  proto: "wkssvc",
  title: "Workstation Service",
  ops: {
    0: {
      name: "NetWkstaGetInfo",
      info: (t, response) => (response ? "" : infoParam(t, `${P}NetWkstaGetInfo.level`, "Level")),
      in: (nd) => {
        nd.construct(() =>
          nd.ptr("Server Name (uint16)", true, () =>
            nd.string(`${P}NetWkstaGetInfo.server_name`, "Server Name", true),
          ),
        );
        nd.u32(`${P}NetWkstaGetInfo.level`, "Level");
      },
      out: (nd) => nd.construct(() => nd.ptr("Info (wkssvc_NetWkstaInfo)", false, () => wkstaInfo(nd))),
    },
  },
};
