import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import * as zlib from "node:zlib";
import {
  CaptureError,
  type CaptureWarning,
  openCapture,
  type Pdu,
  type ReadOptions,
} from "../../src/capture/index.js";
import {
  ether,
  Flow,
  ipv4,
  ipv6,
  type NgBlock,
  nbss,
  nullLink,
  pcap,
  pcapngSection,
  type Rec,
  sll,
  sll2,
  smb2,
  TCP,
  tcp,
} from "./writer.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smbcmp-capture-test-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let nfile = 0;

interface Result {
  pdus: Pdu[];
  warnings: CaptureWarning[];
  frames: number;
  /** Every PDU's bytes re-read through readRanges. */
  reread: Buffer[];
}

async function read(bytes: Buffer, opts: ReadOptions = {}): Promise<Result> {
  const file = path.join(dir, `c${nfile++}`);
  fs.writeFileSync(file, bytes);
  const warnings: CaptureWarning[] = [];
  const cap = await openCapture(file, { ...opts, onWarning: (w) => warnings.push(w) });
  try {
    const pdus = [...cap.pdus()];
    const reread = pdus.map((p) => cap.readRanges(p.ranges).subarray(p.skip));
    // spans are the same ranges, flat; readSpans reads the same bytes.
    for (const p of pdus) {
      assert.deepEqual(
        p.spans,
        p.ranges.flatMap((r) => [r.offset, r.length]),
      );
      assert.ok(cap.readSpans(p.spans).equals(cap.readRanges(p.ranges)));
    }
    return { pdus, warnings, frames: cap.frameCount, reread };
  } finally {
    cap.close();
  }
}

const recs = (frames: Buffer[], link: (b: Buffer) => Buffer = ether): Rec[] =>
  frames.map((d, i) => ({ data: link(d), sec: 1700000000 + i, nanos: i * 1000 + 123000 }));

/** Handshake + request + response, the smallest useful conversation. */
function simple(f = new Flow()): { frames: Buffer[]; req: Buffer; resp: Buffer } {
  const req = smb2(100, 1);
  const resp = smb2(120, 2);
  return { frames: [...f.handshake(), f.seg(true, nbss(req)), f.seg(false, nbss(resp))], req, resp };
}

function checkSimple(r: Result, req: Buffer, resp: Buffer, first = 4): void {
  assert.equal(r.pdus.length, 2);
  assert.deepEqual(
    r.pdus.map((p) => p.frame),
    [first, first + 1],
  );
  assert.deepEqual(r.pdus[0]!.data, req);
  assert.deepEqual(r.pdus[1]!.data, resp);
  for (let i = 0; i < r.pdus.length; i++) assert.deepEqual(r.reread[i], r.pdus[i]!.data);
}

describe("pcap", () => {
  test("all four magics and the modified format; times and endpoints", async () => {
    for (const le of [true, false])
      for (const nanos of [false, true]) {
        const { frames, req, resp } = simple();
        const r = await read(pcap(recs(frames), { le, nanos }));
        checkSimple(r, req, resp);
        const p = r.pdus[0]!;
        assert.equal(p.nanos, 126000);
        assert.equal(p.time, 1700000003.000126);
        assert.equal(p.src, "10.0.0.1");
        assert.equal(p.dst, "10.0.0.2");
        assert.equal(p.srcPort, 50000);
        assert.equal(p.dstPort, 445);
        assert.equal(p.nbssType, 0);
        assert.equal(p.skip, 4);
        assert.equal(r.pdus[1]!.src, "10.0.0.2");
        assert.equal(r.frames, 5);
      }
    const { frames, req, resp } = simple();
    checkSimple(await read(pcap(recs(frames), { le: false, modified: true })), req, resp);
  });

  test("ns timestamps keep full precision", async () => {
    const { frames } = simple();
    const rs = recs(frames).map((r) => ({ ...r, nanos: 987654321 }));
    const r = await read(pcap(rs, { nanos: true }));
    assert.equal(r.pdus[0]!.nanos, 987654321);
  });

  test("snaplen-truncated record: the PDU is yielded, flagged incomplete, framing continues", async () => {
    const f = new Flow();
    const big = smb2(1000, 3);
    const next = smb2(90, 4);
    const frames = [...f.handshake(), f.seg(true, nbss(big)), f.seg(true, nbss(next))];
    const rs = recs(frames);
    const cut = rs[3]!;
    rs[3] = { ...cut, data: cut.data.subarray(0, 300), origLen: cut.data.length };
    const r = await read(pcap(rs));
    assert.equal(r.pdus.length, 2);
    const p = r.pdus[0]!;
    assert.equal(p.frame, 4);
    assert.equal(p.incomplete, true);
    assert.equal(p.data.length, 1000);
    assert.deepEqual(p.data.subarray(0, 100), big.subarray(0, 100));
    assert.deepEqual(r.reread[0], p.data);
    assert.deepEqual(r.pdus[1]!.data, next);
    assert.equal(r.pdus[1]!.frame, 5);
  });

  test("truncated file: PDUs before the cut, one warning", async () => {
    const { frames, req } = simple();
    const whole = pcap(recs(frames));
    const r = await read(whole.subarray(0, whole.length - 30));
    assert.equal(r.pdus.length, 1);
    assert.deepEqual(r.pdus[0]!.data, req);
    assert.equal(r.frames, 4);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!.message, /truncated/);
  });

  test("not a capture / empty file / truncated header: CaptureError with one line", async () => {
    for (const bytes of [
      Buffer.from("hello world, not a capture\n"),
      Buffer.alloc(0),
      pcap([]).subarray(0, 10),
    ]) {
      await assert.rejects(read(bytes), (e: unknown) => {
        assert.ok(e instanceof CaptureError);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    }
    await assert.rejects(openCapture(path.join(dir, "does-not-exist")), CaptureError);
  });

  test("gzip-compressed pcap and pcapng are detected by magic; temp file removed on close", async () => {
    const { frames, req, resp } = simple();
    checkSimple(await read(zlib.gzipSync(pcap(recs(frames)))), req, resp);
    const ng = pcapngSection({
      ifaces: [{ linktype: 1 }],
      blocks: recs(frames).map((rec) => ({ kind: "epb", rec })),
    });
    checkSimple(await read(zlib.gzipSync(ng)), req, resp);
    const file = path.join(dir, "plain-name.pcap");
    fs.writeFileSync(file, zlib.gzipSync(pcap(recs(frames))));
    const cap = await openCapture(file);
    assert.notEqual(cap.dataFile, file);
    assert.ok(fs.existsSync(cap.dataFile));
    assert.equal([...cap.pdus()].length, 2);
    assert.equal(cap.readFrame(4)?.data.length, ether(frames[3]!).length);
    cap.close();
    assert.ok(!fs.existsSync(cap.dataFile));
  });

  test("truncated gzip: what was decompressed is read, with a warning", async () => {
    const { frames } = simple();
    const gz = zlib.gzipSync(pcap(recs(frames)));
    const r = await read(gz.subarray(0, gz.length - 12));
    assert.ok(r.warnings.length >= 1);
    assert.ok(r.pdus.length >= 1);
  });
});

describe("pcapng", () => {
  test("sections of both byte orders, interfaces with different link types and tsresol, EPB/SPB/PB, unknown blocks", async () => {
    const f = new Flow();
    const [syn, synack, ack] = f.handshake();
    const req = smb2(100, 1);
    const resp = smb2(110, 2);
    const req2 = smb2(130, 3);
    const s1 = pcapngSection({
      le: true,
      ifaces: [{ linktype: 1 }, { linktype: 113, tsresol: 9 }],
      blocks: [
        { kind: "epb", rec: { data: ether(syn!), sec: 100, iface: 0 } },
        { kind: "raw", type: 0x0bad, body: Buffer.from("custom block") },
        { kind: "epb", rec: { data: sll(synack!), sec: 101, nanos: 123456789, iface: 1 } },
        { kind: "raw", type: 4, body: Buffer.alloc(8) }, // name resolution block
        { kind: "pb", rec: { data: ether(ack!), sec: 102, iface: 0 } },
      ],
    });
    const s2 = pcapngSection({
      le: false,
      ifaces: [{ linktype: 101 }, { linktype: 1, tsresol: 0x80 | 20, tsoffset: 1000 }],
      blocks: [
        { kind: "spb", rec: { data: f.seg(true, nbss(req)) } },
        { kind: "epb", rec: { data: ether(f.seg(false, nbss(resp))), sec: 103, nanos: 500000000, iface: 1 } },
        { kind: "raw", type: 5, body: Buffer.alloc(12) }, // interface statistics
        { kind: "epb", rec: { data: f.seg(true, nbss(req2)), sec: 104, nanos: 1000, iface: 0 } },
      ],
    });
    const file = path.join(dir, "multi.pcapng");
    fs.writeFileSync(file, Buffer.concat([s1, s2]));
    const cap = await openCapture(file);
    const pdus = [...cap.pdus()];
    assert.equal(cap.frameCount, 6);
    assert.deepEqual(
      pdus.map((p) => [p.frame, p.conn]),
      [
        [4, 0],
        [5, 0],
        [6, 0],
      ],
    );
    assert.deepEqual(pdus[0]!.data, req);
    assert.deepEqual(pdus[1]!.data, resp);
    assert.deepEqual(pdus[2]!.data, req2);
    assert.equal(pdus[1]!.time, 1103.5);
    assert.equal(pdus[2]!.nanos, 1000);
    const f2 = cap.readFrame(2)!;
    assert.equal(f2.linktype, 113);
    assert.equal(f2.nanos, 123456789);
    assert.equal(f2.time, 101.123456789);
    assert.equal(cap.readFrame(4)!.linktype, 101);
    assert.equal(cap.readFrame(5)!.linktype, 1);
    assert.equal(cap.readFrame(5)!.time, 1103.5);
    assert.equal(cap.readFrame(7), undefined);
    assert.equal(cap.readFrame(0), undefined);
    for (const p of pdus) assert.deepEqual(cap.readRanges(p.ranges).subarray(p.skip), p.data);
    cap.close();
  });

  test("obsolete Packet Blocks keep their interface across the reader's buffer refills", async () => {
    // Interface 1 is raw IP; a block read from a stale buffer would get interface 0 (Ethernet)
    // or garbage and its PDU would be lost. 60 blocks of ~1 KB cross the first 32 KB read.
    const f = new Flow();
    const blocks: NgBlock[] = f.handshake().map((data) => ({ kind: "pb", rec: { data, iface: 1 } }));
    const reqs: Buffer[] = [];
    for (let i = 0; i < 60; i++) {
      const req = smb2(1000, i + 1);
      reqs.push(req);
      blocks.push({ kind: "pb", rec: { data: f.seg(true, nbss(req)), sec: i, iface: 1 } });
    }
    const file = path.join(dir, "pb.pcapng");
    fs.writeFileSync(file, pcapngSection({ ifaces: [{ linktype: 1 }, { linktype: 101 }], blocks }));
    const cap = await openCapture(file);
    const pdus = [...cap.pdus()];
    cap.close();
    assert.equal(pdus.length, 60);
    assert.deepEqual(
      pdus.map((p) => p.data),
      reqs,
    );
  });

  test("truncated last block warns once", async () => {
    const { frames, req } = simple();
    const ng = pcapngSection({
      ifaces: [{ linktype: 1 }],
      blocks: recs(frames).map((rec) => ({ kind: "epb", rec })),
    });
    const r = await read(ng.subarray(0, ng.length - 20));
    assert.equal(r.pdus.length, 1);
    assert.deepEqual(r.pdus[0]!.data, req);
    assert.equal(r.warnings.length, 1);
  });
});

describe("link layers", () => {
  test("Ethernet with 802.1Q, QinQ (0x88a8) and 0x9100 tags", async () => {
    for (const vlans of [
      [[0x8100, 10]],
      [
        [0x88a8, 100],
        [0x8100, 10],
      ],
      [
        [0x9100, 5],
        [0x8100, 7],
      ],
    ] as [number, number][][]) {
      const { frames, req, resp } = simple();
      checkSimple(await read(pcap(recs(frames, (d) => ether(d, 0x0800, vlans)))), req, resp);
    }
  });

  test("Linux SLL and SLL2", async () => {
    let s = simple();
    checkSimple(
      await read(
        pcap(
          recs(s.frames, (d) => sll(d)),
          { linktype: 113 },
        ),
      ),
      s.req,
      s.resp,
    );
    s = simple();
    checkSimple(
      await read(
        pcap(
          recs(s.frames, (d) => sll2(d)),
          { linktype: 276 },
        ),
      ),
      s.req,
      s.resp,
    );
  });

  test("BSD null (both byte orders), LOOP, raw IP link types", async () => {
    for (const le of [true, false]) {
      const s = simple();
      checkSimple(
        await read(
          pcap(
            recs(s.frames, (d) => nullLink(d, 2, le)),
            { linktype: 0 },
          ),
        ),
        s.req,
        s.resp,
      );
    }
    let s = simple();
    checkSimple(
      await read(
        pcap(
          recs(s.frames, (d) => nullLink(d, 2, false)),
          { linktype: 108 },
        ),
      ),
      s.req,
      s.resp,
    );
    for (const lt of [101, 228, 12, 14]) {
      s = simple();
      checkSimple(
        await read(
          pcap(
            recs(s.frames, (d) => d),
            { linktype: lt },
          ),
        ),
        s.req,
        s.resp,
      );
    }
  });

  test("IPv6 over null (AF 24/30), raw 229, with extension headers", async () => {
    const mk = (ext: [number, Buffer][]) => {
      const f = new Flow();
      const req = smb2(100, 1);
      const pkts = [
        f.seg(true, undefined, TCP.SYN),
        f.seg(false, undefined, TCP.SYN | TCP.ACK),
        f.seg(true, nbss(req)),
      ].map((p) => {
        // Re-wrap the TCP segment of each IPv4 packet in IPv6.
        const src = p[12] === 10 && p[15] === 1 ? "fd00::1" : "fd00::2";
        const dst = src === "fd00::1" ? "fd00::2" : "fd00::1";
        return ipv6({ src, dst, payload: p.subarray(20), ext });
      });
      return { pkts, req };
    };
    const ext: [number, Buffer][] = [
      [0, Buffer.alloc(6)],
      [43, Buffer.from([0, 0, 0, 0, 0, 0])],
      [60, Buffer.alloc(12)],
    ];
    for (const [lt, link] of [
      [0, (d: Buffer) => nullLink(d, 30, true)],
      [0, (d: Buffer) => nullLink(d, 24, false)],
      [229, (d: Buffer) => d],
      [1, (d: Buffer) => ether(d, 0x86dd)],
    ] as [number, (d: Buffer) => Buffer][]) {
      const { pkts, req } = mk(ext);
      const r = await read(pcap(recs(pkts, link), { linktype: lt }));
      assert.equal(r.pdus.length, 1);
      assert.deepEqual(r.pdus[0]!.data, req);
      assert.equal(r.pdus[0]!.src, "fd00::1");
      assert.deepEqual(r.reread[0], req);
    }
  });

  test("IPv6 fragments are reassembled; ranges cover both pieces", async () => {
    const f = new Flow();
    const req = smb2(600, 9);
    const to6 = (p: Buffer) => {
      const c = p[15] === 1;
      return ipv6({
        src: c ? "fd00::1" : "fd00::2",
        dst: c ? "fd00::2" : "fd00::1",
        payload: p.subarray(20),
      });
    };
    const hs = f.handshake().map(to6);
    const seg = f.seg(true, nbss(req)).subarray(20);
    const fragHdr = (off: number, more: boolean) => {
      const b = Buffer.alloc(6);
      b.writeUInt16BE(off | (more ? 1 : 0), 0);
      b.writeUInt32BE(0xabcd, 2);
      return b;
    };
    const a = ipv6({
      src: "fd00::1",
      dst: "fd00::2",
      payload: seg.subarray(0, 304),
      ext: [[44, fragHdr(0, true)]],
    });
    const b = ipv6({
      src: "fd00::1",
      dst: "fd00::2",
      payload: seg.subarray(304),
      ext: [[44, fragHdr(304, false)]],
    });
    const r = await read(pcap(recs([...hs, b, a], (d) => ether(d, 0x86dd))));
    assert.equal(r.pdus.length, 1);
    assert.equal(r.pdus[0]!.frame, 5);
    assert.deepEqual(r.pdus[0]!.data, req);
    assert.deepEqual(r.reread[0], req);
    assert.ok(r.pdus[0]!.ranges.length >= 2);
  });
});

describe("IPv4", () => {
  test("options are skipped; Ethernet padding is trimmed by the total length", async () => {
    const f = new Flow();
    const req = smb2(100, 1);
    const hs = f.handshake();
    const seg = f.seg(true, nbss(req));
    const withOpts = ipv4({
      src: "10.0.0.1",
      dst: "10.0.0.2",
      payload: seg.subarray(20),
      options: Buffer.from([1, 1, 1, 0]),
    });
    const padded = Buffer.concat([withOpts, Buffer.alloc(10, 0xee)]);
    const r = await read(pcap(recs([...hs, padded])));
    assert.equal(r.pdus.length, 1);
    assert.deepEqual(r.pdus[0]!.data, req);
  });

  test("fragments (out of order) are reassembled at the completing frame; ranges are several pieces", async () => {
    const f = new Flow();
    const req = smb2(1000, 5);
    const hs = f.handshake();
    const whole = f.seg(true, nbss(req));
    const tcpSeg = whole.subarray(20);
    const fr = (off: number, end: number, mf: boolean) =>
      ipv4({
        src: "10.0.0.1",
        dst: "10.0.0.2",
        payload: tcpSeg.subarray(off, end),
        id: 77,
        fragOff: off,
        mf,
      });
    const frames = [...hs, fr(400, 800, true), fr(0, 400, true), fr(800, tcpSeg.length, false)];
    const r = await read(pcap(recs(frames)));
    assert.equal(r.pdus.length, 1);
    assert.equal(r.pdus[0]!.frame, 6);
    assert.deepEqual(r.pdus[0]!.data, req);
    assert.deepEqual(r.reread[0], req);
    assert.equal(r.pdus[0]!.ranges.length, 3);
  });
});

describe("TCP reassembly", () => {
  test("PDU over several segments, reported at the completing frame, with the other frames", async () => {
    const f = new Flow();
    const req = nbss(smb2(3000, 1));
    const frames = [
      ...f.handshake(),
      f.seg(true, req.subarray(0, 1000)),
      f.seg(true, req.subarray(1000, 2000)),
      f.seg(true, req.subarray(2000)),
    ];
    const r = await read(pcap(recs(frames)));
    assert.equal(r.pdus.length, 1);
    assert.equal(r.pdus[0]!.frame, 6);
    assert.deepEqual(r.pdus[0]!.frames, [4, 5]);
    assert.deepEqual(r.pdus[0]!.data, req.subarray(4));
    assert.deepEqual(r.reread[0], req.subarray(4));
  });

  test("several PDUs in one segment; NBSS header split 1+3 across segments", async () => {
    const f = new Flow();
    const a = nbss(smb2(70, 1));
    const b = nbss(smb2(80, 2));
    const c = nbss(smb2(90, 3));
    const stream = Buffer.concat([a, b, c]);
    const cut = a.length + b.length + 1;
    const frames = [
      ...f.handshake(),
      f.seg(true, stream.subarray(0, cut)),
      f.seg(true, stream.subarray(cut)),
    ];
    const r = await read(pcap(recs(frames)));
    assert.deepEqual(
      r.pdus.map((p) => [p.frame, p.data[12]]),
      [
        [4, 1],
        [4, 2],
        [5, 3],
      ],
    );
    assert.deepEqual(r.reread[2], c.subarray(4));
  });

  test("out-of-order segments are put back in order", async () => {
    const f = new Flow();
    const req = nbss(smb2(3000, 1));
    const hs = f.handshake();
    const s1 = f.seg(true, req.subarray(0, 1000));
    const s2 = f.seg(true, req.subarray(1000, 2000));
    const s3 = f.seg(true, req.subarray(2000));
    const r = await read(pcap(recs([...hs, s1, s3, s2])));
    assert.equal(r.pdus.length, 1);
    assert.equal(r.pdus[0]!.frame, 6);
    assert.deepEqual(r.pdus[0]!.data, req.subarray(4));
    assert.deepEqual(r.reread[0], req.subarray(4));
    assert.equal(r.pdus[0]!.incomplete, undefined);
  });

  test("retransmissions and overlapping segments", async () => {
    const f = new Flow();
    const req = nbss(smb2(2000, 1));
    const resp = nbss(smb2(100, 2));
    const hs = f.handshake();
    const base = f.cseq;
    const s1 = f.seg(true, req.subarray(0, 1200));
    const again = f.seg(true, req.subarray(0, 1200), TCP.ACK, base); // retransmission
    const overlap = f.seg(true, req.subarray(800), TCP.ACK, base + 800); // overlaps 800..1200
    f.cseq = base + req.length;
    const r1 = f.seg(false, resp);
    const dup = f.seg(false, resp, TCP.ACK, f.sseq - resp.length);
    const r = await read(pcap(recs([...hs, s1, again, overlap, r1, dup])));
    assert.deepEqual(
      r.pdus.map((p) => p.frame),
      [6, 7],
    );
    assert.deepEqual(r.pdus[0]!.data, req.subarray(4));
    assert.deepEqual(r.reread[0], req.subarray(4));
  });

  test("gap between PDUs: warn and resynchronise on the next NBSS+SMB header", async () => {
    const f = new Flow();
    const a = nbss(smb2(100, 1));
    const lost = nbss(smb2(200, 2));
    const c = nbss(smb2(300, 3));
    const hs = f.handshake();
    const s1 = f.seg(true, a);
    f.seg(true, lost); // never captured
    const s3 = f.seg(true, c);
    const r = await read(pcap(recs([...hs, s1, s3])));
    assert.deepEqual(
      r.pdus.map((p) => [p.frame, p.data[12]]),
      [
        [4, 1],
        [5, 3],
      ],
    );
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!.message, /204 bytes missing/);
  });

  test("gap inside a PDU: zero-filled, flagged incomplete, framing kept", async () => {
    const f = new Flow();
    const req = nbss(smb2(3000, 1));
    const next = nbss(smb2(100, 2));
    const hs = f.handshake();
    const s1 = f.seg(true, req.subarray(0, 1000));
    f.seg(true, req.subarray(1000, 2000)); // lost
    const s3 = f.seg(true, req.subarray(2000));
    const ack = f.seg(false); // server acknowledges everything
    const s4 = f.seg(true, next);
    const r = await read(pcap(recs([...hs, s1, s3, ack, s4])));
    assert.equal(r.pdus.length, 2);
    const p = r.pdus[0]!;
    assert.equal(p.frame, 6);
    assert.equal(p.incomplete, true);
    assert.equal(p.data.length, 3000);
    assert.deepEqual(p.data.subarray(0, 996), req.subarray(4, 1000));
    assert.ok(p.data.subarray(996, 1996).every((x) => x === 0));
    assert.deepEqual(p.data.subarray(1996), req.subarray(2000));
    assert.deepEqual(r.reread[0], p.data);
    assert.deepEqual(r.pdus[1]!.data, next.subarray(4));
  });

  test("mid-stream capture without SYN starts at the first NBSS+SMB segment", async () => {
    const f = new Flow();
    const tail = nbss(smb2(500, 1)).subarray(200);
    const b = nbss(smb2(100, 2));
    const resp = nbss(smb2(120, 3));
    const r = await read(pcap(recs([f.seg(true, tail), f.seg(true, b), f.seg(false, resp)])));
    assert.deepEqual(
      r.pdus.map((p) => [p.frame, p.data[12]]),
      [
        [2, 2],
        [3, 3],
      ],
    );
  });

  test("connections: index per 4-tuple, port reuse after FIN with a new SYN gets a new index", async () => {
    const f1 = new Flow("10.0.0.1", "10.0.0.2", 50000);
    const f2 = new Flow("10.0.0.1", "10.0.0.2", 50001);
    const frames = [
      ...f1.handshake(),
      ...f2.handshake(),
      f2.seg(true, nbss(smb2(80, 1))),
      f1.seg(true, nbss(smb2(80, 2))),
    ];
    frames.push(
      f1.seg(true, undefined, TCP.FIN | TCP.ACK),
      f1.seg(false, undefined, TCP.FIN | TCP.ACK),
      f1.seg(true),
    );
    const f3 = new Flow("10.0.0.1", "10.0.0.2", 50000);
    f3.cseq = 777777;
    frames.push(...f3.handshake(), f3.seg(true, nbss(smb2(80, 3))));
    const r = await read(pcap(recs(frames)));
    assert.deepEqual(
      r.pdus.map((p) => [p.data[12], p.conn]),
      [
        [1, 1],
        [2, 0],
        [3, 2],
      ],
    );
  });

  test("SMB on a non-standard port is found; opts.ports forces NBSS; other traffic is ignored", async () => {
    const f = new Flow("10.0.0.1", "10.0.0.2", 40000, 4445);
    const req = smb2(100, 1);
    const http = new Flow("10.0.0.1", "10.0.0.3", 40001, 80);
    const frames = [
      ...f.handshake(),
      ...http.handshake(),
      http.seg(true, Buffer.from("GET / HTTP/1.1\r\n\r\n")),
      f.seg(true, nbss(req)),
    ];
    const r = await read(pcap(recs(frames)));
    assert.equal(r.pdus.length, 1);
    assert.equal(r.pdus[0]!.dstPort, 4445);
    // NBSS keepalive first: not detectable on its own, but opts.ports says so.
    const g = new Flow("10.0.0.1", "10.0.0.2", 40000, 7777);
    const frames2 = [...g.handshake(), g.seg(true, nbss(Buffer.alloc(0), 0x85)), g.seg(true, nbss(req))];
    assert.equal((await read(pcap(recs(frames2)))).pdus.length, 1);
    assert.equal((await read(pcap(recs(frames2)), { ports: [7777] })).pdus.length, 2);
  });

  test("NBSS session request / positive response / keepalive on port 139", async () => {
    const f = new Flow("10.0.0.1", "10.0.0.2", 50000, 139);
    const reqName = Buffer.alloc(68, 0x41);
    const frames = [
      ...f.handshake(),
      f.seg(true, nbss(reqName, 0x81)),
      f.seg(false, nbss(Buffer.alloc(0), 0x82)),
      f.seg(true, nbss(Buffer.alloc(0), 0x85)),
      f.seg(true, nbss(smb2(100, 1).fill(0xff, 0, 1))),
    ];
    const r = await read(pcap(recs(frames)));
    assert.deepEqual(
      r.pdus.map((p) => [p.frame, p.nbssType, p.data.length]),
      [
        [4, 0x81, 68],
        [5, 0x82, 0],
        [6, 0x85, 0],
        [7, 0, 100],
      ],
    );
  });

  test("big PDU (8 MB, not a plain read/write) over 1448-byte segments is reassembled whole", async () => {
    const f = new Flow();
    const w = nbss(smb2(8 << 20, 7));
    const frames = [...f.handshake()];
    for (let o = 0; o < w.length; o += 1448) frames.push(f.seg(true, w.subarray(o, o + 1448)));
    frames.push(f.seg(false, nbss(smb2(80, 8))));
    const r = await read(pcap(recs(frames)));
    assert.equal(r.pdus.length, 2);
    assert.ok(r.pdus[0]!.data.equals(w.subarray(4)));
    assert.equal(r.pdus[0]!.size, 8 << 20);
    assert.ok(r.reread[0]!.equals(w.subarray(4)));
    assert.equal(r.pdus[0]!.frames!.length, frames.length - 5);
  });

  test("big plain SMB2 WRITE request / READ response keep only a prefix; ranges still cover all", async () => {
    /** An SMB2 message of `len` bytes with command `cmd`, response flag and NextCommand. */
    const msg = (len: number, cmd: number, response: boolean, next = 0): Buffer => {
      const b = smb2(len, cmd);
      b[13] = 0;
      b.writeUInt32LE(response ? 1 : 0, 16);
      b.writeUInt32LE(next, 20);
      return b;
    };
    const cases: [string, Buffer, boolean][] = [
      ["write request", msg(1 << 20, 9, false), true],
      ["read response", msg(100_000, 8, true), true],
      ["write response", msg(100_000, 9, true), false],
      ["read request", msg(100_000, 8, false), false],
      ["compound write", msg(100_000, 9, false, 200), false],
      ["small write", msg(30_000, 9, false), false],
      // Whole in one segment when split at 60000: the fast path.
      ["one-segment write", msg(50_000, 9, false), true],
    ];
    for (const split of [1448, 60_000]) {
      const f = new Flow();
      const frames = [...f.handshake()];
      for (const [, m] of cases) {
        const w = nbss(m);
        for (let o = 0; o < w.length; o += split) frames.push(f.seg(true, w.subarray(o, o + split)));
      }
      const r = await read(pcap(recs(frames)));
      assert.equal(r.pdus.length, cases.length);
      cases.forEach(([what, m, prefix], i) => {
        const p = r.pdus[i]!;
        assert.equal(p.size, m.length, what);
        assert.ok(p.data.equals(prefix ? m.subarray(0, 1024) : m), `${what} split ${split}`);
        assert.ok(r.reread[i]!.equals(m), `${what}: ranges re-read the whole PDU`);
      });
    }
  });

  test("malformed TCP/IP headers never throw", async () => {
    const f = new Flow();
    const { frames } = simple(f);
    const junk = [
      Buffer.from([0x45, 0, 0, 10]),
      ipv4({ src: "1.2.3.4", dst: "5.6.7.8", payload: Buffer.from([1, 2, 3]) }),
      ipv4({
        src: "1.2.3.4",
        dst: "5.6.7.8",
        payload: tcp({ sport: 1, dport: 445, seq: 1, payload: Buffer.alloc(5) }).fill(0xff, 12, 13),
      }),
      Buffer.from([0x60, 0, 0, 0, 0, 8, 0, 64]),
    ];
    const r = await read(pcap(recs([...junk, ...frames])));
    assert.equal(r.pdus.length, 2);
  });
});

describe("bounds", () => {
  test("out-of-order data beyond the cap: warn once, give the hole up, keep going", async () => {
    const f = new Flow();
    const hs = f.handshake();
    const first = nbss(smb2(100, 1));
    const frames = [...hs, f.seg(true, first)];
    f.seg(true, Buffer.alloc(500)); // a hole that never fills (no ACKs either)
    const later: Buffer[] = [];
    for (let i = 0; i < 20; i++) later.push(nbss(smb2(1000, 10 + i)));
    // The first later segment does not start at a PDU boundary, so everything queues.
    const stream = Buffer.concat([Buffer.alloc(100), ...later]);
    for (let o = 0; o < stream.length; o += 1000) frames.push(f.seg(true, stream.subarray(o, o + 1000)));
    const r = await read(pcap(recs(frames)), { maxOutOfOrder: 5000 });
    assert.equal(r.warnings.filter((w) => /queued behind a hole/.test(w.message)).length, 1);
    const tags = r.pdus.map((p) => p.data[12]);
    assert.equal(tags[0], 1);
    assert.ok(tags.length >= 15, `only ${tags.length} PDUs`);
    assert.ok(tags.includes(29));
    for (const p of r.pdus) assert.equal(p.data.length, p.data[12] === 1 ? 100 : 1000);
  });
});

test("an IP total length beyond an uncut frame is not taken as a snaplen hole", async () => {
  const { frames, req, resp } = simple();
  const bad = Buffer.from(frames[3]!);
  bad.writeUInt16BE(bad.readUInt16BE(2) + 100, 2);
  frames[3] = bad;
  const r = await read(pcap(recs(frames)));
  checkSimple(r, req, resp);
  assert.equal(r.pdus[0]!.incomplete, undefined);
  assert.equal(r.warnings.length, 0);
});

describe("limits", () => {
  test("out-of-order data over all connections beyond the total cap: warn once, keep going", async () => {
    // Three connections each with a hole and 3000 queued bytes; the total cap is 5000.
    const flows = [0, 1, 2].map((i) => new Flow("10.0.0.1", "10.0.0.2", 50000 + i));
    const frames: Buffer[] = flows.flatMap((f) => f.handshake());
    for (const [i, f] of flows.entries()) {
      frames.push(f.seg(true, nbss(smb2(100, i))));
      f.seg(true, Buffer.alloc(500)); // the hole
      const stream = Buffer.concat([Buffer.alloc(100), nbss(smb2(1000, 10 + i)), nbss(smb2(1000, 20 + i))]);
      for (let o = 0; o < stream.length; o += 1000) frames.push(f.seg(true, stream.subarray(o, o + 1000)));
    }
    const r = await read(pcap(recs(frames)), { maxOutOfOrderTotal: 5000 });
    assert.equal(r.warnings.filter((w) => /over all connections/.test(w.message)).length, 1);
    const tags = new Set(r.pdus.map((p) => p.data[12]));
    for (const t of [0, 1, 2, 10, 11, 12, 20, 21, 22]) assert.ok(tags.has(t), `PDU ${t} lost`);
  });

  test("a PDU over maxPdu is indexed from its first 1 KB, with one warning; ranges cover it all", async () => {
    const f = new Flow();
    const big = smb2(200_000, 5);
    const w = nbss(big);
    const frames = [...f.handshake()];
    for (let o = 0; o < w.length; o += 1448) frames.push(f.seg(true, w.subarray(o, o + 1448)));
    frames.push(f.seg(false, nbss(smb2(80, 6))));
    const r = await read(pcap(recs(frames)), { maxPdu: 100_000 });
    assert.equal(r.pdus.length, 2);
    assert.equal(r.pdus[0]!.size, 200_000);
    assert.ok(r.pdus[0]!.data.equals(big.subarray(0, 1024)));
    assert.ok(r.reread[0]!.equals(big));
    assert.equal(r.warnings.filter((x) => /over the 100000-byte limit/.test(x.message)).length, 1);
  });

  test("more connections than maxConnections: the idle ones are forgotten, with one warning", async () => {
    const frames: Buffer[] = [];
    // 30 short conversations that never close, then one more on the first connection's ports.
    for (let i = 0; i < 30; i++) frames.push(...simple(new Flow("10.0.0.1", "10.0.0.2", 40000 + i)).frames);
    const again = new Flow("10.0.0.1", "10.0.0.2", 40000);
    again.cseq = 7777;
    frames.push(again.seg(true, nbss(smb2(100, 99))));
    const r = await read(pcap(recs(frames)), { maxConnections: 10 });
    assert.equal(r.warnings.filter((w) => /TCP connections at once/.test(w.message)).length, 1);
    assert.equal(r.pdus.length, 61);
    // The forgotten first connection comes back as a new (mid-stream) one.
    assert.ok(r.pdus[60]!.conn >= 30);
    assert.equal(r.pdus[60]!.data[12], 99);
  });
});

describe("borrowData", () => {
  test("views valid during the iteration step equal the owned copies; owned copies outlive the read buffer", async () => {
    // More than one read chunk (1 MB) of PDUs whole in one segment, plus one over several segments.
    const f = new Flow();
    const frames = [...f.handshake()];
    for (let i = 0; i < 1500; i++) frames.push(f.seg(i % 2 === 0, nbss(smb2(900 + (i % 300), i))));
    const big = nbss(smb2(5000, 7));
    for (let o = 0; o < big.length; o += 1448) frames.push(f.seg(true, big.subarray(o, o + 1448)));
    const file = path.join(dir, `c${nfile++}`);
    fs.writeFileSync(file, pcap(recs(frames)));
    const owned = await openCapture(file);
    const kept = [...owned.pdus()];
    const borrowed = await openCapture(file, { borrowData: true });
    let n = 0;
    for (const p of borrowed.pdus()) {
      const o = kept[n++]!;
      assert.equal(p.frame, o.frame);
      assert.ok(p.data.equals(o.data), `PDU ${n} at frame ${p.frame}`);
    }
    assert.equal(n, 1501);
    // After the pass, the owned buffers still hold their PDUs (checked against the file).
    for (const p of kept) assert.ok(owned.readRanges(p.ranges).subarray(p.skip).equals(p.data));
    owned.close();
    borrowed.close();
  });
});

describe("reader buffers and frame index", () => {
  test("a first record bigger than the first read, records across many chunk ends, readFrame in every index block", async () => {
    const f = new Flow();
    const ip = [...f.handshake()];
    // ~2.6 MB in ~5000 frames of varied sizes: several reader chunks, several frame-index blocks.
    for (let i = 0; i < 2500; i++) {
      ip.push(f.seg(true, nbss(smb2(100 + ((i * 37) % 900), i))));
      ip.push(f.seg(false, nbss(smb2(64 + ((i * 11) % 300), i))));
    }
    const frames = [ether(Buffer.alloc(100_000, 0x5a), 0x88b5), ...ip.map((d) => ether(d))];
    const file = path.join(dir, `c${nfile++}`);
    fs.writeFileSync(file, pcap(frames.map((data, i) => ({ data, sec: 1700000000 + i }))));
    const cap = await openCapture(file);
    const pdus = [...cap.pdus()];
    assert.equal(pdus.length, 5000);
    assert.equal(cap.frameCount, frames.length);
    for (const n of [1, 2, 1023, 1024, 1025, 2047, 2048, 2049, 4096, frames.length]) {
      const fr = cap.readFrame(n);
      assert.ok(fr?.data.equals(frames[n - 1]!), `frame ${n}`);
      assert.equal(fr?.time, 1700000000 + n - 1);
    }
    for (const p of pdus) assert.ok(cap.readRanges(p.ranges).subarray(p.skip).equals(p.data));
    cap.close();
  });
});

describe("progress", () => {
  test("onProgress: non-decreasing, ends with (total, total)", async () => {
    const f = new Flow();
    const frames = [...f.handshake()];
    for (let i = 0; i < 200; i++) frames.push(f.seg(i % 2 === 0, nbss(smb2(500, i))));
    const calls: [number, number][] = [];
    const r = await read(pcap(recs(frames)), { onProgress: (d, t) => calls.push([d, t]) });
    assert.equal(r.pdus.length, 200);
    assert.ok(calls.length >= 2);
    const total = calls[0]![1];
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i]![0] >= calls[i - 1]![0]);
    assert.deepEqual(calls[calls.length - 1], [total, total]);
  });
});
