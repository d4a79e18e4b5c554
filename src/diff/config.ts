/**
 * The `~/.smbcmp` INI file (path overridable with $SMBCMP_CONFIG or an explicit argument).
 *
 * Compatible with the original smbcmp: its `[global]` keys (vsplit_ratio, tshark_path, key_*
 * rebindings) are accepted and returned as they are. Additions:
 *
 *   [diff]
 *   profile = myprofile          ; profile used when none is given on the command line
 *
 *   [profile myprofile]
 *   ignore = @default, smb2.credit.charge, !smb2.tid, smb2.nt_status=both-success
 *
 * `ignore` may be repeated or continued on indented lines; `@name` includes another profile.
 * Comments start with `#` or `;` at the beginning of a line.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { matchesNoField, noFieldWarning, parseRule, splitRules } from "./ignore.js";

export interface SmbcmpConfig {
  /** Every `[global]` key, as written. */
  global: Record<string, string>;
  /** `key_*` bindings without the prefix (`lwin_next` → `d`). */
  keys: Record<string, string>;
  vsplitRatio?: number;
  tsharkPath?: string;
  /** Profile name → rule texts. */
  profiles: Record<string, string[]>;
  /** `[diff] profile`. */
  defaultProfile?: string;
  /** Other sections, raw. */
  sections: Record<string, Record<string, string>>;
  /** Where it was read from (undefined: no file). */
  path?: string;
  /** Problems that did not stop parsing (bad lines, bad rules). */
  warnings: string[];
}

export function configPath(): string {
  return process.env.SMBCMP_CONFIG || join(homedir(), ".smbcmp");
}

export function emptyConfig(): SmbcmpConfig {
  return { global: {}, keys: {}, profiles: {}, sections: {}, warnings: [] };
}

/** Parses INI text (configparser-like: `key = value` or `key: value`, continuation lines). */
export function parseConfig(text: string, path?: string): SmbcmpConfig {
  const cfg = emptyConfig();
  cfg.path = path;
  let section: string | undefined;
  let lastKey: string | undefined;
  const sec = (name: string) => {
    cfg.sections[name] ??= {};
    return cfg.sections[name];
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, n) => {
    if (/^\s*([#;]|$)/.test(raw)) return;
    if (/^\s/.test(raw) && section && lastKey) {
      const s = sec(section);
      s[lastKey] = `${s[lastKey]}\n${raw.trim()}`;
      return;
    }
    const h = /^\s*\[\s*([^\]]+?)\s*\]\s*$/.exec(raw);
    if (h) {
      section = h[1]!.replace(/\s+/g, " ");
      sec(section);
      lastKey = undefined;
      return;
    }
    const kv = /^\s*([^=:]+?)\s*[=:]\s*(.*?)\s*$/.exec(raw);
    if (!kv || !section) {
      cfg.warnings.push(`${path ?? "config"}:${n + 1}: ignored line "${raw.trim()}"`);
      return;
    }
    const key = kv[1]!.toLowerCase();
    const s = sec(section);
    // Repeated `ignore` keys add up; other keys: last one wins.
    s[key] = key === "ignore" && s[key] !== undefined ? `${s[key]}\n${kv[2]}` : kv[2]!;
    lastKey = key;
  });
  for (const [name, kvs] of Object.entries(cfg.sections)) {
    if (name === "global") {
      cfg.global = kvs;
      for (const [k, v] of Object.entries(kvs)) if (k.startsWith("key_")) cfg.keys[k.slice(4)] = v;
      if (kvs.vsplit_ratio !== undefined) {
        const r = Number(kvs.vsplit_ratio);
        if (Number.isFinite(r)) cfg.vsplitRatio = r;
        else cfg.warnings.push(`vsplit_ratio "${kvs.vsplit_ratio}" is not a number`);
      }
      if (kvs.tshark_path) cfg.tsharkPath = kvs.tshark_path;
    } else if (name === "diff") {
      if (kvs.profile) cfg.defaultProfile = kvs.profile;
    } else if (name.startsWith("profile ")) {
      const pname = name.slice(8).trim();
      const rules: string[] = [];
      for (const r of splitRules(kvs.ignore ?? "")) {
        if (r.startsWith("@")) {
          rules.push(r);
          continue;
        }
        try {
          const rule = parseRule(r);
          if (matchesNoField(rule)) cfg.warnings.push(`[profile ${pname}]: ${noFieldWarning(rule)}`);
          rules.push(r);
        } catch (e) {
          cfg.warnings.push(`[profile ${pname}]: ${(e as Error).message}`);
        }
      }
      cfg.profiles[pname] = rules;
    }
  }
  return cfg;
}

/** Reads the config file; a missing file gives an empty config, an unreadable one a warning. */
export function loadConfig(path = configPath()): SmbcmpConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const cfg = emptyConfig();
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") cfg.warnings.push(`${path}: ${(e as Error).message}`);
    return cfg;
  }
  return parseConfig(text, path);
}

/** INI text for a profile (for "save ignore rules" in the UIs). */
export function formatProfile(name: string, rules: readonly string[]): string {
  return `[profile ${name}]\nignore = ${rules.join(",\n  ")}\n`;
}
