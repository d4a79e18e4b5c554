/**
 * streamTrace (the one-pass listing without an index) must hand out exactly the packets openTrace
 * indexes, in the same order, with the same final Info: including the packets whose Info a later
 * frame amends (a PDU that starts in them and completes later).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { type KeyEntry, parseKeyArg } from "../../src/keys/index.js";
import { openTrace, streamTrace } from "../../src/trace/index.js";
import type { PacketInfo } from "../../src/trace/types.js";
import { ether, Flow, nbss, pcap, smb2 } from "../capture/writer.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const corpus = path.join(here, "../fixtures/corpus");

/** Every corpus capture with its decode-as port and its session keys (KEYS.tsv): decryption included. */
function captures(): { file: string; ports: number[]; keys: KeyEntry[] }[] {
  const keys = new Map<string, KeyEntry[]>();
  for (const l of fs.readFileSync(path.join(corpus, "KEYS.tsv"), "utf8").trim().split("\n").slice(1)) {
    const [p, ses, key] = l.split("\t");
    keys.set(p!, [...(keys.get(p!) ?? []), parseKeyArg(`${ses},${key}`)]);
  }
  const lines = fs.readFileSync(path.join(corpus, "INDEX.tsv"), "utf8").trim().split("\n");
  const head = lines[0]!.split("\t");
  return lines.slice(1).map((l) => {
    const f = l.split("\t");
    const args = f[head.indexOf("tshark_args")] ?? "";
    const port = /tcp\.port==(\d+)/.exec(args)?.[1];
    const rel = f[head.indexOf("path")]!;
    return { file: path.join(corpus, rel), ports: port ? [Number(port)] : [], keys: keys.get(rel) ?? [] };
  });
}

async function streamed(
  file: string,
  opts: { ports?: number[]; keys?: KeyEntry[]; maxPending?: number },
): Promise<PacketInfo[]> {
  const got: PacketInfo[] = [];
  const r = await streamTrace(file, opts, (p) => got.push(p));
  assert.equal(r.packets, got.length);
  return got;
}

test("every corpus capture streams the packets, messages and Info the index holds", async () => {
  let amended = 0;
  let total = 0;
  let decrypted = 0;
  for (const { file, ports, keys } of captures()) {
    const t = await openTrace(file, { ports, keys });
    // The stream's PDUs are views of the read buffer (borrowData): any byte kept would show here.
    const got = await streamed(file, { ports, keys });
    try {
      assert.equal(got.length, t.packets.length, file);
      for (let i = 0; i < got.length; i++) {
        const want = t.packets.at(i)!;
        // JSON: the store leaves absent optional fields out, the dissector declares them undefined.
        assert.deepEqual(
          JSON.parse(JSON.stringify(got[i])),
          JSON.parse(JSON.stringify(want)),
          `${file} packet ${i}`,
        );
        if (want.summary.endsWith("Session message") && want.messages.length === 1) amended++;
        if (want.summary.startsWith("Decrypted SMB3")) decrypted++;
      }
      total += got.length;
    } finally {
      t.close();
    }
  }
  assert.ok(total > 5000, `${total} packets`);
  // zeek's smb2.pcap has writes whose frame also starts the next PDU (Info "...Session message").
  assert.ok(amended > 0, "no amended packet in the corpus: the test lost its point");
  assert.ok(decrypted > 0, "nothing decrypted: the keys were not used");
});

test("SMB1 fixtures: the stream, which keeps only the latest open of a FID and no record for later passes, gives the index's packets", async () => {
  const dir = path.join(import.meta.dirname, "../fixtures/smb1");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".pcap"));
  assert.ok(files.length > 20);
  for (const f of files) {
    const file = path.join(dir, f);
    const t = await openTrace(file);
    try {
      const got = await streamed(file, {});
      assert.equal(got.length, t.packets.length, f);
      for (let i = 0; i < got.length; i++)
        assert.deepEqual(
          JSON.parse(JSON.stringify(got[i])),
          JSON.parse(JSON.stringify(t.packets.at(i))),
          `${f} packet ${i}`,
        );
    } finally {
      t.close();
    }
  }
});

test("a tiny pending window still keeps frame order (only late amendments are lost)", async () => {
  const file = path.join(corpus, "zeek__zeek/testing/btest/Traces/smb/smb2.pcap");
  const all = await streamed(file, {});
  const few = await streamed(file, { maxPending: 1 });
  assert.deepEqual(
    few.map((p) => p.no),
    all.map((p) => p.no),
  );
  const differ = few.filter((p, i) => p.summary !== all[i]!.summary);
  for (const p of differ) assert.ok(all.find((q) => q.no === p.no)!.summary.endsWith("Session message"));
});

test("not a capture: the same one-line error as openTrace", async () => {
  const file = path.join(corpus, "INDEX.tsv");
  const a = await openTrace(file).then(
    () => "",
    (e: Error) => e.message,
  );
  const b = await streamed(file, {}).then(
    () => "",
    (e: Error) => e.message,
  );
  assert.ok(a.length > 0);
  assert.equal(b, a);
});

test("an index of only some frames (show) gives them the trees and Info of the full index", async () => {
  let compared = 0;
  for (const { file, ports, keys } of captures()) {
    const full = await openTrace(file, { ports, keys });
    try {
      const n = full.packets.length;
      if (!n) continue;
      const picks = new Set(
        [0, 1, Math.floor(n / 3), Math.floor(n / 2), n - 2, n - 1].filter((i) => i >= 0 && i < n),
      );
      const nos = [...picks].map((i) => full.packets.at(i)!.no);
      const some = await openTrace(file, { ports, keys, only: new Set(nos) });
      try {
        assert.equal(some.packets.length, new Set(nos).size, file);
        for (const no of nos) {
          const i = some.indexOf(no);
          assert.deepEqual(some.packets.at(i), full.packets.at(full.indexOf(no)), `${file} ${no}`);
          assert.deepEqual(some.tree(no), full.tree(no), `${file} ${no} tree`);
          assert.deepEqual(some.tree(no, { allLayers: true }), full.tree(no, { allLayers: true }));
          assert.deepEqual(some.byteSources!(no), full.byteSources!(no));
          compared++;
        }
      } finally {
        some.close();
      }
    } finally {
      full.close();
    }
  }
  assert.ok(compared > 200, `${compared} packets compared`);
});

test("a packet waits only while a PDU that starts in its frame is unfinished: an idle connection holds nothing back", async () => {
  const a = new Flow("10.0.0.1", "10.0.0.2", 50000);
  const b = new Flow("10.0.0.1", "10.0.0.2", 50001);
  const c = new Flow("10.0.0.1", "10.0.0.2", 50002);
  const first = nbss(smb2(100, 1));
  const second = nbss(smb2(100, 2));
  const frames: Buffer[] = [
    ...a.handshake(),
    ...b.handshake(),
    ...c.handshake(),
    c.seg(true, nbss(smb2(80, 9))), // C's only PDU: C is idle after it
    a.seg(true, first.subarray(0, 50)),
    // The end of A's first PDU and the start of the next: its Info changes when the next completes.
    a.seg(true, Buffer.concat([first.subarray(50), second.subarray(0, 30)])),
  ];
  for (let i = 0; i < 5; i++) frames.push(b.seg(true, nbss(smb2(80, 10 + i))));
  frames.push(a.seg(true, second.subarray(30))); // completes A's second PDU: A's first packet gets "Session message"
  for (let i = 0; i < 3; i++) frames.push(b.seg(true, nbss(smb2(80, 20 + i))));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "smbcmp-settle-")), "t.pcap");
  fs.writeFileSync(file, pcap(frames.map((f, i) => ({ data: ether(f), sec: 1000 + i }))));

  // The index's view: how many packets are final when each packet is added.
  const settled: number[] = [];
  const t = await openTrace(file, { onPacket: (_p, s) => settled.push(s) });
  const nos = [...t.packets].map((p) => p.no);
  const cFrame = 10;
  const aFrame = 12;
  assert.deepEqual(nos.slice(0, 2), [cFrame, aFrame]);
  assert.match(t.packets.at(1)!.summary, /Session message$/);
  // When B's first packet is added, C's packet (nothing pending) is final; A's waits for its next PDU.
  assert.equal(settled[2], 1);
  // After A's completing frame, everything before it is final.
  assert.ok(settled[nos.indexOf(aFrame + 6)]! >= 7, settled.join(","));
  // The stream hands out the amended Info too.
  const got = await streamed(file, {});
  assert.deepEqual(
    got.map((p) => [p.no, p.summary]),
    [...t.packets].map((p) => [p.no, p.summary]),
  );
  t.close();
});
