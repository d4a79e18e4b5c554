/**
 * The floor of a JavaScript `list` on this machine: the least work any lister of the bench's
 * synthetic captures must do, and nothing else. It reads every pcap record, parses Ethernet, IPv4
 * and TCP, and prints a line (number, time, addresses, command) for each segment that starts with an
 * SMB2 header, naming the file of Create, GetInfo and Close as the Info column does.
 *
 * It has no TCP reassembly, no NBSS framing, no compounds, no SMB1, no other link types, no checks
 * of lengths against the data and no state beyond two maps: it is not a dissector and only holds for
 * bench/gen.ts's captures. bench/run.ts times it beside smbcmp and tshark, so that a target (10x
 * tshark, 3x `cat`) can be read against what the language and the machine allow at all.
 *
 *   node bench/floor.mjs CAPFILE > /dev/null
 */
import { openSync, readSync, writeSync } from "node:fs";

const COMMANDS = [
  "Negotiate Protocol",
  "Session Setup",
  "Session Logoff",
  "Tree Connect",
  "Tree Disconnect",
  "Create",
  "Close",
  "Flush",
  "Read",
  "Write",
  "Lock",
  "Ioctl",
  "Cancel",
  "KeepAlive",
  "Find",
  "Notify",
  "GetInfo",
  "SetInfo",
  "Break",
];

const fd = openSync(process.argv[2] ?? "", "r");
let inBuf = Buffer.allocUnsafe(8 << 20);
let have = 0;
let pos = 0;
const out = Buffer.allocUnsafe(1 << 20);
let on = 0;

/** Moves the unread bytes to the front and reads more; the number of bytes read. */
function refill(need) {
  if (need > inBuf.length) {
    const bigger = Buffer.allocUnsafe(need * 2);
    inBuf.copy(bigger, 0, pos, have);
    inBuf = bigger;
  } else inBuf.copy(inBuf, 0, pos, have);
  have -= pos;
  pos = 0;
  const n = readSync(fd, inBuf, have, inBuf.length - have, null);
  have += n;
  return n;
}

/** Writes the lines so far; a closed pipe (`| head`) ends the walk quietly. */
function flush() {
  try {
    writeSync(1, out, 0, on);
  } catch (e) {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  }
  on = 0;
}

function ascii(s) {
  for (let i = 0; i < s.length; i++) out[on++] = s.charCodeAt(i);
}

function uint(v, width) {
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let k = digits; k < width; k++) out[on++] = 32;
  on += digits;
  let n = on;
  for (let t = v; digits-- > 0; t = Math.floor(t / 10)) out[--n] = 48 + (t % 10);
}

const ips = new Map();
function ip(a) {
  let s = ips.get(a);
  if (s === undefined) {
    s = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
    ips.set(a, s);
  }
  return s;
}

function main() {
  const names = new Map();
  const files = new Map();
  refill(24);
  pos = 24;
  let no = 0;
  let t0 = -1;
  for (;;) {
    if (have - pos < 16 && refill(16) === 0) break;
    const caplen = inBuf.readUInt32LE(pos + 8);
    if (have - pos < 16 + caplen && refill(16 + caplen) === 0) break;
    const usecs = inBuf.readUInt32LE(pos) * 1e6 + inBuf.readUInt32LE(pos + 4);
    const p = pos + 16;
    pos = p + caplen;
    no++;
    if (t0 < 0) t0 = usecs;
    if (inBuf.readUInt16BE(p + 12) !== 0x800 || inBuf[p + 23] !== 6) continue;
    const tcp = p + 14 + (inBuf[p + 14] & 15) * 4;
    const s = tcp + (inBuf[tcp + 12] >> 4) * 4 + 4;
    if (s + 64 > p + caplen || inBuf.readUInt32LE(s) !== 0x424d53fe) continue;
    const cmd = inBuf.readUInt16LE(s + 12);
    const response = inBuf.readUInt32LE(s + 16) & 1;
    const msgId = inBuf.readUInt32LE(s + 24);
    let summary = `${COMMANDS[cmd] ?? "Unknown"} ${response ? "Response" : "Request"}`;
    if (cmd === 5 && !response) {
      const off = inBuf.readUInt16LE(s + 108);
      const name = inBuf.toString("utf16le", s + off, s + off + inBuf.readUInt16LE(s + 110));
      names.set(msgId, name);
      summary += ` File: ${name}`;
    } else if (cmd === 5) {
      const name = names.get(msgId);
      names.delete(msgId);
      files.set(inBuf.toString("latin1", s + 128, s + 144), name);
      summary += ` File: ${name}`;
    } else if (!response && (cmd === 16 || cmd === 6)) {
      const at = cmd === 6 ? s + 72 : s + 88;
      const id = inBuf.toString("latin1", at, at + 16);
      summary += ` File: ${files.get(id)}`;
      if (cmd === 6) files.delete(id);
    }
    uint(no, 6);
    out[on++] = 32;
    const us = usecs - t0;
    uint(Math.floor(us / 1e6), 5);
    out[on++] = 46;
    let frac = us % 1e6;
    for (let i = 6; i > 0; i--) {
      out[on + i - 1] = 48 + (frac % 10);
      frac = Math.floor(frac / 10);
    }
    on += 6;
    out[on++] = 32;
    ascii(ip(inBuf.readUInt32BE(p + 26)));
    ascii(" -> ");
    ascii(ip(inBuf.readUInt32BE(p + 30)));
    out[on++] = 32;
    on += out.write(summary, on, "utf8");
    out[on++] = 10;
    if (on > out.length - 8192) flush();
  }
  flush();
}

main();
