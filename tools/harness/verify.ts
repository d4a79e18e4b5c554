// tshark as the oracle: summarise the SMB2 traffic of a capture and check a scenario's expectations.
import { execFileSync } from "node:child_process";
import { type KeyEntry, tsharkKeyArgs } from "./keys.js";

export interface Smb2Row {
  frame: number;
  /** smb2.cmd, e.g. 5 = CREATE (several per frame for compounds are separate rows). */
  cmd: number;
  response: boolean;
  /** smb2.nt_status as 0x........ (responses only). */
  status?: string;
  /** SMB2_FLAGS_SIGNED set. */
  signed: boolean;
  /** Inside an SMB2 TRANSFORM header (decrypted by tshark). */
  encrypted: boolean;
}

export interface CaptureSummary {
  rows: Smb2Row[];
  /** smb2.dialect of the negotiate response (e.g. "0x0311"), if any. */
  dialects: string[];
  /** Number of SMB1 frames. */
  smb1Frames: number;
  /** Frames with a transform header tshark could not decrypt. */
  undecrypted: number;
  /** Oplock levels granted in CREATE responses. */
  grantedOplocks: string[];
}

export interface Expectation {
  /** Status codes (0x........ or STATUS_* names from STATUS_NAMES) that must appear in responses. */
  statuses?: string[];
  /** Statuses that must not appear. */
  noStatuses?: string[];
  /** Negotiated dialect, e.g. "0x0210". */
  dialect?: string;
  /** Every request after session setup is signed (true) / no message is signed (false). */
  signed?: boolean;
  /** Traffic after session setup is encrypted (and decrypts with the keys). */
  encrypted?: boolean;
  /** SMB2 command numbers that must appear. */
  commands?: number[];
  /** At least one SMB1 frame. */
  smb1?: boolean;
  /** Oplock levels (smb2.create.oplock, e.g. "0xff" = lease) that must appear in CREATE responses. */
  oplocks?: string[];
  /** Oplock levels that must not appear in CREATE responses. */
  noOplocks?: string[];
}

export const STATUS_NAMES: Record<string, string> = {
  STATUS_SUCCESS: "0x00000000",
  STATUS_ACCESS_DENIED: "0xc0000022",
  STATUS_OBJECT_NAME_NOT_FOUND: "0xc0000034",
  STATUS_OBJECT_NAME_COLLISION: "0xc0000035",
  STATUS_OBJECT_PATH_NOT_FOUND: "0xc000003a",
  STATUS_SHARING_VIOLATION: "0xc0000043",
  STATUS_LOCK_NOT_GRANTED: "0xc0000055",
  STATUS_FILE_LOCK_CONFLICT: "0xc0000054",
  STATUS_NO_MORE_FILES: "0x80000006",
  STATUS_PENDING: "0x00000103",
  STATUS_CANCELLED: "0xc0000120",
  STATUS_NOT_FOUND: "0xc0000225",
  STATUS_MEDIA_WRITE_PROTECTED: "0xc00000a2",
  STATUS_BAD_NETWORK_NAME: "0xc00000cc",
  STATUS_NOTIFY_ENUM_DIR: "0x0000010c",
};

function normStatus(s: string): string {
  return (STATUS_NAMES[s] ?? s).toLowerCase();
}

/** Run tshark with fields output; each row is the list of values (comma-joined occurrences split). */
export function tsharkFields(
  pcap: string,
  filter: string,
  fields: string[],
  keys: KeyEntry[] = [],
): string[][] {
  const args = ["-r", pcap, ...tsharkKeyArgs(keys), "-Y", filter, "-T", "fields", "-E", "occurrence=a"];
  for (const f of fields) args.push("-e", f);
  const out = execFileSync("tshark", args, {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return out
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => l.split("\t"));
}

export function summarise(pcap: string, keys: KeyEntry[] = []): CaptureSummary {
  const rows: Smb2Row[] = [];
  const dialects = new Set<string>();
  let undecrypted = 0;
  let smb1Frames = 0;
  // One tshark pass (tshark start-up dominates the cost): SMB1 frames are recognised by smb.cmd.
  const raw = tsharkFields(
    pcap,
    "smb || smb2",
    [
      "frame.number",
      "smb2.cmd",
      "smb2.flags.response",
      "smb2.nt_status",
      "smb2.flags.signature",
      "smb2.header.transform.msg_size",
      "smb2.dialect",
      "smb.cmd",
      "smb2.create.oplock",
    ],
    keys,
  );
  const yes = (v: string | undefined) => v === "True" || v === "1";
  const oplocks = new Set<string>();
  for (const [frame, cmds, resp, statuses, signs, transform, dialect, smb1, oplock] of raw) {
    if (smb1) smb1Frames++;
    const c = cmds ? cmds.split(",") : [];
    const r = resp ? resp.split(",") : [];
    const st = statuses ? statuses.split(",") : [];
    const sg = signs ? signs.split(",") : [];
    if (transform && c.length === 0) undecrypted++;
    for (const d of dialect ? dialect.split(",") : []) if (yes(r[0])) dialects.add(d);
    // CREATEs are not compounded by our clients, so a response frame's oplock fields are its own.
    if (r.length > 0 && r.every(yes)) for (const o of oplock ? oplock.split(",") : []) oplocks.add(o);
    c.forEach((cmd, i) => {
      const response = yes(r[i]);
      rows.push({
        frame: Number(frame),
        cmd: Number(cmd),
        response,
        status: response ? st[i]?.toLowerCase() : undefined,
        signed: yes(sg[i]),
        encrypted: Boolean(transform),
      });
    });
  }
  return { rows, dialects: [...dialects], smb1Frames, undecrypted, grantedOplocks: [...oplocks] };
}

/** Problems found (empty = the expectation holds). */
export function check(summary: CaptureSummary, exp: Expectation): string[] {
  const errs: string[] = [];
  const seen = new Set(summary.rows.filter((r) => r.response && r.status).map((r) => r.status!));
  for (const s of exp.statuses ?? []) if (!seen.has(normStatus(s))) errs.push(`missing status ${s}`);
  for (const s of exp.noStatuses ?? []) if (seen.has(normStatus(s))) errs.push(`unexpected status ${s}`);
  if (exp.dialect && !summary.dialects.includes(exp.dialect.toLowerCase()))
    errs.push(`dialect ${exp.dialect} not negotiated (saw ${summary.dialects.join(",") || "none"})`);
  // Session setup (cmd 1) and negotiate (cmd 0) are exempt: they are signed/encrypted only partly.
  const after = summary.rows.filter((r) => r.cmd > 1 && r.cmd !== 18);
  // 3.1.1 clients sign TREE_CONNECT even without signing (MS-SMB2 3.2.4.1.1), so judge signing
  // on the file operations (CREATE and later), where only negotiated signing applies.
  const fileOps = summary.rows.filter((r) => r.cmd >= 5 && r.cmd !== 18 && r.status !== "0x00000103");
  if (exp.signed === true && (!fileOps.length || fileOps.some((r) => !r.signed)))
    errs.push("unsigned file operations");
  if (exp.signed === false && fileOps.some((r) => r.signed)) errs.push("signed file operations present");
  if (exp.encrypted === true && (!after.length || after.some((r) => !r.encrypted) || summary.undecrypted))
    errs.push(`not all traffic encrypted+decrypted (undecrypted frames: ${summary.undecrypted})`);
  if (exp.encrypted === false && summary.rows.some((r) => r.encrypted))
    errs.push("encrypted messages present");
  const cmds = new Set(summary.rows.map((r) => r.cmd));
  for (const c of exp.commands ?? []) if (!cmds.has(c)) errs.push(`missing command ${c}`);
  if (exp.smb1 && summary.smb1Frames === 0) errs.push("no SMB1 frames");
  for (const o of exp.oplocks ?? [])
    if (!summary.grantedOplocks.includes(o))
      errs.push(`oplock ${o} not granted (saw ${summary.grantedOplocks})`);
  for (const o of exp.noOplocks ?? [])
    if (summary.grantedOplocks.includes(o)) errs.push(`oplock ${o} granted`);
  return errs;
}
