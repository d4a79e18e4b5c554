/**
 * Capture-layer benchmark: `node --import tsx test/capture/bench-capture.ts [file...]`.
 * Without files, writes a ~400 MB synthetic capture (small request/response pairs plus 1 MB
 * writes in 1448-byte segments) to the temp dir first. Reports CPU time (robust on a busy machine).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openCapture } from "../../src/capture/index.js";
import { ether, Flow, nbss, smb2 } from "./writer.js";

function writeBig(file: string, targetMB: number, bulkEvery: number): void {
  const fd = fs.openSync(file, "w");
  const hdr = Buffer.from("d4c3b2a1020004000000000000000000ffff000001000000", "hex");
  fs.writeSync(fd, hdr);
  let parts: Buffer[] = [];
  let size = hdr.length;
  let t = 0;
  const rec = (data: Buffer) => {
    const h = Buffer.alloc(16);
    t++;
    h.writeUInt32LE(1700000000 + Math.floor(t / 1e6), 0);
    h.writeUInt32LE(t % 1e6, 4);
    h.writeUInt32LE(data.length, 8);
    h.writeUInt32LE(data.length, 12);
    parts.push(h, data);
    size += 16 + data.length;
    if (parts.length > 4096) {
      fs.writeSync(fd, Buffer.concat(parts));
      parts = [];
    }
  };
  const flows = Array.from({ length: 8 }, (_, i) => new Flow("10.0.0.1", "10.0.0.2", 50000 + i));
  for (const f of flows) for (const p of f.handshake()) rec(ether(p));
  let i = 0;
  while (size < targetMB * 1e6) {
    const f = flows[i++ % flows.length]!;
    if (bulkEvery > 0 && i % bulkEvery === 0) {
      const w = nbss(smb2(1 << 20, i));
      for (let o = 0; o < w.length; o += 1448) rec(ether(f.seg(true, w.subarray(o, o + 1448))));
      rec(ether(f.seg(false, nbss(smb2(80, i)))));
    } else {
      rec(ether(f.seg(true, nbss(smb2(120 + (i % 50), i)))));
      rec(ether(f.seg(false, nbss(smb2(140 + (i % 70), i)))));
    }
  }
  fs.writeSync(fd, Buffer.concat(parts));
  fs.closeSync(fd);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  // Mostly bulk data, and only small operations.
  for (const [name, every] of [
    ["smbcmp-bench-400mb.pcap", 200],
    ["smbcmp-bench-400mb-small.pcap", 0],
  ] as const) {
    const f = path.join(os.tmpdir(), name);
    if (!fs.existsSync(f)) writeBig(f, 400, every);
    files.push(f);
  }
}
for (const f of files) {
  const size = fs.statSync(f).size;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const cap = await openCapture(f);
  let n = 0;
  for (const p of cap.pdus()) if (p.data.length >= 0) n++;
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(
    `${path.basename(f)}: ${(size / 1e6).toFixed(0)} MB, ${cap.frameCount} frames, ${n} PDUs; cpu ${cpu.toFixed(2)} s (wall ${wall.toFixed(2)} s): ${(cap.frameCount / cpu / 1e6).toFixed(2)} M frames/s, ${(size / 1e6 / cpu).toFixed(0)} MB/s`,
  );
  cap.close();
}
