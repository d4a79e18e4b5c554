/** Helpers shared by the renderers: what a row's operation looks like in one line. */
import type { Trace } from "../../trace/types.js";
import { opFrames } from "../align.js";
import { messageAt, type Op } from "../ops.js";

export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
}

/** `Create Request File: foo.txt` (+ ` → 0xc0000034` when the final status is not success). */
export function opText(t: Trace, op: Op): string {
  const first = op.req ?? op.resp;
  let s = first ? messageAt(t, first).summary : `cmd ${op.cmd}`;
  if (!s) s = `cmd ${op.cmd}${op.path ? ` ${op.path}` : ""}`;
  if (op.kind === "break") s = `${s} (break)`;
  if (op.kind === "no-response" && op.req) s = `${s} (no response)`;
  if (op.status !== undefined && op.status !== 0 && op.req) s = `${s} → ${hex32(op.status)}`;
  return s;
}

/** `12,15` style frame list. */
export function framesText(t: Trace, op: Op): string {
  return opFrames(t, op).join(",");
}

export function defaultColor(): boolean {
  if (process.env.NO_COLOR) return false;
  return Boolean(process.stdout.isTTY);
}
