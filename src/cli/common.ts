/** Shared CLI plumbing: trace loading with the user's options, output, errors. */
import { readFileSync } from "node:fs";
import { detectAndParse, type KeyEntry, KeyParseError, parseKeyArg } from "../keys/index.js";
import { openTrace } from "../trace/index.js";
import type { Trace } from "../trace/types.js";
import type { OptSpec } from "./args.js";

export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 2,
  ) {
    super(message);
  }
}

export const KEY_OPTS: OptSpec[] = [
  {
    name: "key",
    short: "k",
    value: true,
    repeat: true,
    arg: "SESSID,KEY",
    help: "SMB3 session key (session id as on the wire or 0x-number; key hex)",
  },
  {
    name: "keys",
    value: true,
    repeat: true,
    arg: "FILE",
    help: "key file: smbcmp's, Samba debug log, kernel cifs dmesg, Wireshark smb2_seskey_list",
  },
];

export const COMMON_OPTS: OptSpec[] = [
  ...KEY_OPTS,
  {
    name: "port",
    value: true,
    repeat: true,
    arg: "PORT",
    help: "also decode this TCP port as SMB (445, 139 and SMB-looking ports always are)",
  },
  { name: "json", help: "machine-readable output (one JSON object per line for lists)" },
  { name: "quiet", short: "q", help: "no warnings on stderr" },
  { name: "debug", help: "show stack traces of internal errors" },
  { name: "help", short: "h", help: "show this help" },
];

export interface LoadOpts {
  ports?: string[];
  quiet?: boolean;
  key?: string[];
  keys?: string[];
}

/** Keys from -k, --keys files and the SMBCMP_KEYS environment variable (a ':'-separated list of files). */
export function gatherKeys(o: LoadOpts): KeyEntry[] {
  const out: KeyEntry[] = [];
  try {
    for (const k of o.key ?? []) out.push(parseKeyArg(k));
    const files = [...(o.keys ?? []), ...(process.env.SMBCMP_KEYS ?? "").split(":").filter(Boolean)];
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(f, "utf8");
      } catch (e) {
        throw new CliError(
          `cannot read key file ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      out.push(...detectAndParse(text, f));
    }
  } catch (e) {
    if (e instanceof KeyParseError) throw new CliError(e.message);
    throw e;
  }
  return out;
}

export function parsePorts(ports: string[] | undefined): number[] {
  return (ports ?? [])
    .flatMap((p) => p.split(","))
    .map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new CliError(`bad port: ${p}`);
      return n;
    });
}

/** `FILE:NO` → [FILE, NO] (the original smbcmp syntax); a plain path → [path, undefined]. */
export function splitCapNo(arg: string): [string, number | undefined] {
  const m = /^(.*):(\d+)$/.exec(arg);
  if (m?.[1]) return [m[1], Number(m[2])];
  return [arg, undefined];
}

/** The LoadOpts of parsed command-line options. */
export function loadOpts(opts: Record<string, string | boolean | string[]>): LoadOpts {
  return {
    ports: opts.port as string[] | undefined,
    quiet: !!opts.quiet,
    key: opts.key as string[] | undefined,
    keys: opts.keys as string[] | undefined,
  };
}

export async function loadTrace(path: string, o: LoadOpts): Promise<Trace> {
  let warned = 0;
  const t = await openTrace(path, {
    ports: parsePorts(o.ports),
    keys: gatherKeys(o),
    onWarning: (w) => {
      if (o.quiet || warned++) return;
      process.stderr.write(`smbcmp: warning: ${path}: ${w.frame ? `frame ${w.frame}: ` : ""}${w.message}\n`);
    },
  });
  return t;
}

/** Writes to stdout; a closed pipe (`| head`) ends the process quietly. */
export function out(text: string): void {
  process.stdout.write(text);
}

process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
