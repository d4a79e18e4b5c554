/** Picks the key-source format of a text and parses it; plus reading the kernel log with dmesg. */
import { spawnSync } from "node:child_process";
import { parseKernelLog } from "./kernel.js";
import { parseSambaLog } from "./samba.js";
import { parseKeyFile } from "./simple.js";
import { type KeyEntry, KeyParseError } from "./types.js";
import { parseWiresharkUat } from "./wireshark.js";

export type KeyFormat = "samba" | "kernel" | "wireshark" | "smbcmp";

export function detectFormat(text: string): KeyFormat {
  if (/^\s*Session Id\s+\[0000\]/m.test(text) || /debug encryption: dumping/.test(text)) return "samba";
  if (
    /Session Id {1,6}(?:[0-9a-f]{2} ){7}[0-9a-f]{2}\s*$/im.test(text) ||
    /Session Id {1,6}\d+\s*$/m.test(text)
  ) {
    return "kernel";
  }
  const firstData = text.split(/\r?\n/).find((l) => l.trim() && !l.trim().startsWith("#"));
  if (firstData?.trim().startsWith('"')) return "wireshark";
  return "smbcmp";
}

/** Detects the format and parses. Throws KeyParseError when nothing usable is found. */
export function detectAndParse(text: string, name?: string): KeyEntry[] {
  const format = detectFormat(text);
  const entries =
    format === "samba"
      ? parseSambaLog(text, name)
      : format === "kernel"
        ? parseKernelLog(text, name)
        : format === "wireshark"
          ? parseWiresharkUat(text, name)
          : parseKeyFile(text, name);
  if (entries.length === 0)
    throw new KeyParseError(`${name ?? "key text"}: no session keys found (${format} format)`);
  return entries;
}

/**
 * Best effort: runs `dmesg` and parses the cifs/ksmbd key dumps in it. Throws KeyParseError with a
 * clear reason when dmesg cannot run or is not permitted (kernel.dmesg_restrict).
 */
export function readDmesg(
  run: () => { status: number | null; stdout: string; stderr: string; error?: Error } = () =>
    spawnSync("dmesg", [], { encoding: "utf8", timeout: 10_000, maxBuffer: 64 << 20 }),
): KeyEntry[] {
  const r = run();
  if (r.error) throw new KeyParseError(`cannot run dmesg: ${r.error.message}`);
  if (r.status !== 0) {
    const why = r.stderr.trim() || `exit status ${r.status}`;
    throw new KeyParseError(
      `dmesg failed (${why}); reading the kernel log may need root or sysctl kernel.dmesg_restrict=0`,
    );
  }
  return parseKernelLog(r.stdout, "dmesg");
}
