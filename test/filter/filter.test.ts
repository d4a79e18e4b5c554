import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FieldNode } from "../../src/dissect/tree.js";
import { compileFilter, FilterSyntaxError, filterTrace, parseFilter } from "../../src/filter/index.js";
import { openTrace } from "../../src/trace/index.js";
import type { MessageInfo, PacketInfo, Trace } from "../../src/trace/types.js";

function leaf(name: string, show: string, value: string | number = show): FieldNode {
  return { name, label: `${name}: ${show}`, show, value, offset: 0, length: 1 };
}

/** A fake trace: packets with messages, and trees counted so the fast path can be checked. */
function fake(msgs: Partial<MessageInfo>[][], trees: FieldNode[][] = []): Trace & { built: number } {
  const packets: PacketInfo[] = msgs.map((ms, i) => ({
    no: i + 1,
    time: i,
    src: "a",
    dst: "b",
    srcPort: 1,
    dstPort: 445,
    conn: 0,
    summary: "",
    messages: ms.map((m) => ({
      proto: 2,
      cmd: 0,
      isResponse: false,
      status: 0,
      msgId: "1",
      sesId: "0000000000000001",
      tid: 1,
      summary: "",
      flags: 0,
      ...m,
    })),
  }));
  const t = {
    path: "fake",
    packets,
    warnings: [],
    built: 0,
    indexOf: (no: number) => (no >= 1 && no <= packets.length ? no - 1 : -1),
    tree(no: number) {
      t.built++;
      return trees[no - 1] ?? [];
    },
    close() {},
  };
  return t;
}

const pass = (f: string, t: Trace) =>
  [...t.packets].filter((_, i) => compileFilter(f).matches(t, i)).map((p) => p.no);

describe("parseFilter", () => {
  test("precedence: not > and > or; word operators; parentheses", () => {
    const e = parseFilter("a || b && !c");
    assert.equal(e.t, "or");
    assert.deepEqual(parseFilter("a or b and not c"), e);
    const p = parseFilter("(a || b) && c");
    assert.equal(p.t, "and");
  });
  test("values: decimal, hex, strings with escapes, booleans, bare words", () => {
    const v = (s: string) => {
      const e = parseFilter(s);
      assert.equal(e.t, "cmp");
      return e.t === "cmp" ? e.lit : undefined;
    };
    assert.deepEqual(v("x == 10"), { kind: "num", n: 10n, text: "10" });
    assert.equal((v("x == 0xC0000034") as { n: bigint }).n, 0xc0000034n);
    assert.deepEqual(v('x == "a\\"b\\\\c"'), { kind: "str", s: 'a"b\\c' });
    assert.equal((v("x == true") as { n: bigint }).n, 1n);
    assert.deepEqual(v("x eq foo"), { kind: "str", s: "foo" });
  });
  test("syntax errors carry the column", () => {
    const cases: [string, number, RegExp][] = [
      ["smb2.cmd == 5 &&", 16, /expected a field name/],
      ["smb2.cmd = 5", 9, /unexpected character '='/],
      ["(smb2.cmd == 5", 14, /expected '\)'/],
      ['x == "abc', 5, /unterminated string/],
      ["x == ", 5, /expected a value/],
      ['x < "a"', 4, /needs a number/],
      ['x matches "("', 10, /regular expression/],
      ["x == 1 y", 7, /unexpected 'y'/],
      ["== 1", 0, /expected a field name/],
    ];
    for (const [text, pos, re] of cases) {
      assert.throws(
        () => parseFilter(text),
        (e: unknown) =>
          e instanceof FilterSyntaxError && e.pos === pos && re.test(e.message) && /column/.test(e.message),
        text,
      );
    }
  });
});

describe("evaluation", () => {
  test("fast fields never build a tree", () => {
    const t = fake([
      [{ cmd: 5 }],
      [{ cmd: 5, isResponse: true, status: 0xc0000034 }],
      [{ cmd: 6, path: "dir\\data.tmp" }],
      [{ proto: 1, cmd: 0x72, status: 0 }],
    ]);
    assert.deepEqual(pass("smb2.cmd == 5", t), [1, 2]);
    assert.deepEqual(pass("smb2.nt_status == 0xc0000034", t), [2]);
    assert.deepEqual(pass("smb2.cmd == 5 && smb2.flags.response == 0", t), [1]);
    assert.deepEqual(pass('smb2.filename contains "DATA"', t), [3]);
    assert.deepEqual(pass('smb2.filename matches "\\\\.tmp$"', t), [3]);
    assert.deepEqual(pass("smb.cmd == 0x72", t), [4]);
    assert.deepEqual(pass("smb2", t), [1, 2, 3]);
    assert.deepEqual(pass("!smb2", t), [4]);
    assert.deepEqual(pass("frame.number >= 2 and frame.number < 4", t), [2, 3]);
    assert.deepEqual(pass("smb2.sesid == 1 && smb2.tid == 0x1 && smb2.msg_id == 1", t), [1, 2, 3]);
    assert.equal(t.built, 0);
    assert.equal(compileFilter("smb2.cmd == 5 || frame.number == 1").needsTree, false);
    assert.equal(compileFilter("smb2.create.disposition == 2").needsTree, true);
  });
  test("tree fields: any-match, existence, numeric and string comparisons", () => {
    const t = fake(
      [[{}], [{}], [{}]],
      [
        [leaf("smb2.create.disposition", "2", 2), leaf("smb2.tree", "\\\\srv\\share")],
        [leaf("smb2.fid", "ab"), leaf("x.n", "1", 1), leaf("x.n", "7", 7)],
        [{ ...leaf("smb2.hdr", ""), children: [leaf("x.hex", "0x00000010", 16)] }],
      ],
    );
    assert.deepEqual(pass("smb2.create.disposition == 2", t), [1]);
    assert.deepEqual(pass('smb2.tree == "\\\\\\\\SRV\\\\share"', t), [1]);
    assert.deepEqual(pass("smb2.fid", t), [2]);
    // Any-match, as Wireshark: one occurrence equal, another different.
    assert.deepEqual(pass("x.n == 7", t), [2]);
    assert.deepEqual(pass("x.n != 7", t), [2]);
    assert.deepEqual(pass("!(x.n == 7)", t), [1, 3]);
    assert.deepEqual(pass("x.n > 5", t), [2]);
    // Nested nodes and hex display values.
    assert.deepEqual(pass("x.hex == 16 && x.hex == 0x10", t), [3]);
  });
  test("filterTrace keeps frame numbers and trees", () => {
    const t = fake(
      [[{ cmd: 5 }], [{ cmd: 6 }], [{ cmd: 5 }]],
      [[leaf("a", "1")], [leaf("b", "2")], [leaf("c", "3")]],
    );
    const v = filterTrace(t, compileFilter("smb2.cmd == 5"));
    assert.deepEqual(
      [...v.packets].map((p) => p.no),
      [1, 3],
    );
    assert.equal(v.indexOf(3), 1);
    assert.equal(v.indexOf(2), -1);
    assert.equal(v.tree(3)[0]!.name, "c");
    assert.equal(t.packets.length, 3);
  });
});

describe("on a real capture", () => {
  test("examples/bad.pcap: the failing creates; a view is diffable", async () => {
    const t = await openTrace("examples/bad.pcap");
    try {
      const nos = pass("smb2.cmd == 5 && smb2.nt_status == 0xc0000034", t);
      assert.equal(nos.length, 4);
      // The same packets through a tree-only field name for the status.
      const tree = pass('smb2.cmd == 5 && smb2.create.action || smb2.nt_status matches "c0000034"', t);
      assert.ok(nos.every((n) => tree.includes(n)));
      const v = filterTrace(t, compileFilter("smb2.cmd == 5"));
      assert.ok(v.packets.length > 0 && [...v.packets].every((p) => p.messages.some((m) => m.cmd === 5)));
      const no = v.packets.at(1)!.no;
      assert.deepEqual(v.tree(no), t.tree(no));
    } finally {
      t.close();
    }
  });
});
