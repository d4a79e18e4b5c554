/** A small, strict command-line parser: declared options only, with close-match suggestions. */

export interface OptSpec {
  /** Long name without dashes. */
  name: string;
  short?: string;
  /** Takes a value. */
  value?: boolean;
  /** May be given several times (values collected). */
  repeat?: boolean;
  help: string;
  arg?: string;
  /** Allowed values (checked by parseArgs, offered by shell completion). */
  choices?: string[];
  /** Completion hint for the value: a capture/any file. */
  complete?: "file" | "capture";
}

export interface Parsed {
  opts: Record<string, string | boolean | string[]>;
  rest: string[];
}

export class UsageError extends Error {}

export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
  return d[a.length]![b.length]!;
}

export function closest(word: string, choices: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of choices) {
    const dist = editDistance(word, c);
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export function parseArgs(argv: readonly string[], specs: readonly OptSpec[]): Parsed {
  const opts: Parsed["opts"] = {};
  const rest: string[] = [];
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const set = (s: OptSpec, v: string | boolean) => {
    if (s.choices && typeof v === "string" && !s.choices.includes(v)) {
      const near = closest(v, s.choices);
      throw new UsageError(
        `bad value '${v}' for --${s.name} (${s.choices.join(", ")})${near ? `; did you mean '${near}'?` : ""}`,
      );
    }
    if (s.repeat) {
      const arr = (opts[s.name] as string[] | undefined) ?? [];
      arr.push(String(v));
      opts[s.name] = arr;
    } else opts[s.name] = v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const s = byLong.get(name);
      if (!s) {
        const near = closest(name, [...byLong.keys()]);
        throw new UsageError(`unknown option --${name}${near ? ` (did you mean --${near}?)` : ""}`);
      }
      if (s.value) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`option --${name} needs a value`);
        set(s, v);
      } else {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
        set(s, true);
      }
    } else if (a.startsWith("-") && a.length > 1 && !/^-\d/.test(a)) {
      for (let k = 1; k < a.length; k++) {
        const s = byShort.get(a[k]!);
        if (!s) {
          const near = closest(a.slice(1), [...byLong.keys()]);
          throw new UsageError(`unknown option -${a[k]}${near ? ` (did you mean --${near}?)` : ""}`);
        }
        if (s.value) {
          const v = k + 1 < a.length ? a.slice(k + 1) : argv[++i];
          if (v === undefined) throw new UsageError(`option -${a[k]} needs a value`);
          set(s, v);
          break;
        }
        set(s, true);
      }
    } else rest.push(a);
  }
  return { opts, rest };
}

export function optionHelp(specs: readonly OptSpec[]): string {
  return specs
    .map((s) => {
      const flag = `${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.value ? ` ${s.arg ?? "VALUE"}` : ""}`;
      return `  ${flag.padEnd(30)} ${s.help}`;
    })
    .join("\n");
}

/** A command's help text with its option table inserted before the examples (when not already in it). */
export function withOptions(help: string, specs: readonly OptSpec[]): string {
  if (help.includes("\noptions:\n")) return help;
  const table = `options:\n${optionHelp(specs)}\n\n`;
  const at = help.indexOf("Examples:");
  return at < 0 ? `${help}\n\n${table.trimEnd()}` : `${help.slice(0, at)}${table}${help.slice(at)}`;
}
