#!/usr/bin/env node
/** smbcmp command-line entry point: subcommand dispatch and uniform error handling. */
import { existsSync, readFileSync } from "node:fs";
import { closest, UsageError } from "./args.js";
import { completionCommand } from "./commands/completion.js";
import { diffCommand } from "./commands/diff.js";
import { keysCommand } from "./commands/keys.js";
import { listCommand } from "./commands/list.js";
import { showCommand } from "./commands/show.js";
import { statsCommand } from "./commands/stats.js";
import { tuiCommand } from "./commands/tui.js";
import { webCommand } from "./commands/web.js";
import { CliError } from "./common.js";

type Handler = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, [Handler, string]> = {
  diff: [diffCommand, "compare two captures (aligned) or two packets (A:NO B:NO); exit 0 same, 1 different"],
  list: [listCommand, "list the SMB packets of a capture"],
  show: [showCommand, "show the detail tree of packets"],
  stats: [statsCommand, "command counts, errors, response times; two captures side by side"],
  keys: [keysCommand, "list the sessions of a capture and whether their keys work"],
  tui: [tuiCommand, "interactive terminal UI on one capture or a pair (smbcmp A [B] on a terminal)"],
  web: [webCommand, "browser UI on one capture or a pair (local server; static build: tools/build-web.ts)"],
  completion: [completionCommand, "print the bash or zsh completion script"],
};

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    return pkg.version;
  } catch {
    return "unknown";
  }
}

const HELP = `smbcmp — compare SMB network captures

usage: smbcmp COMMAND [options] ...
       smbcmp [-k SESSID,KEY] A.pcap[:NO] B.pcap[:NO]   (diff; the TUI on a terminal)

commands:
${Object.entries(COMMANDS)
  .map(([k, [, h]]) => `  ${k.padEnd(8)} ${h}`)
  .join("\n")}

Run 'smbcmp COMMAND -h' for a command's options and examples; 'smbcmp --version'.`;

/** Options taking a value in the original calling form (`smbcmp -k SESSID,KEY A B`). */
const VALUE_OPTS = new Set([
  "-c",
  "--config",
  "-k",
  "--key",
  "--keys",
  "--port",
  "-p",
  "--profile",
  "-Y",
  "--display-filter",
  "-m",
  "--mode",
  "--color",
  "-i",
  "--ignore",
  "-C",
  "--context",
  "-f",
  "--format",
  "-o",
  "--output",
]);

/** The positional arguments of an original-form command line. */
function positionals(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("-") && a.length > 1) {
      if (VALUE_OPTS.has(a)) i++;
    } else out.push(a);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    const [cmd, ...rest] = argv;
    if (!cmd || cmd === "-h" || cmd === "--help" || cmd === "help") {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (cmd === "--version" || cmd === "-V") {
      process.stdout.write(`smbcmp ${version()}\n`);
      return 0;
    }
    const entry = COMMANDS[cmd];
    // The original smbcmp calling form: `smbcmp [-k SESSID,KEY] A.pcap [B.pcap]`, options first
    // allowed. On a terminal it opens the TUI; otherwise two captures are a diff.
    const pos = entry ? [] : positionals(argv);
    const looksLikeFile = (a: string) => existsSync(a.replace(/:\d+$/, "")) || /[./\\]/.test(a);
    if (!entry && pos.length && looksLikeFile(pos[0]!)) {
      if (process.stdout.isTTY && process.stdin.isTTY) return await tuiCommand(argv);
      if (pos.length === 2) return await diffCommand(argv);
      if (pos.length === 1)
        throw new UsageError(`one capture without a terminal: use 'smbcmp list ${pos[0]}' or 'smbcmp show'`);
    }
    if (!entry && cmd.startsWith("-")) {
      const near = closest(cmd.replace(/^-+/, ""), ["help", "version"]);
      throw new UsageError(`unknown option ${cmd}${near ? ` (did you mean --${near}?)` : ""}; see smbcmp -h`);
    }
    if (!entry) {
      const near = closest(cmd, Object.keys(COMMANDS));
      throw new UsageError(
        `unknown command '${cmd}'${near ? ` (did you mean '${near}'?)` : ""}; see smbcmp -h`,
      );
    }
    return await entry[0](rest);
  } catch (e) {
    const err = e as Error;
    if (debug) process.stderr.write(`${err.stack}\n`);
    const known =
      e instanceof CliError ||
      e instanceof UsageError ||
      err.name === "CaptureError" ||
      err.name === "TraceError";
    const msg = known ? err.message : `internal error: ${err.message} (run with --debug for details)`;
    process.stderr.write(`smbcmp: ${msg}\n`);
    const code = e instanceof CliError ? e.code : 2;
    // `git bisect run` must skip (125), not mark bad, a commit where smbcmp itself is in trouble.
    return code === 2 && argv.includes("--bisect") ? 125 : code;
  }
}

// No SIGINT handler: loading is synchronous, and the default action (the shell sees 130) stops at
// once, where a JS handler would only run after the load finished.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 2;
  },
);
