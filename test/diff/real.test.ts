/**
 * The diff engine on real captures from the corpus, read by the real trace builder: a trace against
 * itself is equal, and a trace against a copy missing one operation shows exactly that operation.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { diffTraces } from "../../src/diff/align.js";
import { exitCodeFor } from "../../src/diff/exit.js";
import { buildOps, fullSig } from "../../src/diff/ops.js";
import { renderAlignHtml } from "../../src/diff/render/html.js";
import { renderJson } from "../../src/diff/render/json.js";
import { openTrace } from "../../src/trace/index.js";
import { without } from "./fake.js";

const CORPUS = fileURLToPath(new URL("../fixtures/corpus/", import.meta.url));
const FILES = [
  "OISF__suricata-verify/tests/dcerpc-smb-test-01/input.pcap",
  "zeek__zeek/testing/btest/Traces/smb/smb2.delete-on-close-perms-delete-existing.pcap",
];

describe("real captures", () => {
  for (const f of FILES) {
    it(`${f.split("/").slice(-2).join("/")}: equal to itself, one removed op found`, async () => {
      const a = await openTrace(CORPUS + f);
      const b = await openTrace(CORPUS + f);
      const same = diffTraces(a, b, { deep: true });
      assert.ok(same.rows.length > 5);
      assert.equal(same.firstDivergence, -1, "a trace equals itself");
      assert.deepEqual(same.errors, []);
      assert.equal(exitCodeFor(same), 0);

      // Drop one complete request/response op from the middle.
      const ops = buildOps(b);
      const victim =
        ops.filter((o) => o.kind === "call" && o.req && o.resp && o.req.pkt !== o.resp.pkt)[
          Math.floor(ops.length / 3)
        ] ?? ops.find((o) => o.kind === "call" && o.req && o.resp && o.req.pkt !== o.resp.pkt)!;
      const shared = (r: { pkt: number }) => b.packets.at(r.pkt)!.messages.length > 1;
      assert.ok(!shared(victim.req!) && !shared(victim.resp!), "victim not in a compound packet");
      const edited = without(
        b,
        new Set([b.packets.at(victim.req!.pkt)!.no, b.packets.at(victim.resp!.pkt)!.no]),
      );
      const r = diffTraces(a, edited, { deep: true });
      const diff = r.rows.filter((x) => x.kind !== "same");
      assert.deepEqual(
        diff.map((x) => x.kind),
        ["only-a"],
      );
      // In a run of identical ops any one of them may be "the" missing one.
      assert.equal(fullSig(diff[0]!.a!), fullSig(victim));
      assert.equal(exitCodeFor(r), 1);
      JSON.parse(renderJson(r));
      assert.doesNotMatch(renderAlignHtml(r), /https?:\/\//);
    });
  }
});

describe("SMB1 FIDs below 0x1000", () => {
  // Two smbclient -m NT1 runs against Samba (tools/scenarios smb1-nt1); in the second, every byte
  // pair of the read file's FID (0xf188) was set to 0x0188. Samba draws FIDs at random: about one
  // in eight pairs of runs had one side's FID under 0x1000, which MessageInfo spells `0188` and
  // the tree holds as the number 0x188; the two spellings were bound apart, four rows differed.
  it("bind whichever way they are spelled: the two runs compare equal", async () => {
    const dir = fileURLToPath(new URL("../fixtures/smb1/", import.meta.url));
    const a = await openTrace(`${dir}nt1-run1.pcap`);
    const b = await openTrace(`${dir}nt1-run2-low-fid.pcap`);
    try {
      const r = diffTraces(a, b, { deep: true });
      assert.ok(r.rows.length >= 20);
      assert.ok(b.packets.at(r.rows[13]!.b!.resp!.pkt)!.summary.includes("FID: 0x0188"));
      assert.equal(r.firstDivergence, -1);
      assert.equal(exitCodeFor(r), 0);
    } finally {
      a.close();
      b.close();
    }
  });
});
