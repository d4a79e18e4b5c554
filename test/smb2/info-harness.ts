/** Runs SMB2 messages through the driver the way the trace does (index pass, then tree pass). */

import type { FieldNode } from "../../src/dissect/tree.js";
import { walk } from "../../src/dissect/tree.js";
import { dissectSmb2 } from "../../src/smb2/dissect.js";
import { Smb2State } from "../../src/smb2/state.js";
import type { MessageInfo } from "../../src/trace/types.js";

export interface Run {
  state: Smb2State;
  trees: FieldNode[][];
  infos: MessageInfo[][];
  lightInfos: MessageInfo[][];
}

/** `files`: FileId hex → name, as if the creates had been seen. */
export function run(msgs: Buffer[], files: Record<string, string> = {}): Run {
  const state = new Smb2State();
  for (const [id, name] of Object.entries(files)) state.nameFile(id, name);
  const lightInfos: MessageInfo[][] = [];
  msgs.forEach((b, i) => {
    const infos: MessageInfo[] = [];
    dissectSmb2(b, 0, { state, frame: i + 2, conn: 1, time: i, light: true, first: true }, [], infos);
    lightInfos.push(infos);
  });
  const trees: FieldNode[][] = [];
  const infos: MessageInfo[][] = [];
  msgs.forEach((b, i) => {
    const out: FieldNode[] = [];
    const inf: MessageInfo[] = [];
    dissectSmb2(b, 0, { state, frame: i + 2, conn: 1, time: i, light: false, first: false }, out, inf);
    trees.push(out);
    infos.push(inf);
  });
  return { state, trees, infos, lightInfos };
}

export function pairs(nodes: readonly FieldNode[]): [string, string][] {
  const out: [string, string][] = [];
  walk(nodes, (n) => {
    out.push([n.name, n.show]);
    return true;
  });
  return out;
}

/** tshark's (name, show) pairs that our tree lacks (multiset difference). */
export function missing(expect: readonly [string, string][], ours: readonly [string, string][]): string[] {
  const cnt = new Map<string, number>();
  for (const [n, s] of ours) cnt.set(`${n}=${s}`, (cnt.get(`${n}=${s}`) ?? 0) + 1);
  const miss: string[] = [];
  for (const [n, s] of expect) {
    const k = `${n}=${s}`;
    const c = cnt.get(k) ?? 0;
    if (c) cnt.set(k, c - 1);
    else miss.push(k);
  }
  return miss;
}

/** The FileId (32 hex digits) of a request/response body of `cmd` in `b`. */
export function fidOf(b: Buffer): string {
  const cmd = b.readUInt16LE(12);
  const resp = (b.readUInt32LE(16) & 1) === 1;
  const at = cmd === 16 ? 64 + 24 : cmd === 17 ? 64 + 16 : 64 + 8;
  return resp && cmd !== 11 ? "" : b.subarray(at, at + 16).toString("hex");
}
