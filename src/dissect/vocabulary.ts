/**
 * The field names that exist, for the protocols whose every field we know: Wireshark's (smbcmp's
 * trees use them; test/dissect/vocabulary.test.ts checks every name of the corpus trees). An
 * ignore rule naming a field of these protocols that is not among them is a typo, and would
 * otherwise ignore nothing, silently.
 */
import { WIRESHARK_FIELDS, WIRESHARK_PROTOCOLS } from "./wireshark-fields.js";

let names: readonly string[] | undefined;
let nameSet: ReadonlySet<string> | undefined;
let prefixes: ReadonlySet<string> | undefined;

function load(): readonly string[] {
  if (!names) {
    names = [...WIRESHARK_PROTOCOLS, ...WIRESHARK_FIELDS.split("\n")];
    nameSet = new Set(names);
    prefixes = new Set(names.map(protocolOf));
  }
  return names;
}

/** A name's or pattern's first label (`smb2` of `smb2.create.*`). */
function protocolOf(name: string): string {
  const dot = name.indexOf(".");
  return dot < 0 ? name : name.slice(0, dot);
}

/** Whether we know every field under `pattern`'s first label (not frame., tcp., smbcmp., a glob...). */
export function coveredField(pattern: string): boolean {
  load();
  return prefixes!.has(protocolOf(pattern));
}

/** Whether `name` is a known field (or protocol) name. */
export function isField(name: string): boolean {
  load();
  return nameSet!.has(name);
}

/** Whether some known field name passes `test`. */
export function someField(test: (name: string) => boolean): boolean {
  return load().some(test);
}

/** What `name` likely meant: a near field of its protocol, when no field of it has that name. */
export function typoOf(name: string): string | undefined {
  if (!coveredField(name) || isField(name)) return undefined;
  return nearestField(name);
}

/** For a warning about field `name`: ` (did you mean smb2.filename?)` when typoOf finds one, else "". */
export function typoHint(name: string): string {
  const near = typoOf(name);
  return near ? ` (did you mean ${near}?)` : "";
}

/** The known field of the same protocol nearest to `name` (a typo's likely meaning), if any is near. */
function nearestField(name: string): string | undefined {
  const proto = protocolOf(name);
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(name.length / 5)) + 1;
  for (const n of load()) {
    if (protocolOf(n) !== proto || Math.abs(n.length - name.length) >= bestD) continue;
    const d = editDistance(name, n, bestD);
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return best;
}

/** Levenshtein distance of a and b, or `cap` when it is at least `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return Math.min(prev[b.length]!, cap);
}
