#!/usr/bin/env node
/** smbcmp command-line entry point: subcommand dispatch and uniform error handling. */
import { existsSync, readFileSync } from "node:fs";
import { closest, UsageError } from "./args.js";
import { keysCommand } from "./commands/keys.js";
import { listCommand } from "./commands/list.js";
import { showCommand } from "./commands/show.js";
import { tuiCommand } from "./commands/tui.js";
import { CliError } from "./common.js";

type Handler = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, [Handler, string]> = {
  list: [listCommand, "list the SMB packets of a capture"],
  show: [showCommand, "show the detail tree of packets"],
  keys: [keysCommand, "list the sessions of a capture and whether their keys work"],
  tui: [tuiCommand, "interactive terminal UI on one capture or a pair (smbcmp A [B] on a terminal)"],
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

commands:
${Object.entries(COMMANDS)
  .map(([k, [, h]]) => `  ${k.padEnd(8)} ${h}`)
  .join("\n")}

Run 'smbcmp COMMAND -h' for a command's options and examples.`;

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
    // `smbcmp A.pcap [B.pcap]` on a terminal opens the TUI, as the original smbcmp did.
    if (!entry && process.stdout.isTTY && process.stdin.isTTY && existsSync(cmd.replace(/:\d+$/, "")))
      return await tuiCommand(argv);
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
    return e instanceof CliError ? e.code : 2;
  }
}

process.on("SIGINT", () => process.exit(130));
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 2;
  },
);
