// Regenerate the committed example captures in examples/ (see examples/README.md).
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { getPair, runPair, verifyPair } from "./pairs.js";
import { runScenario } from "./run.js";
import { loadScenario } from "./scenario.js";
import { check, summarise } from "./verify.js";

export const EXAMPLE_LIMIT = 200 * 1024;

export interface ExampleFile {
  file: string;
  bytes: number;
  frames: number;
}

/** Runs pair veto-tmp (good/bad), enc-aes128gcm (encrypted + keys) and many-commands; verifies each. */
export async function makeExamples(outDir: string): Promise<ExampleFile[]> {
  const dir = resolve(outDir);
  const work = mkdtempSync(join(tmpdir(), "smbcmp-examples-"));
  const made: string[] = [];
  const problems: string[] = [];
  try {
    const pair = getPair("veto-tmp");
    const p = await runPair(pair, work);
    problems.push(...verifyPair(pair, p));
    copyFileSync(p.a.pcap, join(dir, "good.pcap"));
    copyFileSync(p.b.pcap, join(dir, "bad.pcap"));
    made.push("good.pcap", "bad.pcap");

    for (const [scenario, name] of [
      ["enc-aes128gcm", "encrypted"],
      ["many-commands", "many-commands"],
    ] as const) {
      const sc = loadScenario(scenario);
      const r = await runScenario(sc, { outDir: work });
      if (sc.expect)
        problems.push(...check(summarise(r.pcap, r.keys), sc.expect).map((e) => `${name}: ${e}`));
      if (r.dropped) problems.push(`${name}: tcpdump dropped ${r.dropped} packets`);
      copyFileSync(r.pcap, join(dir, `${name}.pcap`));
      made.push(`${name}.pcap`);
      if (r.keys.length && name === "encrypted") {
        copyFileSync(r.pcap.replace(/\.pcap$/, ".keys"), join(dir, `${name}.keys`));
        made.push(`${name}.keys`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const files = made.map((f) => {
    const full = join(dir, f);
    const bytes = statSync(full).size;
    if (f.endsWith(".pcap") && bytes > EXAMPLE_LIMIT)
      problems.push(`${f}: ${bytes} bytes > ${EXAMPLE_LIMIT}`);
    return { file: full, bytes, frames: f.endsWith(".pcap") ? summarise(full).rows.length : 0 };
  });
  if (problems.length) throw new Error(`examples failed verification:\n  ${problems.join("\n  ")}`);
  return files;
}
