/** Shared CLI plumbing: trace loading with the user's options, output, errors. */

import { readFileSync, statSync, writeSync } from "node:fs";
import { loadConfig } from "../diff/config.js";
import { typoHint } from "../dissect/vocabulary.js";
import { openTsharkTrace } from "../engine/tshark.js";
import { compileFilter, type Filter, FilterSyntaxError, filterTrace } from "../filter/index.js";
import { detectAndParse, type KeyEntry, KeyParseError, parseKeyArg, parseKeyFile } from "../keys/index.js";
import { type OpenOptions, openTrace } from "../trace/index.js";
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
  {
    name: "engine",
    value: true,
    arg: "ENGINE",
    choices: ["native", "tshark"],
    help: "dissector: native (default, smbcmp's own) or tshark (one tshark -2 PDML pass, in memory)",
  },
  {
    name: "nbss",
    help: "also list NetBIOS session requests, responses and keep-alives (port 139; native engine)",
  },
  { name: "json", help: "machine-readable output (schema: docs/json.md)" },
  {
    name: "color",
    value: true,
    arg: "WHEN",
    choices: ["auto", "always", "never"],
    help: "color: auto (a terminal and no $NO_COLOR), always, never",
  },
  { name: "quiet", short: "q", help: "no warnings on stderr" },
  { name: "debug", help: "show stack traces of internal errors" },
  { name: "help", short: "h", help: "show this help" },
];

export interface LoadOpts {
  ports?: string[];
  quiet?: boolean;
  /** Display filter (-Y): only matching packets are kept. */
  filter?: Filter;
  key?: string[];
  keys?: string[];
  /** Config file (default ~/.smbcmp or SMBCMP_CONFIG). */
  config?: string;
  /** "native" (default) or "tshark". */
  engine?: string;
  /** List non-message NBSS PDUs too. */
  nbss?: boolean;
  /** Only these frames are needed (see OpenOptions.only). */
  only?: ReadonlySet<number>;
}

/**
 * Keys from -k, --keys files, the SMBCMP_KEYS environment variable (a ':'-separated list of files)
 * and the `[keys]` section of ~/.smbcmp (`SESID = KEY [SERVERIN SERVEROUT]` lines, or
 * `files = PATH[:PATH...]`).
 */
export function gatherKeys(o: LoadOpts): KeyEntry[] {
  const out: KeyEntry[] = [];
  try {
    for (const k of o.key ?? []) out.push(parseKeyArg(k));
    const cfg = loadConfig(o.config);
    const section = cfg.sections.keys ?? {};
    const cfgFiles: string[] = [];
    for (const [k, v] of Object.entries(section)) {
      if (k === "files" || k === "file") cfgFiles.push(...v.split(":").filter(Boolean));
      else out.push(...parseKeyFile(`${k} ${v}`, `${cfg.path ?? "config"} [keys]`));
    }
    const files = [
      ...(o.keys ?? []),
      ...(process.env.SMBCMP_KEYS ?? "").split(":").filter(Boolean),
      ...cfgFiles,
    ];
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
    config: typeof opts.config === "string" ? opts.config : undefined,
    engine: typeof opts.engine === "string" ? opts.engine : undefined,
    nbss: !!opts.nbss,
  };
}

export const FILTER_OPT: OptSpec = {
  name: "display-filter",
  short: "Y",
  value: true,
  arg: "FILTER",
  help: "only packets matching this display filter (Wireshark-like syntax, see docs/filters.md)",
};

/** Compiles -Y; a syntax error is a one-line CliError with the column. */
export function parseFilterOpt(text: string | undefined): Filter | undefined {
  if (text === undefined) return undefined;
  try {
    return compileFilter(text);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw new CliError(e.message);
    throw e;
  }
}

/** --color auto|always|never → whether to color stdout. */
export function colorOf(opts: Record<string, string | boolean | string[]>): boolean {
  const c = (opts.color as string | undefined) ?? "auto";
  if (c === "always") return true;
  if (c === "never") return false;
  if (c !== "auto") throw new CliError(`bad --color value '${c}' (auto, always or never)`);
  return !process.env.NO_COLOR && Boolean(process.stdout.isTTY);
}

/** A progress line on stderr for loads lasting over a second, only when stderr is a terminal. */
function progress(path: string, quiet?: boolean): ((done: number, total: number) => void) | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  const start = Date.now();
  let last = 0;
  let shown = false;
  return (done, total) => {
    const now = Date.now();
    if (done >= total) {
      if (shown) process.stderr.write("\r\x1b[K");
      return;
    }
    if (now - start < 1000 || now - last < 200) return;
    last = now;
    shown = true;
    const pct = total ? Math.floor((done * 100) / total) : 0;
    process.stderr.write(`\r\x1b[Kloading ${path}: ${pct}%`);
  };
}

/** The native engine's open options for `path` (warnings: the first one goes to stderr). */
export function openOptions(path: string, o: LoadOpts, showProgress = true): OpenOptions {
  let warned = 0;
  return {
    ports: parsePorts(o.ports),
    keys: gatherKeys(o),
    nbss: o.nbss,
    onProgress: showProgress ? progress(path, o.quiet) : undefined,
    onWarning: (w) => {
      if (o.quiet || warned++) return;
      process.stderr.write(`smbcmp: warning: ${path}: ${w.frame ? `frame ${w.frame}: ` : ""}${w.message}\n`);
    },
  };
}

export async function loadTrace(path: string, o: LoadOpts): Promise<Trace> {
  const t =
    o.engine === "tshark"
      ? await openTsharkTrace(path, {
          ports: parsePorts(o.ports),
          keys: gatherKeys(o),
          tshark: loadConfig(o.config).tsharkPath,
        })
      : await openTrace(path, { ...openOptions(path, o), only: o.only });
  if (!o.filter) return t;
  const view = filterTrace(t, o.filter);
  warnUnseen(o.filter, path, o.quiet);
  return view;
}

/** Captures smaller than this load in well under a second: not worth a load worker's start. */
const PAIR_MIN_BYTES = 16 << 20;

/**
 * Loads two captures at the same time when both are large: B in a load worker
 * (src/worker/trace.ts) while this thread indexes A, so a diff of two large captures waits for
 * the longer load, not for both. The same options, warnings and errors as two loadTrace calls.
 * The tshark engine, and a filter that reads trees (each would cross threads), load one after the
 * other. B's trees then come from its worker: `inProcess` brings B here when many are needed.
 */
export async function loadTracePair(
  pa: string,
  pb: string,
  o: LoadOpts,
  minBytes = PAIR_MIN_BYTES,
): Promise<[Trace, Trace]> {
  const big = (p: string) => {
    try {
      return statSync(p).size >= minBytes;
    } catch {
      return false;
    }
  };
  if (o.engine === "tshark" || o.filter?.needsTree || o.only || !big(pa) || !big(pb))
    return [await loadTrace(pa, o), await loadTrace(pb, o)];
  const { WorkerTrace } = await import("../worker/trace.js");
  const show = progress(pb, o.quiet);
  const events = { onProgress: show ?? (() => {}), onDone() {}, onError() {} };
  const spec = { ports: parsePorts(o.ports), keys: gatherKeys(o), nbss: o.nbss };
  const wb = new WorkerTrace(pb, {}, events, undefined, { spec });
  let a: Trace | undefined;
  try {
    a = await loadTrace(pa, o);
    await wb.ready;
  } catch (e) {
    a?.close();
    wb.close();
    throw e;
  }
  show?.(1, 1);
  if (wb.warnings.length && !o.quiet) process.stderr.write(`smbcmp: warning: ${pb}: ${wb.warnings[0]}\n`);
  inWorker.add(wb);
  if (!o.filter) return [a, wb];
  const b = filterTrace(wb, o.filter);
  warnUnseen(o.filter, pb, o.quiet);
  inWorker.add(b);
  return [a, b];
}

/** Traces of loadTracePair whose trees come from a load worker. */
const inWorker = new WeakSet<Trace>();

/**
 * `t` (capture `path`, from loadTracePair) with its trees built in this thread: a diff that
 * compares every field builds thousands, each faster here than sent from a worker as a skeleton.
 * Reloads the capture when its trees were in a worker (quietly: it was loaded once already).
 */
export async function inProcess(t: Trace, path: string, o: LoadOpts): Promise<Trace> {
  if (!inWorker.has(t)) return t;
  t.close();
  return loadTrace(path, { ...o, quiet: true });
}

const warnedFields = new Set<string>();

/**
 * After a filtered pass over `path`: a field of the filter that no packet had gets a warning (once
 * per name), since a misspelt field name matches nothing without any error.
 */
export function warnUnseen(filter: Filter | undefined, path: string, quiet?: boolean): void {
  if (!filter || quiet) return;
  for (const f of filter.unseen()) {
    if (warnedFields.has(f)) continue;
    warnedFields.add(f);
    const hint = typoHint(f) || ` (smbcmp show --json ${path} NO lists a packet's fields)`;
    process.stderr.write(`smbcmp: warning: ${path}: no packet has a field named ${f}${hint}\n`);
  }
}

/** For short sleeps while a full pipe drains (Atomics.wait on memory nobody notifies). */
const NAP = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes to stdout and returns once the bytes are written. process.stdout queues what a pipe does
 * not take at once, so output produced in a synchronous pass (a streamed listing) would pile up in
 * memory behind `| less` and keep being produced after `| head` has exited. Here a full pipe waits,
 * and a closed one (`| head`) ends the process quietly at once.
 */
export function out(text: string | Uint8Array): void {
  const b = typeof text === "string" ? Buffer.from(text) : text;
  let off = 0;
  while (off < b.length) {
    try {
      off += writeSync(1, b, off, b.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") Atomics.wait(NAP, 0, 0, 5);
      else if (code === "EPIPE") process.exit(0);
      else throw e;
    }
  }
}

process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
