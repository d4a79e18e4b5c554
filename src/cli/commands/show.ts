/** `smbcmp show CAPFILE NO [NO...]`: the detail tree of packets, like `tshark -V`. */
import type { FieldNode } from "../../dissect/tree.js";
import { renderText } from "../../dissect/tree.js";
import { parseArgs, withOptions } from "../args.js";
import { CliError, COMMON_OPTS, loadOpts, loadTrace, out, splitCapNo } from "../common.js";

export const SHOW_OPTS = [
  ...COMMON_OPTS,
  { name: "all-layers", help: "include frame/eth/ip/tcp/nbss layers" },
];

export const SHOW_HELP = `usage: smbcmp show CAPFILE NO [NO...] [options]
       smbcmp show CAPFILE:NO

Prints the detail tree of the given packets (Wireshark frame numbers), SMB layers only by default.

Examples:
  smbcmp show examples/good.pcap 12
  smbcmp show examples/good.pcap:12 --json
  smbcmp show trace.pcap 5 6 7 --all-layers`;

export function treeJson(nodes: readonly FieldNode[]): unknown[] {
  return nodes.map((n) => ({
    name: n.name,
    show: n.show,
    value: n.value,
    label: n.label,
    offset: n.offset,
    length: n.length,
    ...(n.flags ? { flags: n.flags } : {}),
    children: n.children ? treeJson(n.children) : [],
  }));
}

export async function showCommand(argv: string[]): Promise<number> {
  const { opts, rest } = parseArgs(argv, SHOW_OPTS);
  if (opts.help) {
    out(`${withOptions(SHOW_HELP, SHOW_OPTS)}\n`);
    return 0;
  }
  if (!rest.length) throw new CliError("show needs CAPFILE and packet numbers (see smbcmp show -h)");
  const [path, n0] = splitCapNo(rest[0]!);
  const nums = [
    ...(n0 !== undefined ? [n0] : []),
    ...rest.slice(1).map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new CliError(`bad packet number: ${s}`);
      return n;
    }),
  ];
  if (!nums.length) throw new CliError("show needs at least one packet number");
  // Only the packets shown are indexed: their trees still see the whole capture's state.
  const t = await loadTrace(path, { ...loadOpts(opts), only: new Set(nums) });
  try {
    for (const no of nums) {
      const i = t.indexOf(no);
      if (i < 0) throw new CliError(`${path}: packet ${no} is not an SMB packet (or does not exist)`);
      const p = t.packets.at(i)!;
      const all = !!opts["all-layers"];
      const tree = [...(all && t.layers ? t.layers(no) : []), ...t.tree(no, { allLayers: all })];
      if (opts.json) out(`${JSON.stringify({ no, summary: p.summary, tree: treeJson(tree) })}\n`);
      else out(`Packet ${no}: ${p.summary}\n${renderText(tree, 0)}\n\n`);
    }
  } finally {
    t.close();
  }
  return 0;
}
