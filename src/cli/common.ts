/** Shared CLI plumbing: trace loading with the user's options, output, errors. */
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

export const COMMON_OPTS: OptSpec[] = [
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

export async function loadTrace(path: string, o: LoadOpts): Promise<Trace> {
  let warned = 0;
  const t = await openTrace(path, {
    ports: parsePorts(o.ports),
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
