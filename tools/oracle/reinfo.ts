/**
 * Re-records the Info column of recorded tshark expectations (test/smb1/tshark-*.json) with
 * infoColumn, the composition smbcmp's summaries follow (SMB part, then ` | ` and the DCE/RPC
 * Info), for the frames already recorded. Their fields are left as they are.
 *
 *   node --import tsx tools/oracle/reinfo.ts test/smb1/tshark-pipe.json [...]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { infoColumn } from "./pdml.js";

const DIR = join(import.meta.dirname, "../../test/fixtures/smb1");

for (const file of process.argv.slice(2)) {
  const all = JSON.parse(readFileSync(file, "utf8")) as Record<string, { info: [number, string][] }>;
  let changed = 0;
  for (const [capture, exp] of Object.entries(all)) {
    const info = infoColumn(join(DIR, capture), ["smb"]);
    exp.info = exp.info.map(([no, was]) => {
      const now = info.get(no) ?? was;
      if (now.split(" | ")[0] !== was) console.error(`${capture}#${no}: SMB part changed: ${was} -> ${now}`);
      if (now !== was) changed++;
      return [no, now];
    });
  }
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`${file}: ${changed} Info lines re-recorded`);
}
