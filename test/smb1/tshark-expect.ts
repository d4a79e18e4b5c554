/**
 * tshark's view of the SMB1 fixtures, recorded once in test/smb1/tshark-*.json: the Info column of
 * every SMB frame and, for chosen frames, every visible smb field (name, show) of the two-pass tree.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FieldFlag, type FieldNode, walk } from "../../src/dissect/tree.js";

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

/** Field (name=show) counts of our tree's smb layers, as tshark's PDML lists them. */
export function ours(tree: FieldNode[]): Map<string, number> {
  const m = new Map<string, number>();
  walk(
    tree.filter((n) => n.name === "smb"),
    (n) => {
      if (!(n.flags && n.flags & FieldFlag.Text) && !n.name.startsWith("smbcmp.") && n.name !== "smb") {
        const k = `${n.name}=${n.show}`;
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return true;
    },
  );
  return m;
}
