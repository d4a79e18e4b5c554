/**
 * Conformance of our trees and summaries against tshark: recall (tshark's visible fields we have
 * with the same show), precision (our Wireshark-named fields tshark has with the same show), and
 * identical Info summaries.
 */
import { readFileSync } from "node:fs";
import { FieldFlag, type FieldNode, walk } from "../../src/dissect/tree.js";
import { parseKeyArg } from "../../src/keys/index.js";
import { openTrace } from "../../src/trace/index.js";
import type { Trace } from "../../src/trace/types.js";
import { TSVS } from "../gen-fields.js";
import { infoColumn, type OracleField, pdmlFields, splitArgs } from "./pdml.js";

export interface FrameReport {
  frame: number;
  tshark: number;
  ours: number;
  matched: number;
  /** Our Wireshark-named fields that one of tshark's passes shows with the same value. */
  precise: number;
  missing: string[];
  extra: string[];
}

export interface CaptureReport {
  path: string;
  frames: number;
  /** Frames tshark shows that we don't list, and vice versa. */
  framesOnlyTshark: number[];
  framesOnlyOurs: number[];
  tsharkFields: number;
  ourFields: number;
  matched: number;
  precise: number;
  summaries: number;
  summariesEqual: number;
  summaryDiffs: { frame: number; tshark: string; ours: string }[];
  missingByName: Record<string, number>;
  extraByName: Record<string, number>;
  perFrame?: FrameReport[];
}

let known: Set<string> | undefined;
export function wiresharkNames(): Set<string> {
  known ??= new Set(
    TSVS.flatMap((t) =>
      readFileSync(t, "utf8")
        .split("\n")
        .slice(1)
        .map((l) => l.split("\t")[0]!)
        .filter(Boolean),
    ),
  );
  return known;
}

/** Names that are tshark's bookkeeping rather than dissected content. */
function skipOracle(f: OracleField): boolean {
  return f.hidden || f.name.startsWith("_ws.") || f.name === "text";
}

export function ourFields(nodes: readonly FieldNode[]): { name: string; show: string }[] {
  const outp: { name: string; show: string }[] = [];
  walk(nodes, (n) => {
    if (
      !(n.flags && n.flags & FieldFlag.Text) &&
      n.name &&
      !n.name.startsWith("smbcmp.") &&
      !n.name.startsWith("_ws.")
    )
      outp.push({ name: n.name, show: n.show });
    return true;
  });
  return outp;
}

function key(name: string, show: string): string {
  return `${name}\u0000${show}`;
}

export interface CompareOptions {
  protos?: string[];
  extraArgs?: string[];
  ports?: number[];
  frames?: number[];
  perFrame?: boolean;
  trace?: Trace;
  /** Session keys as Wireshark's uat takes them: session id as the 8 wire bytes in hex, key hex. */
  keys?: { sesid: string; key: string }[];
  /** Compare Info summaries only (no PDML passes: much faster). */
  summariesOnly?: boolean;
}

export async function compareCapture(path: string, o: CompareOptions = {}): Promise<CaptureReport> {
  const protos = o.protos ?? ["smb2"];
  const extra = [...(o.extraArgs ?? [])];
  for (const k of o.keys ?? []) extra.push("-o", `uat:smb2_seskey_list:${k.sesid},${k.key},"",""`);
  const keys = (o.keys ?? []).map((k) => parseKeyArg(`${k.sesid},${k.key}`));
  const trace = o.trace ?? (await openTrace(path, { ports: o.ports, keys }));
  // Recall is measured against tshark's two-pass tree (ours is built after the whole capture is
  // read, like its second pass); a field of ours is precise when either pass shows it, since the
  // passes differ in details (two-pass drops the account of a session, one-pass lacks response-in).
  const info = infoColumn(path, protos, extra);
  const [oracle, onePass] = o.summariesOnly
    ? [new Map([...info.keys()].map((k) => [k, [] as OracleField[]])), new Map<number, OracleField[]>()]
    : await Promise.all([pdmlFields(path, protos, extra, true), pdmlFields(path, protos, extra, false)]);
  const names = wiresharkNames();
  const rep: CaptureReport = {
    path,
    frames: 0,
    framesOnlyTshark: [],
    framesOnlyOurs: [],
    tsharkFields: 0,
    ourFields: 0,
    matched: 0,
    precise: 0,
    summaries: 0,
    summariesEqual: 0,
    summaryDiffs: [],
    missingByName: {},
    extraByName: {},
    perFrame: o.perFrame ? [] : undefined,
  };
  const wantProto = (n: FieldNode) => protos.includes(n.name);
  for (const [frame, tfields] of oracle) {
    if (o.frames && !o.frames.includes(frame)) continue;
    if (trace.indexOf(frame) < 0) {
      rep.framesOnlyTshark.push(frame);
      continue;
    }
    rep.frames++;
    if (o.summariesOnly) continue;
    const tree = trace.tree(frame).filter(wantProto);
    const ours = ourFields(tree);
    const counts = new Map<string, number>();
    for (const f of ours) counts.set(key(f.name, f.show), (counts.get(key(f.name, f.show)) ?? 0) + 1);
    const fr: FrameReport = { frame, tshark: 0, ours: 0, matched: 0, precise: 0, missing: [], extra: [] };
    const tcounts = new Map<string, number>();
    const ocounts = new Map<string, number>();
    for (const f of onePass.get(frame) ?? []) {
      if (skipOracle(f)) continue;
      const k = key(f.name, f.show);
      ocounts.set(k, (ocounts.get(k) ?? 0) + 1);
    }
    for (const f of tfields) {
      if (skipOracle(f)) continue;
      fr.tshark++;
      const k = key(f.name, f.show);
      tcounts.set(k, (tcounts.get(k) ?? 0) + 1);
      const c = counts.get(k) ?? 0;
      if (c > 0) {
        counts.set(k, c - 1);
        fr.matched++;
      } else {
        rep.missingByName[f.name] = (rep.missingByName[f.name] ?? 0) + 1;
        fr.missing.push(`${f.name} = ${f.show}`);
      }
    }
    for (const f of ours) {
      if (!names.has(f.name)) continue;
      fr.ours++;
      const k = key(f.name, f.show);
      const c = tcounts.get(k) ?? 0;
      const c1 = ocounts.get(k) ?? 0;
      if (c > 0 || c1 > 0) {
        tcounts.set(k, c - 1);
        ocounts.set(k, c1 - 1);
        fr.precise++;
      } else {
        rep.extraByName[f.name] = (rep.extraByName[f.name] ?? 0) + 1;
        fr.extra.push(`${f.name} = ${f.show}`);
      }
    }
    rep.tsharkFields += fr.tshark;
    rep.ourFields += fr.ours;
    rep.matched += fr.matched;
    rep.precise += fr.precise;
    rep.perFrame?.push(fr);
  }
  for (const p of trace.packets) {
    if (o.frames && !o.frames.includes(p.no)) continue;
    const isProto = p.messages.some((m) =>
      m.proto === 2 ? protos.includes("smb2") : protos.includes("smb"),
    );
    if (!isProto) continue;
    if (!oracle.has(p.no)) {
      rep.framesOnlyOurs.push(p.no);
      continue;
    }
    const ti = info.get(p.no);
    if (ti === undefined) continue;
    rep.summaries++;
    if (ti === p.summary) rep.summariesEqual++;
    else if (rep.summaryDiffs.length < 200)
      rep.summaryDiffs.push({ frame: p.no, tshark: ti, ours: p.summary });
  }
  if (!o.trace) trace.close();
  return rep;
}

export function indexArgs(tsharkArgs: string): { extraArgs: string[]; ports: number[] } {
  const extraArgs = splitArgs(tsharkArgs);
  return { extraArgs, ports: [] };
}

export function pct(a: number, b: number): string {
  return b ? `${((100 * a) / b).toFixed(2)}%` : "n/a";
}
