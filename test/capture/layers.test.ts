import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { test } from "node:test";
import { dissectLayers, openCapture, type Pdu } from "../../src/capture/index.js";
import { find } from "../../src/dissect/tree.js";

const corpus = path.join(path.dirname(new URL(import.meta.url).pathname), "../fixtures/corpus");
const FIELDS = [
  "frame.number",
  "frame.len",
  "frame.cap_len",
  "frame.time_epoch",
  "eth.src",
  "eth.dst",
  "eth.type",
  "sll.etype",
  "null.family",
  "ip.src",
  "ip.dst",
  "ip.len",
  "ip.id",
  "ip.ttl",
  "ip.proto",
  "tcp.srcport",
  "tcp.dstport",
  "tcp.seq_raw",
  "tcp.ack_raw",
  "tcp.hdr_len",
  "tcp.flags",
  "tcp.len",
  "tcp.window_size_value",
];

test("layer fields match tshark on Ethernet, SLL and null captures", async () => {
  for (const rel of [
    "zeek__zeek/testing/btest/Traces/smb/smb2readwrite.pcap",
    "OISF__suricata-verify/tests/smb-eicar-file/input.pcap",
    "OISF__suricata-verify/tests/smb-length-5786/input.pcap",
  ]) {
    const file = path.join(corpus, rel);
    const out = execFileSync(
      "tshark",
      ["-r", file, "-c", "12", "-T", "fields", ...FIELDS.flatMap((f) => ["-e", f])],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    const cap = await openCapture(file);
    const pdus = new Map<number, Pdu>();
    for (const p of cap.pdus()) if (!pdus.has(p.frame)) pdus.set(p.frame, p);
    for (const line of out.trim().split("\n")) {
      const vals = line.split("\t");
      const n = Number(vals[0]);
      const p = pdus.get(n);
      const tree = dissectLayers(cap.readFrame(n)!, n, p && { type: p.nbssType, length: p.size });
      FIELDS.forEach((f, i) => {
        const want = vals[i] ?? "";
        const got = find(tree, f);
        if (want === "") return;
        assert.ok(got, `${rel} frame ${n}: no ${f} (tshark: ${want})`);
        const show =
          f === "tcp.flags" ? `0x${Number.parseInt(got.show, 16).toString(16).padStart(4, "0")}` : got.show;
        assert.equal(show, want, `${rel} frame ${n} ${f}`);
      });
      const pdu = pdus.get(n);
      if (pdu) assert.equal(find(tree, "nbss.length")?.value, pdu.size);
    }
    cap.close();
  }
});
