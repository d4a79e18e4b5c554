/** The capture files under test/fixtures/DIR for each DIR (recursively), sorted, as absolute paths. */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

export function fixtureCaptures(...dirs: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    const dir = fileURLToPath(new URL(`fixtures/${d}/`, import.meta.url));
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) =>
      /\.(pcap|pcapng|cap)(\.gz)?$/.test(f),
    );
    out.push(...files.sort().map((f) => dir + f));
  }
  return out;
}
