/**
 * Synthesises large, valid SMB2 captures for benchmarks (tshark dissects them cleanly):
 *
 *   node --import tsx bench/gen.ts bulk OUT.pcap [MB=400]       read/write traffic, MTU-sized segments
 *   node --import tsx bench/gen.ts ops OUT.pcap [PACKETS=900000] many small create/getinfo/close ops
 *   node --import tsx bench/gen.ts torture OUT.pcap               a real smbtorture run (bench/torture.json:
 *                                                                 smbd, smbtorture and tcpdump on loopback, ~1 min)
 *
 * Streams to disk; memory stays small whatever the size.
 */
import { spawnSync } from "node:child_process";
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MSS = 1448;

class PcapWriter {
  private fd: number;
  private buf = Buffer.alloc(8 << 20);
  private n = 0;
  frames = 0;
  usec = 0;
  constructor(path: string) {
    this.fd = openSync(path, "w");
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(1, 20); // Ethernet
    writeSync(this.fd, h);
  }
  frame(data: Buffer): void {
    if (this.n + data.length + 16 > this.buf.length) this.flush();
    this.usec += 7;
    const sec = 1_700_000_000 + Math.floor(this.usec / 1e6);
    this.buf.writeUInt32LE(sec, this.n);
    this.buf.writeUInt32LE(this.usec % 1e6, this.n + 4);
    this.buf.writeUInt32LE(data.length, this.n + 8);
    this.buf.writeUInt32LE(data.length, this.n + 12);
    data.copy(this.buf, this.n + 16);
    this.n += 16 + data.length;
    this.frames++;
  }
  flush(): void {
    writeSync(this.fd, this.buf, 0, this.n);
    this.n = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** One TCP connection between a client and a server on port 445. */
class Conn {
  private seq = [1000, 5000];
  private ipId = 1;
  constructor(
    private w: PcapWriter,
    private cport: number,
  ) {}

  private packet(dir: 0 | 1, flags: number, payload: Buffer): Buffer {
    const f = Buffer.alloc(14 + 20 + 20 + payload.length);
    const macA = [0x02, 0, 0, 0, 0, 1];
    const macB = [0x02, 0, 0, 0, 0, 2];
    Buffer.from(dir ? macA : macB).copy(f, 0);
    Buffer.from(dir ? macB : macA).copy(f, 6);
    f.writeUInt16BE(0x0800, 12);
    const ip = 14;
    f[ip] = 0x45;
    f.writeUInt16BE(20 + 20 + payload.length, ip + 2);
    f.writeUInt16BE(this.ipId++ & 0xffff, ip + 4);
    f[ip + 8] = 64;
    f[ip + 9] = 6;
    const a = [10, 0, 0, 1];
    const b = [10, 0, 0, 2];
    Buffer.from(dir ? b : a).copy(f, ip + 12);
    Buffer.from(dir ? a : b).copy(f, ip + 16);
    const tcp = ip + 20;
    f.writeUInt16BE(dir ? 445 : this.cport, tcp);
    f.writeUInt16BE(dir ? this.cport : 445, tcp + 2);
    f.writeUInt32BE(this.seq[dir]! >>> 0, tcp + 4);
    f.writeUInt32BE(this.seq[1 - dir]! >>> 0, tcp + 8);
    f[tcp + 12] = 0x50;
    f[tcp + 13] = flags;
    f.writeUInt16BE(65535, tcp + 14);
    payload.copy(f, tcp + 20);
    this.seq[dir] = (this.seq[dir]! + payload.length + (flags & 0x03 ? 1 : 0)) >>> 0;
    return f;
  }

  handshake(): void {
    this.w.frame(this.packet(0, 0x02, Buffer.alloc(0)));
    this.w.frame(this.packet(1, 0x12, Buffer.alloc(0)));
    this.w.frame(this.packet(0, 0x10, Buffer.alloc(0)));
  }

  /** Sends one NBSS-framed PDU, segmented at the MSS, with an ACK from the peer every 2 segments. */
  send(dir: 0 | 1, pdu: Buffer): void {
    const nb = Buffer.alloc(4 + pdu.length);
    nb.writeUInt32BE(pdu.length, 0);
    pdu.copy(nb, 4);
    let segs = 0;
    for (let off = 0; off < nb.length; off += MSS) {
      this.w.frame(this.packet(dir, 0x18, nb.subarray(off, off + MSS)));
      if (++segs % 2 === 0) this.w.frame(this.packet(dir === 0 ? 1 : 0, 0x10, Buffer.alloc(0)));
    }
  }
}

let msgId = 0n;
function hdr(cmd: number, resp: boolean, id: bigint, status = 0, next = 0): Buffer {
  const h = Buffer.alloc(64);
  h.write("\xfeSMB", 0, "latin1");
  h.writeUInt16LE(64, 4);
  h.writeUInt16LE(1, 6);
  h.writeUInt32LE(status, 8);
  h.writeUInt16LE(cmd, 12);
  h.writeUInt16LE(1, 14);
  h.writeUInt32LE(resp ? 1 : 0, 16);
  h.writeUInt32LE(next, 20);
  h.writeBigUInt64LE(id, 24);
  h.writeUInt32LE(0xfeff, 32);
  h.writeUInt32LE(1, 36);
  h.writeBigUInt64LE(0x0000_4000_0000_0001n, 40);
  return h;
}

/** The FileId of the current open: unique per create, as servers hand them out. */
const FID = Buffer.alloc(16);
let fidSeq = 0;
function nextFid(): void {
  fidSeq++;
  FID.writeBigUInt64LE(BigInt(fidSeq), 0);
  FID.writeBigUInt64LE(BigInt(fidSeq) * 0x9e3779b1n + 0xffff0000n, 8);
}

function createReq(name: string): Buffer {
  const n = Buffer.from(name, "utf16le");
  const b = Buffer.alloc(56 + Math.max(n.length, 1));
  b.writeUInt16LE(57, 0);
  b.writeUInt32LE(2, 4); // impersonation
  b.writeUInt32LE(0x0012019f, 24);
  b.writeUInt32LE(0x80, 28);
  b.writeUInt32LE(7, 32);
  b.writeUInt32LE(5, 36); // overwrite_if
  b.writeUInt32LE(0x40, 40);
  b.writeUInt16LE(64 + 56, 44);
  b.writeUInt16LE(n.length, 46);
  n.copy(b, 56);
  return b;
}
function createResp(): Buffer {
  nextFid();
  const b = Buffer.alloc(88 + 1);
  b.writeUInt16LE(89, 0);
  b.writeUInt32LE(2, 4);
  FID.copy(b, 64);
  return b;
}
function closeReq(): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  FID.copy(b, 8);
  return b;
}
function closeResp(): Buffer {
  const b = Buffer.alloc(60);
  b.writeUInt16LE(60, 0);
  return b;
}
function writeReq(len: number, off: number): Buffer {
  const b = Buffer.alloc(48 + len, 0x61);
  b.fill(0, 0, 48);
  b.writeUInt16LE(49, 0);
  b.writeUInt16LE(64 + 48, 2);
  b.writeUInt32LE(len, 4);
  b.writeBigUInt64LE(BigInt(off), 8);
  FID.copy(b, 16);
  return b;
}
function writeResp(len: number): Buffer {
  const b = Buffer.alloc(17);
  b.writeUInt16LE(17, 0);
  b.writeUInt32LE(len, 4);
  return b;
}
function readReq(len: number, off: number): Buffer {
  const b = Buffer.alloc(49);
  b.writeUInt16LE(49, 0);
  b.writeUInt32LE(len, 4);
  b.writeBigUInt64LE(BigInt(off), 8);
  FID.copy(b, 16);
  return b;
}
function readResp(len: number): Buffer {
  const b = Buffer.alloc(16 + len, 0x62);
  b.fill(0, 0, 16);
  b.writeUInt16LE(17, 0);
  b[2] = 64 + 16;
  b.writeUInt32LE(len, 4);
  return b;
}
function getInfoReq(): Buffer {
  const b = Buffer.alloc(41);
  b.writeUInt16LE(41, 0);
  b[2] = 1;
  b[3] = 5; // standard info
  b.writeUInt32LE(4096, 4);
  b.writeUInt16LE(0x68, 8);
  FID.copy(b, 24);
  return b;
}
function getInfoResp(): Buffer {
  const b = Buffer.alloc(8 + 24);
  b.writeUInt16LE(9, 0);
  b.writeUInt16LE(64 + 8, 2);
  b.writeUInt32LE(24, 4);
  return b;
}

function msg(cmd: number, resp: boolean, body: Buffer, id: bigint): Buffer {
  return Buffer.concat([hdr(cmd, resp, id), body]);
}

function bulk(path: string, mb: number): void {
  const w = new PcapWriter(path);
  const c = new Conn(w, 50000);
  c.handshake();
  const chunk = 65536;
  const target = mb * 1024 * 1024;
  let file = 0;
  let written = 0;
  while (written < target) {
    const id = msgId++;
    c.send(0, msg(5, false, createReq(`bench\\file${file}.bin`), id));
    c.send(1, msg(5, true, createResp(), id));
    for (let off = 0; off < 16 * chunk && written < target; off += chunk) {
      const wid = msgId++;
      c.send(0, msg(9, false, writeReq(chunk, off), wid));
      c.send(1, msg(9, true, writeResp(chunk), wid));
      const rid = msgId++;
      c.send(0, msg(8, false, readReq(chunk, off), rid));
      c.send(1, msg(8, true, readResp(chunk), rid));
      written += 2 * chunk;
    }
    const cid = msgId++;
    c.send(0, msg(6, false, closeReq(), cid));
    c.send(1, msg(6, true, closeResp(), cid));
    file++;
  }
  w.close();
  console.log(`${path}: ${w.frames} frames, ${mb} MB of SMB2 read/write traffic`);
}

function ops(path: string, packets: number): void {
  const w = new PcapWriter(path);
  const c = new Conn(w, 50001);
  c.handshake();
  let i = 0;
  while (w.frames < packets) {
    for (const [cmd, req, resp] of [
      [5, createReq(`dir${i % 97}\\f${i}.txt`), createResp()],
      [16, getInfoReq(), getInfoResp()],
      [6, closeReq(), closeResp()],
    ] as [number, Buffer, Buffer][]) {
      const id = msgId++;
      c.send(0, msg(cmd, false, req, id));
      c.send(1, msg(cmd, true, resp, id));
    }
    i++;
  }
  w.close();
  console.log(`${path}: ${w.frames} frames of small SMB2 operations`);
}

/** Real traffic: the harness runs bench/torture.json (a real smbd and smbtorture) and captures it. */
function torture(path: string): void {
  const root = join(import.meta.dirname, "..");
  const dir = mkdtempSync(join(tmpdir(), "smbcmp-bench-"));
  try {
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        join(root, "tools/harness/cli.ts"),
        "run",
        join(root, "bench/torture.json"),
        "--out",
        dir,
      ],
      { stdio: "inherit", cwd: root },
    );
    if (r.status !== 0) throw new Error("the smbtorture scenario failed (see above)");
    copyFileSync(join(dir, "bench-torture.pcap"), path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`${path}: a real smbtorture run`);
}

const [kind, out, n] = process.argv.slice(2);
if (kind === "bulk" && out) bulk(out, Number(n ?? 400));
else if (kind === "ops" && out) ops(out, Number(n ?? 900000));
else if (kind === "torture" && out) torture(out);
else {
  console.error("usage: gen.ts bulk OUT.pcap [MB] | ops OUT.pcap [PACKETS] | torture OUT.pcap");
  process.exit(2);
}
