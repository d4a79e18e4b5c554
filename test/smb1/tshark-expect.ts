/**
 * tshark's view of the SMB1 fixtures, recorded once in test/smb1/tshark-*.json: the Info column of
 * every SMB frame and, for chosen frames, every visible smb field (name, show) of the two-pass tree.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FieldFlag, type FieldNode, walk } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";

export interface Expect {
  info: [number, string][];
  fields: Record<string, [string, string][]>;
}

/** The fixture captures' directory. */
export const DIR = join(import.meta.dirname, "../fixtures/smb1");

/** The expectations in test/smb1/NAME, by capture file name. */
export function loadExpect(name: string): Record<string, Expect> {
  return JSON.parse(readFileSync(join(import.meta.dirname, name), "utf8"));
}

/** Field (name=show) counts of our tree's `protos` layers (smb by default), as tshark's PDML lists them. */
export function ours(tree: FieldNode[], protos: readonly string[] = ["smb"]): Map<string, number> {
  const m = new Map<string, number>();
  walk(
    tree.filter((n) => protos.includes(n.name)),
    (n) => {
      if (
        !(n.flags && n.flags & FieldFlag.Text) &&
        !n.name.startsWith("smbcmp.") &&
        !protos.includes(n.name)
      ) {
        const k = `${n.name}=${n.show}`;
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return true;
    },
  );
  return m;
}

/** Known differences a test leaves out of the comparison. */
export interface Exceptions {
  /** Frames whose Info is not compared. */
  infoFrames?: readonly number[];
  /** Compare only the Infos this accepts (tshark's text). */
  infoIf?: (info: string) => boolean;
  /** tshark fields not looked for. */
  fields?: ReadonlySet<string>;
  /** Also report fields of ours tshark does not show. */
  noExtra?: boolean;
  /** The protocols whose fields were recorded (default smb). */
  protos?: readonly string[];
}

/** The (name, show) fields of tshark's that our tree of frame `no` lacks (its `protos` layers), a line each. */
export function missingFields(
  no: number,
  tree: FieldNode[],
  fields: readonly (readonly [string, string])[],
  protos?: readonly string[],
): string[] {
  const have = ours(tree, protos);
  const missing: string[] = [];
  for (const [name, show] of fields) {
    const k = `${name}=${show}`;
    const n = have.get(k) ?? 0;
    if (n === 0) missing.push(`frame ${no}: ${k}`);
    have.set(k, n - 1);
  }
  return missing;
}

/**
 * Where our view of fixture `file` differs from tshark's recorded one: Info column mismatches and
 * missing (and with `noExtra`, extra) fields of the chosen frames, one line each.
 */
export async function tsharkDiffs(file: string, exp: Expect, x: Exceptions = {}): Promise<string[]> {
  const t = await openTrace(join(DIR, file));
  const bad: string[] = [];
  try {
    const pk = new Map([...t.packets].map((p) => [p.no, p]));
    const skip = new Set(x.infoFrames ?? []);
    for (const [no, info] of exp.info) {
      const got = pk.get(no)?.summary;
      if (!skip.has(no) && (x.infoIf?.(info) ?? true) && got !== info)
        bad.push(`frame ${no}: ${got} != ${info}`);
    }
    for (const [no, fields] of Object.entries(exp.fields)) {
      const have = ours(t.tree(Number(no)), x.protos);
      for (const [name, show] of fields) {
        if (x.fields?.has(name)) continue;
        const k = `${name}=${show}`;
        const n = have.get(k) ?? 0;
        if (n === 0) bad.push(`frame ${no}: missing ${k}`);
        have.set(k, n - 1);
      }
      if (x.noExtra) for (const [k, n] of have) if (n > 0) bad.push(`frame ${no}: extra ${k}`);
    }
  } finally {
    t.close();
  }
  return bad;
}
