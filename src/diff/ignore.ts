/**
 * Ignore rules: which field differences are noise.
 *
 * Rule syntax (CLI `--ignore`, config `ignore = a, b`, UI toggles):
 *   NAME                 ignore field NAME (exact Wireshark abbreviation, e.g. `smb2.msg_id`)
 *   GLOB                 `*` matches any run of characters, dots included (`smb2.*time*` matches
 *                        `smb2.create.time` and `smb2.fsctl.wait.timeout`; `ntlmssp.*` matches every
 *                        ntlmssp field at any depth); `?` matches one character
 *   NAME=always          same as NAME
 *   NAME=both-success    ignore only when both values are 0 (e.g. `smb2.nt_status`)
 *   NAME=within:N        ignore when both values are numbers within ±N of each other (credits)
 *   !NAME, !GLOB         un-ignore (overrides earlier rules)
 * Later rules win: the decision is the last rule whose pattern matches and whose predicate holds.
 * A field present on one side only (ADDED/REMOVED) can only be ignored by an `always` rule.
 */
import type { FieldValue } from "../dissect/tree.js";
import { coveredField, isField, someField, typoHint } from "../dissect/vocabulary.js";

export type Predicate = { kind: "always" } | { kind: "both-success" } | { kind: "within"; n: number };

export interface IgnoreRule {
  pattern: string;
  pred: Predicate;
  /** `!` rule: un-ignore. */
  negate: boolean;
}

export class RuleSyntaxError extends Error {}

const NAME_RE = /^[A-Za-z0-9_.*?\-[\]]+$/;

export function parseRule(text: string): IgnoreRule {
  let t = text.trim();
  let negate = false;
  if (t.startsWith("!")) {
    negate = true;
    t = t.slice(1).trim();
  }
  let pred: Predicate = { kind: "always" };
  const eq = t.indexOf("=");
  if (eq >= 0) {
    const p = t.slice(eq + 1).trim();
    t = t.slice(0, eq).trim();
    if (p === "always") pred = { kind: "always" };
    else if (p === "both-success") pred = { kind: "both-success" };
    else {
      const m = /^within:(\d+(?:\.\d+)?)$/.exec(p);
      if (!m) throw new RuleSyntaxError(`bad ignore predicate "${p}" in "${text}"`);
      pred = { kind: "within", n: Number(m[1]) };
    }
  }
  if (!t || !NAME_RE.test(t)) throw new RuleSyntaxError(`bad field name or glob "${t}" in "${text}"`);
  return { pattern: t, pred, negate };
}

export function formatRule(r: IgnoreRule): string {
  let s = (r.negate ? "!" : "") + r.pattern;
  if (r.pred.kind === "both-success") s += "=both-success";
  else if (r.pred.kind === "within") s += `=within:${r.pred.n}`;
  return s;
}

/** Splits `a, b; c` rule lists (commas, semicolons, whitespace). */
export function splitRules(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function isGlob(p: string): boolean {
  return p.includes("*") || p.includes("?");
}

function globToRegExp(p: string): RegExp {
  let re = "^";
  for (const ch of p) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[.+^${}()|[\]\\-]/g, "\\$&");
  }
  return new RegExp(re + "$");
}

/**
 * Whether `rule` can match no field at all: it names a protocol whose every field we know, and
 * none matches (a typo: the rule would silently ignore nothing).
 */
export function matchesNoField(rule: IgnoreRule): boolean {
  if (!coveredField(rule.pattern)) return false;
  if (!isGlob(rule.pattern)) return !isField(rule.pattern);
  const re = globToRegExp(rule.pattern);
  return !someField((n) => re.test(n));
}

/** The warning for a rule that matches no field (see matchesNoField), with the nearest name when one is near. */
export function noFieldWarning(rule: IgnoreRule): string {
  return isGlob(rule.pattern)
    ? `no field matches ${rule.pattern}`
    : `no field is named ${rule.pattern}${typoHint(rule.pattern)}`;
}

function asNumber(v: FieldValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

function holds(p: Predicate, a: FieldValue | undefined, b: FieldValue | undefined, both: boolean): boolean {
  if (p.kind === "always") return true;
  if (!both) return false;
  const x = asNumber(a);
  const y = asNumber(b);
  if (x === undefined || y === undefined) return false;
  if (p.kind === "both-success") return x === 0 && y === 0;
  return Math.abs(x - y) <= p.n;
}

interface Compiled extends IgnoreRule {
  re?: RegExp;
}

/** An ordered, mutable rule set with a per-name match cache. */
export class IgnoreRules {
  private list: Compiled[] = [];
  private cache = new Map<string, Compiled[]>();
  /** Bumped on every change, so cached diffs know they are stale. */
  version = 0;

  constructor(rules: Iterable<string | IgnoreRule> = []) {
    for (const r of rules) this.add(r);
  }

  static parse(text: string): IgnoreRules {
    return new IgnoreRules(splitRules(text));
  }

  get rules(): readonly IgnoreRule[] {
    return this.list.map(({ pattern, pred, negate }) => ({ pattern, pred, negate }));
  }

  clone(): IgnoreRules {
    return new IgnoreRules(this.rules);
  }

  add(rule: string | IgnoreRule): this {
    const r = typeof rule === "string" ? parseRule(rule) : { ...rule };
    const c: Compiled = r;
    if (isGlob(r.pattern)) c.re = globToRegExp(r.pattern);
    this.list.push(c);
    this.changed();
    return this;
  }

  /** Removes every rule with exactly this text (as `formatRule` writes it). */
  remove(rule: string): boolean {
    const key = formatRule(parseRule(rule));
    const before = this.list.length;
    this.list = this.list.filter((r) => formatRule(r) !== key);
    if (this.list.length !== before) this.changed();
    return this.list.length !== before;
  }

  private changed(): void {
    this.cache.clear();
    this.version++;
  }

  private matching(name: string): Compiled[] {
    let m = this.cache.get(name);
    if (!m) {
      m = this.list.filter((r) => (r.re ? r.re.test(name) : r.pattern === name));
      if (this.cache.size > 50000) this.cache.clear();
      this.cache.set(name, m);
    }
    return m;
  }

  /**
   * Is a difference in field `name` noise? Pass both values for a MODIFIED field; leave `b`
   * undefined with `both=false` for a field present on one side only.
   */
  ignores(name: string, a?: FieldValue, b?: FieldValue, both = a !== undefined && b !== undefined): boolean {
    const m = this.matching(name);
    for (let i = m.length - 1; i >= 0; i--) {
      const r = m[i]!;
      if (holds(r.pred, a, b, both)) return !r.negate;
    }
    return false;
  }

  /** True when some rule (even a predicate one) mentions this name; for UIs. */
  mentions(name: string): boolean {
    return this.matching(name).length > 0;
  }

  /**
   * Flips whether field `name` is ignored regardless of values, and returns the new state. Undoes
   * an exact earlier toggle when there is one, so toggling twice restores the original rule list.
   */
  toggle(name: string): boolean {
    const now = this.ignores(name, undefined, undefined, false);
    const last = this.list[this.list.length - 1];
    const exact = (r: IgnoreRule | undefined, neg: boolean) =>
      r && r.pattern === name && r.negate === neg && r.pred.kind === "always";
    if (exact(last, !now)) {
      this.list.pop();
      this.changed();
    } else if (now) this.add({ pattern: name, pred: { kind: "always" }, negate: true });
    else this.add({ pattern: name, pred: { kind: "always" }, negate: false });
    return this.ignores(name, undefined, undefined, false);
  }

  /** Rule texts, in order; `new IgnoreRules(x.serialize())` rebuilds the same set. */
  serialize(): string[] {
    return this.list.map(formatRule);
  }

  toString(): string {
    return this.serialize().join(", ");
  }
}
