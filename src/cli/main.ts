#!/usr/bin/env node
/** smbcmp command-line entry point: subcommand dispatch and uniform error handling. */
import { existsSync, readFileSync } from "node:fs";
import module from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { closest, UsageError } from "./args.js";

// Node >= 22.1 can keep V8's compiled code of the (lazily imported) engine on disk between runs, as
// tsc does; Node 20 has no such API. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
try {
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
} catch {}

type Handler = (argv: string[]) => Promise<number>;

// Each command's module is imported only when it runs: `--version`, `-h` and usage errors load no
// engine code, and `list` does not evaluate the TUI or the web server (start-up time matters for
// benchmarks and for every `git bisect run` step).
const COMMANDS: Record<string, [() => Promise<Handler>, string]> = {
  diff: [
    async () => (await import("./commands/diff.js")).diffCommand,
    "compare two captures (aligned) or two packets (A:NO B:NO); exit 0 same, 1 different",
  ],
  list: [async () => (await import("./commands/list.js")).listCommand, "list the SMB packets of a capture"],
  show: [async () => (await import("./commands/show.js")).showCommand, "show the detail tree of packets"],
  stats: [
    async () => (await import("./commands/stats.js")).statsCommand,
    "command counts, errors, response times; two captures side by side",
  ],
  keys: [
    async () => (await import("./commands/keys.js")).keysCommand,
    "list the sessions of a capture and whether their keys work",
  ],
  tui: [
    async () => (await import("./commands/tui.js")).tuiCommand,
    "interactive terminal UI on one capture or a pair (smbcmp A [B] on a terminal)",
  ],
  web: [
    async () => (await import("./commands/web.js")).webCommand,
    "browser UI on one capture or a pair (local server; static build: tools/build-web.ts)",
  ],
  completion: [
    async () => (await import("./commands/completion.js")).completionCommand,
    "print the bash or zsh completion script",
  ],
};

/** Replaced by the version string when scripts/bundle.mjs bundles the CLI (esbuild `define`). */
declare const SMBCMP_VERSION: string | undefined;

function version(): string {
  if (typeof SMBCMP_VERSION === "string") return SMBCMP_VERSION;
  // Unbundled (dist/src/cli/main.js or src/cli/main.ts under tsx): the nearest smbcmp package.json.
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (pkg.name === "smbcmp") return pkg.version;
    } catch {}
    const up = dirname(dir);
    if (up === dir) return "unknown";
    dir = up;
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
  // Stack traces of the bundle point into src/ (its .map files); the commands load after this.
  if (debug) process.setSourceMapsEnabled(true);
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
      if (process.stdout.isTTY && process.stdin.isTTY) return await (await COMMANDS.tui![0]())(argv);
      if (pos.length === 2) return await (await COMMANDS.diff![0]())(argv);
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
    return await (await entry[0]())(rest);
  } catch (e) {
    const err = e as Error;
    if (debug) process.stderr.write(`${err.stack}\n`);
    // A CliError comes from a command module, which has loaded common.js by then (no extra cost);
    // a usage error may come before any command is loaded and must not load the engine.
    const common = e instanceof UsageError ? undefined : await import("./common.js").catch(() => undefined);
    const cliError = common && e instanceof common.CliError ? e : undefined;
    const known =
      cliError !== undefined ||
      e instanceof UsageError ||
      err.name === "CaptureError" ||
      err.name === "TraceError";
    const msg = known ? err.message : `internal error: ${err.message} (run with --debug for details)`;
    process.stderr.write(`smbcmp: ${msg}\n`);
    const code = cliError ? cliError.code : 2;
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
