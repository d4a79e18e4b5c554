/** Pattern_V1 payloads (MS-SMB2 2.2.42.2.2): one byte repeated Repetitions times. */
import { DecompressError } from "./errors.js";

export interface PatternV1 {
  pattern: number;
  reserved1: number;
  reserved2: number;
  repetitions: number;
}

export function parsePatternV1(payload: Buffer): PatternV1 {
  if (payload.length < 8)
    throw new DecompressError("Pattern_V1", `payload of ${payload.length} bytes, need 8`);
  return {
    pattern: payload[0]!,
    reserved1: payload[1]!,
    reserved2: payload.readUInt16LE(2),
    repetitions: payload.readUInt32LE(4),
  };
}

export function patternV1Decompress(payload: Buffer, maxOutput: number): Buffer {
  const p = parsePatternV1(payload);
  if (p.repetitions > maxOutput) {
    throw new DecompressError(
      "Pattern_V1",
      `${p.repetitions} repetitions exceed the limit of ${maxOutput} bytes`,
    );
  }
  return Buffer.alloc(p.repetitions, p.pattern);
}
