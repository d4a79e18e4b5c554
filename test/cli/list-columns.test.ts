/**
 * `list`'s number and time columns, which it writes without String()/toFixed: they must read as
 * those would, for nanosecond times near a rounding tie, packets earlier than the first, and times
 * too big for the fast path.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ether, Flow, nbss, pcap, type Rec, smb2 } from "../capture/writer.js";
import { smbcmpBin } from "./bin.js";

const MAIN = smbcmpBin();

function smbcmp(...args: string[]): string {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, SMBCMP_CONFIG: "/nonexistent", SMBCMP_KEYS: "", NO_COLOR: "1" },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("list: frame numbers and times since the first packet read as String() and toFixed(6) write them", () => {
  const f = new Flow();
  const recs: Rec[] = f.handshake().map((d) => ({ data: ether(d), sec: 1000 }));
  // [sec, nanos] of each SMB packet; the first listed one is t0.
  const times: [number, number][] = [
    [1000, 0],
    [1000, 500], // 0.0000005 s: a tie at the 6th decimal
    [1000, 1500],
    [1001, 999_999_500], // a tie the binary value puts below: 1.999999
    [999, 999_999_999], // before the first: negative
    [1000, 123_456_789],
    [4_000_000_000, 999_999_499], // 4e15 µs later, near the fast path's 2^52
    [1234, 567_890_123],
  ];
  for (const [i, [sec, nanos]] of times.entries())
    recs.push({ data: ether(f.seg(true, nbss(smb2(80, i + 1)))), sec, nanos });
  const dir = mkdtempSync(join(tmpdir(), "smbcmp-cols-"));
  const file = join(dir, "ns.pcap");
  writeFileSync(file, pcap(recs, { nanos: true }));
  const text = smbcmp("list", file).trimEnd().split("\n");
  const json = smbcmp("list", file, "--json")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as { number: number; time: number });
  assert.equal(text.length, times.length);
  const t0 = json[0]!.time;
  text.forEach((line, i) => {
    const j = json[i]!;
    const [no, time] = line.trim().split(/ +/);
    assert.equal(no, String(j.number), line);
    assert.equal(time, (j.time - t0).toFixed(6), line);
    assert.equal(
      line.indexOf(time!) + time!.length,
      Math.max(19, 7 + time!.length),
      `${line}: right-aligned`,
    );
  });
});
