/**
 * Limits of the SMB layers (compound depth, AndX depth, decompression output, transform nesting):
 * hitting one flags the message as malformed in the list and the tree, and never aborts the trace.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import { renderText } from "../../src/dissect/tree.js";
import { MAX_ANDX } from "../../src/smb1/dissect.js";
import { DEFAULT_MAX_OUTPUT } from "../../src/smb2/compression/index.js";
import { MAX_COMPOUND } from "../../src/smb2/dissect.js";
import { openTrace } from "../../src/trace/index.js";
import { MsgFlag } from "../../src/trace/types.js";
import { ROOT } from "../../tools/fuzz/driver.js";
import { smbcmpBin } from "../cli/bin.js";

const FX = (n: string) => join(ROOT, "test/fixtures/fuzz", n);

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [smbcmpBin(), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("limits", () => {
  test("compound chain: 512 messages, then flagged", async () => {
    const t = await openTrace(FX("compound-600.pcap"));
    assert.equal(t.packets.length, 1);
    const p = t.packets.at(0)!;
    assert.equal(p.messages.length, MAX_COMPOUND);
    assert.ok(p.messages.at(-1)!.flags & MsgFlag.Malformed);
    assert.match(p.summary, /\[Malformed Packet\]$/);
    const text = renderText(t.tree(p.no));
    assert.match(
      text,
      /\[Malformed Packet: compound chain longer than 512 messages, 6332 bytes not dissected\]/,
    );
    t.close();
  });

  test("SMB1 AndX chain: 256 commands, then flagged", async () => {
    const t = await openTrace(FX("smb1-andx-300.pcap"));
    const p = t.packets.at(0)!;
    assert.equal(p.messages.length, MAX_ANDX);
    assert.ok(p.messages.at(-1)!.flags & MsgFlag.Malformed);
    assert.match(renderText(t.tree(p.no)), /\[Malformed Packet: AndX chain longer than 256 commands\]/);
    t.close();
  });

  test("decompression bombs stop at the output limit, flagged", async () => {
    for (const f of ["lz77-bomb.pcap", "lznt1-bomb.pcap", "pattern-bomb.pcap"]) {
      const t = await openTrace(FX(f));
      assert.ok(t.packets.length >= 2, f);
      for (const p of t.packets) {
        assert.equal(p.summary, "Compressed SMB3 [Malformed Packet]", `${f}:${p.no}`);
        assert.ok(p.messages[0]!.flags & MsgFlag.Malformed);
        const text = renderText(t.tree(p.no));
        assert.match(text, /\[decompression failed: .*\] \[Malformed\]/, `${f}:${p.no}`);
      }
      t.close();
    }
    const t = await openTrace(FX("lz77-bomb.pcap"));
    const texts = [...t.packets].map((p) => renderText(t.tree(p.no)));
    assert.match(texts[0]!, new RegExp(`output exceeds ${DEFAULT_MAX_OUTPUT} bytes`));
    assert.match(texts[1]!, new RegExp(`exceeds the limit of ${DEFAULT_MAX_OUTPUT}`));
    t.close();
  });

  test("transforms nested past 4 and payloads that are no SMB are shown in the tree", async () => {
    const t = await openTrace(FX("nested-compression.pcap"));
    const [a, b] = t.packets;
    assert.equal(a!.summary, "[Malformed Packet]");
    assert.match(
      renderText(t.tree(a!.no)),
      /\[Malformed Packet: no SMB header \(16777215 bytes starting 0x41414141\)\]/,
    );
    assert.match(renderText(t.tree(b!.no)), /\[Malformed Packet: SMB2 transforms nested more than 4 deep\]/);
    t.close();
  });

  test("CLI list and show mark malformed packets", () => {
    const l = cli("list", FX("compound-600.pcap"));
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /KeepAlive Request \[Malformed Packet\]\n$/);
    const b = cli("list", FX("lz77-bomb.pcap"));
    assert.equal(b.code, 0, b.stderr);
    const lines = b.stdout.trim().split("\n");
    assert.equal(lines.length, 3);
    for (const line of lines) assert.match(line, /Compressed SMB3 \[Malformed Packet\]$/);
    const s = cli("show", `${FX("compound-600.pcap")}:30`);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /\[Malformed Packet: compound chain longer than 512 messages/);
  });
});
