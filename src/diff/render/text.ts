/**
 * Terminal renderers: colored (ANSI) or plain text. Ignored differences are dim, MODIFIED yellow
 * (`name: a → b`), ADDED green, REMOVED red. Color defaults to on for a TTY unless $NO_COLOR is set;
 * the `color` option overrides both.
 */
import type { AlignResult, AlignRow, PacketDiff } from "../align.js";
import type { DiffNode } from "../tree-diff.js";
import { defaultColor, framesText, opText } from "./common.js";

export interface TextOptions {
  color?: boolean;
  /** Show SAME fields (default false: only changes, with `context` lines around them). */
  showSame?: boolean;
  /** SAME lines kept around each change when `showSame` is off (default 2). */
  context?: number;
  /** Show ignored (noise) differences, dim (default true). */
  showIgnored?: boolean;
  /** Indentation unit (default 4 spaces). */
  indent?: string;
}

const C = { reset: "\x1b[0m", dim: "\x1b[2m", red: "\x1b[31m", green: "\x1b[32m", yellow: "\x1b[33m" };

interface Line {
  text: string;
  /** A difference (real or ignored) is on this line. */
  changed: boolean;
  style: "" | keyof typeof C;
  /** Tree depth, so the ancestors of a shown line are shown too. */
  depth?: number;
}

const PREFIX: Record<DiffNode["kind"], string> = { same: " ", modified: "~", added: "+", removed: "-" };

function nodeLines(nodes: readonly DiffNode[], o: TextOptions, depth: number, out: Line[]): void {
  const unit = o.indent ?? "    ";
  for (const n of nodes) {
    if (n.ignored && n.kind !== "same" && o.showIgnored === false) continue;
    const pad = unit.repeat(depth);
    const style: Line["style"] =
      n.ignored && n.kind !== "same"
        ? "dim"
        : n.kind === "modified"
          ? "yellow"
          : n.kind === "added"
            ? "green"
            : n.kind === "removed"
              ? "red"
              : "";
    let text: string;
    if (n.kind === "modified" && n.a !== undefined && !n.lines) {
      const k = n.label.indexOf(": ");
      const title = k >= 0 ? n.label.slice(0, k) : n.name;
      text = `${title}: ${n.a} → ${n.b}`;
    } else text = n.kind === "added" ? (n.bLabel ?? n.label) : n.label;
    const ownChange = n.kind !== "same" && (n.a !== undefined || n.kind !== "modified" || !n.children);
    out.push({ text: `${PREFIX[n.kind]} ${pad}${text}`, changed: ownChange, style, depth });
    if (n.lines) {
      for (const l of n.lines) {
        const ls: Line["style"] = n.ignored ? "dim" : l.op === "-" ? "red" : l.op === "+" ? "green" : "";
        out.push({
          text: `${l.op === " " ? " " : l.op} ${pad}${unit}${l.text}`,
          changed: l.op !== " ",
          style: ls,
        });
      }
    }
    if (n.children) {
      // ADDED/REMOVED subtrees are shown whole; their children count as part of the change.
      const before = out.length;
      nodeLines(n.children, o, depth + 1, out);
      if (n.kind === "added" || n.kind === "removed")
        for (let i = before; i < out.length; i++) out[i]!.changed = true;
    }
  }
}

function paint(l: Line, color: boolean): string {
  // Without color, noise must still be told apart from real differences.
  if (!color) return l.style === "dim" && l.changed ? `${l.text}  (ignored)` : l.text;
  if (!l.style) return l.text;
  return C[l.style] + l.text + C.reset;
}

/** Keeps changed lines, `context` lines around them and `...` markers for the rest. */
function select(lines: Line[], o: TextOptions): (Line | null)[] {
  if (o.showSame) return lines;
  const ctx = o.context ?? 2;
  const keep = new Uint8Array(lines.length);
  lines.forEach((l, i) => {
    if (!l.changed) return;
    for (let k = Math.max(0, i - ctx); k <= Math.min(lines.length - 1, i + ctx); k++) keep[k] = 1;
  });
  // Keep the ancestors of every kept line: a change is only readable with its path.
  const stack: number[] = [];
  lines.forEach((l, i) => {
    const d = l.depth ?? 0;
    stack.length = Math.min(stack.length, d);
    if (keep[i]) for (const k of stack) keep[k] = 1;
    stack[d] = i;
  });
  const out: (Line | null)[] = [];
  let skipped = false;
  lines.forEach((l, i) => {
    if (keep[i]) {
      out.push(l);
      skipped = false;
    } else if (!skipped) {
      out.push(null);
      skipped = true;
    }
  });
  return out;
}

/** A field-tree diff as text lines (no trailing newline). */
export function renderTreeDiff(nodes: readonly DiffNode[], o: TextOptions = {}): string {
  const color = o.color ?? defaultColor();
  const lines: Line[] = [];
  nodeLines(nodes, o, 0, lines);
  return select(lines, o)
    .map((l) => (l ? paint(l, color) : paint({ text: "  ...", changed: false, style: "dim" }, color)))
    .join("\n");
}

/** A one-packet diff: header plus the tree diff. */
export function renderPacketDiff(d: PacketDiff, o: TextOptions = {}): string {
  const head = `--- A frame ${d.aFrame}\n+++ B frame ${d.bFrame}\n`;
  if (d.error) return `${head}error: ${d.error}\n`;
  const body = renderTreeDiff(d.nodes, o);
  return `${head}${body}\n${d.count} difference${d.count === 1 ? "" : "s"}\n`;
}

export interface AlignTextOptions extends TextOptions {
  /** Show 'same' rows (default false: only divergences with `rowContext` rows around). */
  showSameRows?: boolean;
  rowContext?: number;
  /** Print field diffs under 'differ' rows (default true), at most this many rows (default 50). */
  details?: boolean;
  maxDetails?: number;
  /** Column width of the A side (default 60). */
  width?: number;
}

const ROW_MARK: Record<AlignRow["kind"], string> = { same: "=", differ: "!", "only-a": "-", "only-b": "+" };
const ROW_STYLE: Record<AlignRow["kind"], Line["style"]> = {
  same: "",
  differ: "yellow",
  "only-a": "red",
  "only-b": "green",
};

function fit(s: string, w: number): string {
  return s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w);
}

export function summaryText(r: AlignResult): string {
  const s = r.summary;
  let t = `${s.ops} ops: ${s.same} same, ${s.differ} differ, ${s.onlyA} only in A, ${s.onlyB} only in B`;
  if (r.firstDivergence >= 0) {
    const row = r.rows[r.firstDivergence]!;
    const fa = row.a ? framesText(r.a, row.a) : "-";
    const fb = row.b ? framesText(r.b, row.b) : "-";
    t += `; first divergence at row ${r.firstDivergence} (A frames ${fa}, B frames ${fb})`;
  } else t += "; no divergence";
  return t;
}

/** An alignment as a two-column listing with field diffs under differing rows. */
export function renderAlign(r: AlignResult, o: AlignTextOptions = {}): string {
  const color = o.color ?? defaultColor();
  const w = o.width ?? 60;
  const out: string[] = [`--- A ${r.a.path}`, `+++ B ${r.b.path}`];
  const ctx = o.rowContext ?? 1;
  const keep = new Uint8Array(r.rows.length);
  r.rows.forEach((row, i) => {
    if (o.showSameRows || row.kind !== "same")
      for (let k = Math.max(0, i - ctx); k <= Math.min(r.rows.length - 1, i + ctx); k++) keep[k] = 1;
    if (o.showSameRows) keep[i] = 1;
  });
  let details = 0;
  const maxDetails = o.maxDetails ?? 50;
  let skipped = false;
  r.rows.forEach((row, i) => {
    if (!keep[i]) {
      if (!skipped) out.push(paint({ text: "  ...", changed: false, style: "dim" }, color));
      skipped = true;
      return;
    }
    skipped = false;
    const a = row.a ? `${framesText(r.a, row.a)} ${opText(r.a, row.a)}` : "";
    const b = row.b ? `${framesText(r.b, row.b)} ${opText(r.b, row.b)}` : "";
    out.push(
      paint(
        { text: `${ROW_MARK[row.kind]} ${fit(a, w)} | ${b}`, changed: false, style: ROW_STYLE[row.kind] },
        color,
      ),
    );
    if (row.kind === "differ" && o.details !== false && details < maxDetails) {
      details++;
      const d = r.fieldDiff(i);
      if (d.error) out.push(`    error: ${d.error}`);
      for (const p of d.parts) {
        if (!p.nodes.some((n) => n.kind !== "same")) continue;
        out.push(`    ${p.role} (A ${p.aFrame ?? "-"}, B ${p.bFrame ?? "-"}):`);
        const body = renderTreeDiff(p.nodes, { ...o, color });
        out.push(...body.split("\n").map((l) => `    ${l}`));
      }
    }
  });
  out.push(summaryText(r));
  return out.join("\n") + "\n";
}
