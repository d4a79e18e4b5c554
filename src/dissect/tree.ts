/**
 * Field trees: what every dissector produces and every frontend renders or diffs.
 *
 * Naming follows Wireshark's field abbreviations (`smb2.cmd`, `smb2.sesid`, ...) wherever Wireshark
 * has the field, so users and the tshark oracle talk about the same thing; fields Wireshark lacks
 * use the `smbcmp.` prefix. `show` mirrors PDML's `show` attribute (the bare display value),
 * `label` mirrors PDML's `showname` (the whole line a user reads).
 */

export const FieldFlag = {
  None: 0,
  /** The field ran past the end of the available bytes. */
  Short: 1,
  /** The field's content contradicts the spec (bad length, bad offset...). */
  Malformed: 2,
  /** Not on the wire: computed by smbcmp (response-in, file name of a FileId, ...). */
  Generated: 4,
  /** A text-only node (like Wireshark's expert/comment lines) that has no value of its own. */
  Text: 8,
  /** Came out of an SMB3 transform (decrypted) or a compression transform. */
  Decrypted: 16,
} as const;

export type FieldValue = string | number | boolean;

export interface FieldNode {
  /** Wireshark abbreviation or `smbcmp.*`. */
  name: string;
  /** The display line, e.g. `Command: Create (5)` (PDML `showname`). */
  label: string;
  /** The bare display value, e.g. `5` (PDML `show`). */
  show: string;
  /** The value compared by the diff engine. */
  value: FieldValue;
  /** Byte offset into the PDU this tree was dissected from (-1 when generated). */
  offset: number;
  length: number;
  children?: FieldNode[];
  flags?: number;
  /**
   * Set only on nodes dissected from a transform's plaintext (decrypted or decompressed) or from a
   * reassembled SMB1 transaction: the index into Trace.byteSources(no) of the bytes `offset` refers
   * to. Other nodes' offsets are into their own PDU. Not compared by the diff engine.
   */
  src?: number;
}

export function node(
  name: string,
  label: string,
  show: string,
  value: FieldValue,
  offset: number,
  length: number,
  flags = 0,
): FieldNode {
  const n: FieldNode = { name, label, show, value, offset, length };
  if (flags) n.flags = flags;
  return n;
}

/** Depth-first walk; return false from the visitor to skip a node's children. */
export function walk(
  nodes: readonly FieldNode[],
  visit: (n: FieldNode, depth: number) => boolean | undefined,
  depth = 0,
): void {
  for (const n of nodes) {
    if (visit(n, depth) === false) continue;
    if (n.children) walk(n.children, visit, depth + 1);
  }
}

/**
 * Marks nodes (and their subtrees) as dissected from byte source `src`: their offsets are into it.
 * A node that already names a source (a nested plaintext or join) keeps it.
 */
export function fromSource(nodes: readonly FieldNode[], src: number): void {
  for (const n of nodes) {
    n.src ??= src;
    if (n.children) fromSource(n.children, src);
  }
}

/** First node with this name, depth-first. */
export function find(nodes: readonly FieldNode[], name: string): FieldNode | undefined {
  let found: FieldNode | undefined;
  walk(nodes, (n) => {
    if (found) return false;
    if (n.name === name) {
      found = n;
      return false;
    }
    return true;
  });
  return found;
}

export function findAll(nodes: readonly FieldNode[], name: string): FieldNode[] {
  const out: FieldNode[] = [];
  walk(nodes, (n) => {
    if (n.name === name) out.push(n);
    return true;
  });
  return out;
}

/** Indented text like `tshark -V`. */
export function renderText(nodes: readonly FieldNode[], indent = 0): string {
  const lines: string[] = [];
  walk(
    nodes,
    (n, d) => {
      let line = "    ".repeat(d + indent) + n.label;
      if (n.flags && n.flags & FieldFlag.Short) line += " [short]";
      if (n.flags && n.flags & FieldFlag.Malformed) line += " [Malformed]";
      lines.push(line);
      return true;
    },
    0,
  );
  return lines.join("\n");
}

/** A tree as [name, value] or [name, value, children] (see skeletonJson). */
export type Skeleton = [string, FieldValue] | [string, FieldValue, Skeleton[]];

function toSkeleton(nodes: readonly FieldNode[]): Skeleton[] {
  return nodes.map((n) =>
    n.children?.length ? [n.name, n.value, toSkeleton(n.children)] : [n.name, n.value],
  );
}

/**
 * A tree's names, values and children only, as JSON: what an equality test of two trees reads
 * (the diff engine's treesEqual and id binding), a third of the tree to send to another thread.
 */
export function skeletonJson(nodes: readonly FieldNode[]): string {
  return JSON.stringify(toSkeleton(nodes));
}

/** The nodes of a parsed skeletonJson: labels empty, offsets 0. */
export function fromSkeleton(sk: readonly Skeleton[]): FieldNode[] {
  return sk.map((s) => {
    const n: FieldNode = { name: s[0], label: "", show: "", value: s[1], offset: 0, length: 0 };
    if (s[2]) n.children = fromSkeleton(s[2]);
    return n;
  });
}
