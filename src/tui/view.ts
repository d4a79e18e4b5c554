/** Flattening field trees and diff trees into the lines the detail pane shows. */
import type { DiffNode } from "../diff/tree-diff.js";
import { FieldFlag, type FieldNode } from "../dissect/tree.js";
import { A, C, fg } from "./screen.js";

export interface Line {
  text: string;
  attr: number;
  depth: number;
  /** Expansion key (path of names); "" for lines that cannot fold. */
  key: string;
  hasChildren: boolean;
  expanded: boolean;
  /** Field name (for ignore toggling, search). */
  name?: string;
  /** Field node (single mode: hex pane), with the index of the PDU it belongs to. */
  field?: FieldNode;
  pdu?: number;
  /** Keys of the ancestors, to unfold a search hit. */
  parents: string[];
  /** Diff lines: where the field is in each side's tree (hex pane), and which pair part it is in. */
  path?: DiffStep[];
  part?: number;
}

/**
 * One step from a diff node to its field on each side: the k-th child of that name among the
 * children the side has (a diff keeps each side's order; ADDED nodes exist only in B, REMOVED only in A).
 */
export interface DiffStep {
  name: string;
  kA: number;
  kB: number;
}

/** The field a diff path leads to on one side, or undefined (not on that side). */
export function followPath(
  roots: readonly FieldNode[],
  path: readonly DiffStep[],
  side: "a" | "b",
): FieldNode[] {
  const chain: FieldNode[] = [];
  let nodes: readonly FieldNode[] = roots;
  for (const st of path) {
    const k = side === "a" ? st.kA : st.kB;
    if (k < 0) return [];
    let seen = 0;
    const hit = nodes.find((n) => n.name === st.name && seen++ === k);
    if (!hit) return [];
    chain.push(hit);
    nodes = hit.children ?? [];
  }
  return chain;
}

/** `expanded` overrides by key; the default applies when a key is absent. */
export type Folds = Map<string, boolean>;

function childKey(parent: string, name: string, seen: Map<string, number>): string {
  const n = seen.get(name) ?? 0;
  seen.set(name, n + 1);
  return `${parent}/${name}#${n}`;
}

/**
 * Lines of a field tree. `all` ignores folding (for search). Top-level nbss nodes (allLayers trees)
 * start a new PDU, so each field knows which PDU's bytes its offset refers to.
 */
export function fieldLines(nodes: readonly FieldNode[], folds: Folds, all = false): Line[] {
  const out: Line[] = [];
  let pdu = -1;
  const rec = (ns: readonly FieldNode[], depth: number, parent: string, parents: string[]) => {
    const seen = new Map<string, number>();
    for (const n of ns) {
      if (depth === 0 && (n.name === "nbss" || pdu < 0)) pdu++;
      const key = childKey(parent, n.name, seen);
      const has = !!n.children?.length;
      const expanded = has && (folds.get(key) ?? (depth === 0 && n.name !== "nbss"));
      const bad = (n.flags ?? 0) & (FieldFlag.Malformed | FieldFlag.Short);
      const gen = (n.flags ?? 0) & FieldFlag.Generated;
      const attr = bad ? fg(C.red) | A.bold : gen ? fg(C.cyan) : 0;
      out.push({
        text: n.label || n.name,
        attr,
        depth,
        key,
        hasChildren: has,
        expanded,
        name: n.name,
        field: n,
        pdu,
        parents,
      });
      if (has && (expanded || all)) rec(n.children!, depth + 1, key, [...parents, key]);
    }
  };
  rec(nodes, 0, "", []);
  return out;
}

function diffText(n: DiffNode): string {
  if (n.kind === "modified" && n.a !== undefined && !n.lines) {
    const k = n.label.indexOf(": ");
    const title = k >= 0 ? n.label.slice(0, k) : n.name;
    return `${title}: ${n.a} → ${n.b}`;
  }
  return n.kind === "added" ? (n.bLabel ?? n.label) : n.label;
}

const MARK: Record<DiffNode["kind"], string> = { same: " ", modified: "~", added: "+", removed: "-" };

/** Lines of a diff forest; SAME nodes are dim, or left out when `showSame` is off. */
export function diffLines(
  nodes: readonly DiffNode[],
  folds: Folds,
  showSame: boolean,
  prefix: string,
  all = false,
): Line[] {
  const out: Line[] = [];
  const rec = (ns: readonly DiffNode[], depth: number, parent: string, parents: string[], up: DiffStep[]) => {
    const seen = new Map<string, number>();
    const seenA = new Map<string, number>();
    const seenB = new Map<string, number>();
    const count = (m: Map<string, number>, name: string) => {
      const k = m.get(name) ?? 0;
      m.set(name, k + 1);
      return k;
    };
    for (const n of ns) {
      const key = childKey(parent, n.name, seen);
      // Counted before SAME nodes are skipped: hidden siblings still occupy their place in the trees.
      const path = [
        ...up,
        {
          name: n.name,
          kA: n.kind === "added" ? -1 : count(seenA, n.name),
          kB: n.kind === "removed" ? -1 : count(seenB, n.name),
        },
      ];
      const changed = n.kind !== "same" || n.diffs > 0 || hasChange(n);
      if (!changed && !showSame) continue;
      const has = !!n.children?.length || !!n.lines?.length;
      const expanded = has && (folds.get(key) ?? changed);
      const attr =
        n.kind === "same"
          ? changed
            ? 0
            : A.dim
          : n.ignored
            ? A.dim
            : n.kind === "modified"
              ? fg(C.yellow)
              : n.kind === "added"
                ? fg(C.green)
                : fg(C.red);
      const ign = n.ignored && n.kind !== "same" ? "  (ignored)" : "";
      out.push({
        text: `${MARK[n.kind]} ${diffText(n)}${ign}`,
        attr,
        depth,
        key,
        hasChildren: has,
        expanded,
        name: n.name,
        parents,
        path,
      });
      if (!has || !(expanded || all)) continue;
      if (n.lines)
        for (const l of n.lines)
          out.push({
            text: `${l.op} ${l.text}`,
            attr: n.ignored ? A.dim : l.op === "-" ? fg(C.red) : l.op === "+" ? fg(C.green) : A.dim,
            depth: depth + 1,
            key: "",
            hasChildren: false,
            expanded: false,
            name: n.name,
            parents: [...parents, key],
            path,
          });
      if (n.children) rec(n.children, depth + 1, key, [...parents, key], path);
    }
  };
  rec(nodes, 0, prefix, [], []);
  return out;
}

function hasChange(n: DiffNode): boolean {
  if (n.kind !== "same") return true;
  return !!n.children?.some(hasChange);
}

/**
 * `0000  fe 53 4d 42 ...  .SMB....` lines of `data`, with the byte range [from, to) marked: `rows`
 * lines from line `first` (a pane shows a few lines of PDUs and plaintexts up to 16 MB).
 */
export function hexLines(
  data: Uint8Array,
  from: number,
  to: number,
  first = 0,
  rows = Number.POSITIVE_INFINITY,
): { text: string; hl: [number, number][] }[] {
  const out: { text: string; hl: [number, number][] }[] = [];
  const end = Math.min(data.length, (first + rows) * 16);
  for (let off = first * 16; off < end; off += 16) {
    let hex = "";
    let asc = "";
    const hl: [number, number][] = [];
    for (let i = 0; i < 16; i++) {
      const b = data[off + i];
      const col = 6 + i * 3 + (i >= 8 ? 1 : 0);
      if (b === undefined) {
        hex += "   ";
        asc += " ";
      } else {
        hex += `${b.toString(16).padStart(2, "0")} `;
        asc += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
        if (off + i >= from && off + i < to) {
          hl.push([col, 2]);
          hl.push([6 + 16 * 3 + 2 + i, 1]);
        }
      }
      if (i === 7) hex += " ";
    }
    out.push({ text: `${off.toString(16).padStart(4, "0")}  ${hex} ${asc}`, hl });
  }
  return out;
}
