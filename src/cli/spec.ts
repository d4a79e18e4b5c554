/**
 * The command table shared by the help text, the man page (tools/gen-docs.ts) and shell
 * completion: one source, so they cannot drift apart.
 */
import { type OptSpec, withOptions } from "./args.js";
import { COMPLETION_HELP, COMPLETION_OPTS } from "./commands/completion.js";
import { DIFF_OPTS, diffHelp } from "./commands/diff.js";
import { KEYS_HELP, KEYS_OPTS } from "./commands/keys.js";
import { LIST_HELP, LIST_OPTS } from "./commands/list.js";
import { SHOW_HELP, SHOW_OPTS } from "./commands/show.js";
import { STATS_OPTS, statsHelp } from "./commands/stats.js";
import { TUI_HELP, TUI_OPTS } from "./commands/tui.js";
import { WEB_HELP, WEB_OPTS } from "./commands/web.js";

export interface CommandSpec {
  name: string;
  summary: string;
  opts: readonly OptSpec[];
  help: () => string;
  /** What the positional arguments are, for completion. */
  args: "captures" | "shells";
}

export const SPECS: CommandSpec[] = [
  {
    name: "diff",
    summary: "compare two captures (aligned) or two packets",
    opts: DIFF_OPTS,
    help: diffHelp,
    args: "captures",
  },
  {
    name: "list",
    summary: "list the SMB packets of a capture",
    opts: LIST_OPTS,
    help: () => withOptions(LIST_HELP, LIST_OPTS),
    args: "captures",
  },
  {
    name: "show",
    summary: "show the detail tree of packets",
    opts: SHOW_OPTS,
    help: () => withOptions(SHOW_HELP, SHOW_OPTS),
    args: "captures",
  },
  {
    name: "stats",
    summary: "command counts, errors, response times; two captures side by side",
    opts: STATS_OPTS,
    help: statsHelp,
    args: "captures",
  },
  {
    name: "keys",
    summary: "list the sessions of a capture and whether their keys work",
    opts: KEYS_OPTS,
    help: () => withOptions(KEYS_HELP, KEYS_OPTS),
    args: "captures",
  },
  {
    name: "tui",
    summary: "interactive terminal UI on one capture or a pair",
    opts: TUI_OPTS,
    help: () => withOptions(TUI_HELP, TUI_OPTS),
    args: "captures",
  },
  {
    name: "web",
    summary: "browser UI on one capture or a pair (local server)",
    opts: WEB_OPTS,
    help: () => withOptions(WEB_HELP, WEB_OPTS),
    args: "captures",
  },
  {
    name: "completion",
    summary: "print the bash or zsh completion script",
    opts: COMPLETION_OPTS,
    help: () => withOptions(COMPLETION_HELP, COMPLETION_OPTS),
    args: "shells",
  },
];

export const CAPTURE_GLOB = "*.@(pcap|pcapng|cap|pcap.gz|pcapng.gz)";
