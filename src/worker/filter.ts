/**
 * The packet list filter of the web UI (a display filter, or else a substring of the summary,
 * addresses or frame number) as a resumable run: Session.filterIndex runs it at once; a load
 * worker (src/worker/load-worker.ts) runs it in slices next to its own trees, answering other
 * requests between two slices, for the web server's compute worker.
 */
import { compileFilter, unseenNote } from "../filter/index.js";
import { packetRow } from "../trace/store.js";
import type { Trace } from "../trace/types.js";

/** Display filter syntax (src/filter) or a plain substring? Same heuristic as the TUI's F key. */
export function looksLikeFilter(text: string): boolean {
  const t = text.trim();
  return (
    /[=<>!~]|\b(contains|matches|and|or|not)\b|&&|\|\|/.test(t) ||
    /^(smb2?|nbss|frame|ntlmssp|spnego|gss-api|dcerpc|smbcmp|kerberos|tcp|ip)(\.[\w.]+)?$/i.test(t)
  );
}

export interface FilterResult {
  /** Indexes of the passing packets. */
  idx: Uint32Array;
  /** "display filter", "substring" or why the text is not a display filter. */
  note: string;
}

/**
 * Filters `t`'s packets, yielding after every `slice` packets; returns the result. `filter` must
 * not be empty.
 */
export function* filterSteps(t: Trace, filter: string, slice = 256): Generator<void, FilterResult> {
  const hits: number[] = [];
  let note = "substring";
  let df: ReturnType<typeof compileFilter> | undefined;
  if (looksLikeFilter(filter)) {
    try {
      df = compileFilter(filter);
      note = "display filter";
    } catch (e) {
      note = `not a display filter (${(e as Error).message}); substring`;
    }
  }
  const q = filter.toLowerCase();
  for (let i = 0; i < t.packets.length; i++) {
    if (i % slice === slice - 1) yield;
    if (df) {
      if (df.matches(t, i)) hits.push(i);
      continue;
    }
    const p = packetRow(t.packets, i)!;
    if (p.summary.toLowerCase().includes(q) || p.src.includes(q) || p.dst.includes(q) || String(p.no) === q)
      hits.push(i);
  }
  // A misspelt field matches nothing: say which fields no packet had.
  if (df) note += unseenNote(df);
  return { idx: Uint32Array.from(hits), note };
}

/** Runs filterSteps to the end. */
export function filterAll(t: Trace, filter: string): FilterResult {
  const g = filterSteps(t, filter, Number.MAX_SAFE_INTEGER);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}
