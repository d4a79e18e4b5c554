/** `smbcmp tui A.pcap [B.pcap]`: the interactive terminal UI (also `smbcmp A.pcap [B.pcap]` on a terminal). */
import { checkPath, runTui } from "../../tui/index.js";
import { optionHelp, parseArgs } from "../args.js";
import { CliError, COMMON_OPTS, gatherKeys, loadOpts, out, parsePorts, splitCapNo } from "../common.js";

export const TUI_OPTS = [
  ...COMMON_OPTS.filter((o) => o.name !== "json"),
  {
    name: "config",
    short: "c",
    value: true,
    arg: "FILE",
    help: "config file (default ~/.smbcmp or $SMBCMP_CONFIG)",
  },
  {
    name: "display-filter",
    short: "Y",
    value: true,
    arg: "FILTER",
    help: "initial list filter (display filter, or a substring of the summary)",
  },
  {
    name: "mode",
    short: "m",
    value: true,
    arg: "text|pdml",
    help: "accepted for the original smbcmp; the TUI always diffs fields",
  },
  {
    name: "profile",
    short: "p",
    value: true,
    arg: "NAME",
    help: "ignore profile for the diff (default: [diff] profile or 'default')",
  },
];

export const TUI_HELP = `usage: smbcmp tui CAPFILE[:NO] [CAPFILE[:NO]] [options]
       smbcmp CAPFILE [CAPFILE]            (on a terminal)

One capture: packet list on top, the selected packet's detail tree below (x: hex pane).
Two captures: both lists aligned by the diff engine, the selected pair's diff below.
Keys: d/f previous/next pair, j/k move, b/n scroll the diff, a ignore field, ] next divergence,
/ search, F filter (display filter or substring), p profile, u unlink lists, tab focus, x hex, ? help, q quit.
Keys and the list/detail split are configurable in ~/.smbcmp ([global] key_next = f, vsplit_ratio).

options:
${optionHelp(TUI_OPTS)}`;

export async function tuiCommand(argv: string[]): Promise<number> {
  const { opts, rest } = parseArgs(argv, TUI_OPTS);
  if (opts.help) {
    out(`${TUI_HELP}\n`);
    return 0;
  }
  if (rest.length < 1 || rest.length > 2)
    throw new CliError("tui needs one or two capture files (see smbcmp tui -h)");
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new CliError("tui needs a terminal (use 'smbcmp list' or 'smbcmp diff' for scripts)");
  const [pathA, startA] = splitCapNo(rest[0]!);
  const [pathB, startB] = rest[1] ? splitCapNo(rest[1]) : [undefined, undefined];
  for (const p of [pathA, pathB]) {
    const bad = p && checkPath(p);
    if (bad) throw new CliError(`cannot open ${bad}`);
  }
  const load = loadOpts(opts);
  // Bad keys or ports are one-line errors before the screen switches.
  gatherKeys(load);
  parsePorts(load.ports);
  const configPath = opts.config as string | undefined;
  if (configPath) {
    const bad = checkPath(configPath);
    if (bad) throw new CliError(`cannot read config ${bad}`);
  }
  return runTui({
    pathA,
    pathB,
    startA,
    startB,
    load,
    profile: opts.profile as string | undefined,
    filter: opts["display-filter"] as string | undefined,
    configPath,
  });
}
