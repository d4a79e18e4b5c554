/**
 * Writes test/dcerpc/tshark-ndr.json: tshark's fields (two passes) of the calls smbcmp decodes from
 * NDR, for the frames below, in tree order. The test compares our trees with it field for field.
 *
 *   node --import tsx tools/oracle/gen-ndr.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DECODED_PROTOS } from "../../src/dcerpc/stubs.js";
import { pdmlFields } from "./pdml.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures");
/** Captures (under test/fixtures) and frames: requests and responses, single and joined stubs. */
const CASES: Record<string, number[]> = {
  "smb2/dcerpc-pipe.pcap": [25, 30],
  "smb1/dcerpc-pipe.pcap": [23, 29, 30, 35],
  "smb2/dcerpc-smallreads.pcap": [40, 56],
  "corpus/OISF__suricata-verify/tests/filestore-filecontainer-smb/filecontainer-smb.pcap": [
    1754, 1755, 3001, 3002,
  ],
  "corpus/zeek__zeek/testing/btest/Traces/krb/smb2_krb.pcap": [30, 31],
  "corpus/zeek__zeek/testing/btest/Traces/smb/raw_ntlm_in_smb.pcap": [34, 35],
};

const out: Record<string, Record<string, [string, string][]>> = {};
for (const [path, frames] of Object.entries(CASES)) {
  const got = await pdmlFields(
    join(FIXTURES, path),
    [...DECODED_PROTOS],
    ["-Y", frames.map((n) => `frame.number == ${n}`).join(" || ")],
  );
  out[path] = {};
  for (const n of frames)
    out[path][n] = (got.get(n) ?? []).filter((f) => !f.hidden).map((f) => [f.name, f.show]);
}
writeFileSync(
  join(import.meta.dirname, "../../test/dcerpc/tshark-ndr.json"),
  `${JSON.stringify(out, null, 1)}\n`,
);
