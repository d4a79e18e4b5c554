/** Display formats matching Wireshark's. */

export function hexN(v: number, digits: number): string {
  return `0x${(v >>> 0).toString(16).padStart(digits, "0")}`;
}

export function hexPlain(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

const HEX = Buffer.from("0123456789abcdef", "latin1");

/** `aa:bb:cc`, built in one buffer (64 KB payloads are shown whole). */
export function hexColons(b: Uint8Array): string {
  if (b.length === 0) return "";
  const out = Buffer.allocUnsafe(b.length * 3 - 1);
  for (let i = 0, j = 0; i < b.length; i++, j += 3) {
    const v = b[i]!;
    out[j] = HEX[v >> 4]!;
    out[j + 1] = HEX[v & 15]!;
    if (j + 2 < out.length) out[j + 2] = 0x3a;
  }
  return out.toString("latin1");
}

/** MS-DTYP GUID: first three groups little-endian. */
export function guidString(b: Uint8Array): string {
  const x = Buffer.from(b.buffer, b.byteOffset, Math.min(16, b.byteLength)).toString("hex").padEnd(32, "0");
  const p = (i: number) => x.slice(i, i + 2);
  return `${p(6)}${p(4)}${p(2)}${p(0)}-${p(10)}${p(8)}-${p(14)}${p(12)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const EPOCH_DIFF = 11644473600n; // seconds from 1601-01-01 to 1970-01-01

/** `Aug 22, 2019 15:50:02.205089000 UTC` from seconds and nanoseconds since the Unix epoch. */
export function formatAbsTime(secs: bigint, nanos: number): string {
  const d = new Date(Number(secs) * 1000);
  if (Number.isNaN(d.getTime())) return "Not representable";
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")}, ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(nanos).padStart(9, "0")} UTC`;
}

/** FILETIME → [PDML show, label text]. */
export function formatFiletime(v: bigint): [string, string] {
  if (v === 0n) {
    const s = formatAbsTime(0n, 0);
    return [s, "No time specified (0)"];
  }
  if (v === 0x7fffffffffffffffn) return ["Infinity", "Infinity (0x7fffffffffffffff)"];
  const secs = v / 10000000n - EPOCH_DIFF;
  const nanos = Number(v % 10000000n) * 100;
  const s = formatAbsTime(secs, nanos);
  return [s, s];
}
