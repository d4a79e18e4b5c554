/**
 * Generates docs/smbcmp.1 (man page) and completions/smbcmp.bash, completions/_smbcmp from the
 * CLI's own command/option tables (src/cli/spec.ts), so help, man page and completion agree.
 *
 *   node --import tsx tools/gen-docs.ts          # write the files
 *   node --import tsx tools/gen-docs.ts --check  # exit 1 when a file is out of date
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bashCompletion, zshCompletion } from "../src/cli/commands/completion.js";
import { SPECS } from "../src/cli/spec.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** roff escaping: backslashes, leading dots/quotes, hyphens in option names. */
const r = (s: string) =>
  s
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .split("\n")
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join("\n");

export function manPage(): string {
  const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version as string;
  const out: string[] = [
    `.TH SMBCMP 1 "" "smbcmp ${version}" "User Commands"`,
    ".SH NAME",
    "smbcmp \\- dissect and diff SMB network captures",
    ".SH SYNOPSIS",
    ".B smbcmp",
    ".I command",
    "[\\fIoptions\\fR] ...",
    ".br",
    ".B smbcmp",
    "[\\fB\\-k\\fR \\fISESSID,KEY\\fR] \\fIA.pcap\\fR[:\\fINO\\fR] \\fIB.pcap\\fR[:\\fINO\\fR]",
    ".SH DESCRIPTION",
    "smbcmp reads pcap/pcapng captures of SMB1/SMB2/SMB3 traffic, decodes them like Wireshark (same field names), decrypts SMB3 with session keys, and aligns a working trace with a failing one to show the real differences. Without a command, two captures are diffed (the interactive UI when stdout is a terminal).",
    ".SH COMMANDS",
  ];
  for (const c of SPECS) {
    out.push(`.SS ${c.name}`, r(c.summary), ".PP", ".nf", r(c.help()), ".fi");
  }
  out.push(
    ".SH EXIT STATUS",
    "0: no difference (or success); 1: differences found (diff); 2: trouble (bad option, unreadable capture...); 125: trouble with \\fB\\-\\-bisect\\fR; 130: interrupted.",
    ".SH ENVIRONMENT",
    ".TP",
    ".B SMBCMP_KEYS",
    "colon-separated key files read by every command",
    ".TP",
    ".B SMBCMP_CONFIG",
    "configuration file instead of ~/.smbcmp",
    ".TP",
    ".B NO_COLOR",
    "no color with \\fB\\-\\-color auto\\fR",
    ".SH FILES",
    ".TP",
    ".I ~/.smbcmp",
    "the original smbcmp's INI file: [global] keys, [diff] profile = NAME, [profile NAME] ignore = RULES",
    ".SH SEE ALSO",
    "docs/filters.md (display filters), docs/json.md (JSON output), tshark(1), wireshark-filter(4)",
    "",
  );
  return out.join("\n");
}

const files: [string, string][] = [
  ["docs/smbcmp.1", manPage()],
  ["completions/smbcmp.bash", bashCompletion(SPECS)],
  ["completions/_smbcmp", zshCompletion(SPECS)],
];

const check = process.argv.includes("--check");
let stale = 0;
for (const [rel, text] of files) {
  const path = join(root, rel);
  if (check) {
    let cur = "";
    try {
      cur = readFileSync(path, "utf8");
    } catch {}
    if (cur !== text) {
      process.stderr.write(`${rel} is out of date: run node --import tsx tools/gen-docs.ts\n`);
      stale++;
    }
  } else writeFileSync(path, text);
}
process.exitCode = stale ? 1 : 0;
