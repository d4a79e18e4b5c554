/**
 * tshark as the oracle: streams `tshark -T pdml` and collects, per frame, the fields of the SMB
 * protocols (smb2 / smb and everything nested in them: gss-api, spnego, ntlmssp, dcerpc...).
 */

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { infoFields as tsharkInfo } from "../../src/engine/tshark.js";

export interface OracleField {
  name: string;
  show: string;
  showname: string;
  pos: number;
  size: number;
  hidden: boolean;
}

export interface IndexRow {
  path: string;
  smb1_frames: number;
  smb2_frames: number;
  encrypted_frames: number;
  tshark_args: string;
  [k: string]: string | number;
}

export function readIndex(indexPath: string, text: string): IndexRow[] {
  void indexPath;
  const [head, ...lines] = text.trim().split("\n");
  const cols = head!.split("\t");
  return lines.map((l) => {
    const v = l.split("\t");
    const row: Record<string, string | number> = {};
    cols.forEach((c, i) => {
      const s = v[i] ?? "";
      row[c] = /^(frames|smb1_frames|smb2_frames|nbss_frames|encrypted_frames|bytes)$/.test(c)
        ? Number(s)
        : s;
    });
    return row as IndexRow;
  });
}

const ENT: Record<string, string> = { quot: '"', amp: "&", lt: "<", gt: ">", apos: "'" };
export function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
    if (e[0] === "#")
      return String.fromCodePoint(e[1] === "x" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENT[e] ?? m;
  });
}

function attr(line: string, name: string): string | undefined {
  const m = new RegExp(` ${name}="([^"]*)"`).exec(line);
  return m ? unescapeXml(m[1]!) : undefined;
}

/** Splits a `tshark_args` cell into argv words. */
export function splitArgs(s: string): string[] {
  return s.trim() ? s.trim().split(/\s+/) : [];
}

/**
 * Runs tshark PDML over `path` and returns frame → fields inside the given top protocols.
 * `extra` are additional tshark arguments (decode-as, keys, display filter).
 */
export async function pdmlFields(
  path: string,
  protos: string[],
  extra: string[] = [],
  twoPass = true,
): Promise<Map<number, OracleField[]>> {
  const filter = protos.join(" || ");
  // Two passes, like our trees (built after the whole capture is read): response-in, close frames.
  const child = spawn(
    "tshark",
    ["-r", path, ...(twoPass ? ["-2"] : []), "-T", "pdml", "-Y", filter, ...extra],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  const rl = createInterface({ input: child.stdout });
  const frames = new Map<number, OracleField[]>();
  let frame = 0;
  let depth = 0; // proto nesting depth inside a collected proto (0 = outside)
  let fields: OracleField[] = [];
  for await (const line of rl) {
    const t = line.trimStart();
    if (t.startsWith("<packet>")) {
      frame = 0;
      fields = [];
      depth = 0;
    } else if (t.startsWith("</packet>")) {
      if (frame) frames.set(frame, fields);
    } else if (t.startsWith("<proto ")) {
      const name = attr(t, "name");
      if (depth > 0) depth++;
      else if (name && protos.includes(name)) depth = 1;
      if (t.endsWith("/>") && depth > 0) depth--;
    } else if (t.startsWith("</proto>")) {
      if (depth > 0) depth--;
    } else if (t.startsWith("<field ")) {
      const name = attr(t, "name") ?? "";
      if (!frame && name === "num") frame = Number(attr(t, "show"));
      if (depth > 0 && name) {
        fields.push({
          name,
          show: attr(t, "show") ?? "",
          showname: attr(t, "showname") ?? "",
          pos: Number(attr(t, "pos") ?? -1),
          size: Number(attr(t, "size") ?? 0),
          hidden: attr(t, "hide") === "yes",
        });
      }
    }
  }
  await new Promise((r) => child.on("close", r));
  return frames;
}

/**
 * frame → Info column as smbcmp's summaries compose it: tshark's with DCE/RPC disabled (the SMB
 * part), then ` | ` and its Info with DCE/RPC enabled for frames that carry DCE/RPC (see rpcSuffix).
 */
export function infoColumn(path: string, protos: string[], extra: string[] = []): Map<number, string> {
  const m = infoFields(path, protos.join(" || "), ["--disable-protocol", "dcerpc", ...extra]);
  for (const [no, rpc] of infoFields(path, "dcerpc", extra)) {
    const smb = m.get(no);
    if (smb !== undefined) m.set(no, `${smb} | ${rpc}`);
  }
  return m;
}

function infoFields(path: string, filter: string, extra: string[]): Map<number, string> {
  const m = tsharkInfo(undefined, ["-r", path, "-Y", filter, ...extra]);
  // TCP expert notes ("[TCP Previous segment not captured] ") are not part of the SMB summary.
  for (const [no, info] of m) m.set(no, info.replace(/^(\[TCP [^\]]*\] )+/, ""));
  return m;
}
