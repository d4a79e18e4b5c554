import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EXTRA_ASYNC_ID,
  EXTRA_DETAIL,
  EXTRA_FILE_ID,
  EXTRA_PATH,
  eachMessageHead,
  type MsgHead,
  messageHead,
  PacketStore,
} from "../../src/trace/store.js";
import type { MessageInfo, PacketInfo } from "../../src/trace/types.js";

const msg = (o: Partial<MessageInfo>): MessageInfo => ({
  proto: 2,
  cmd: 5,
  isResponse: false,
  status: 0,
  msgId: "7",
  sesId: "00000000deadbeef",
  tid: 1,
  summary: "Create Request File: a.txt",
  flags: 0,
  ...o,
});

const pkt = (no: number, messages: MessageInfo[], o: Partial<PacketInfo> = {}): PacketInfo => ({
  no,
  time: 1700000000.123456 + no,
  src: "10.0.0.1",
  dst: "fe80::1",
  srcPort: 49152,
  dstPort: 445,
  conn: 3,
  summary: messages.map((m) => m.summary).join(";"),
  messages,
  ...o,
});

test("PacketStore gives back every field it was given, across chunk boundaries", () => {
  const s = new PacketStore();
  const given: PacketInfo[] = [];
  const odd = "bad\uD800name";
  for (let i = 0; i < 70_000; i++) {
    const ms = [
      msg({
        msgId: i % 1000 === 0 ? "18446744073709551615" : String(i * 3),
        cmd: i % 7 === 0 ? -1 : i % 11 === 0 ? 0xffff : i % 19,
        proto: (i % 3) as 0 | 1 | 2,
        isResponse: i % 2 === 1,
        status: i % 5 === 0 ? 0xc0000034 : 0,
        flags: i % 1024,
        tid: 0xffffffff - i,
        sesId: i % 100 === 0 ? "ffffffffffffffff" : "00000000deadbeef",
        ...(i % 4 === 0 ? { fileId: `${i.toString(16).padStart(32, "0")}` } : {}),
        ...(i % 6 === 0 ? { path: i % 12 === 0 ? `dir\\fïlé${i}.txt` : `f${"x".repeat(i % 200)}` } : {}),
        ...(i % 10 === 0 ? { detail: "0x0012", asyncId: "1f" } : {}),
        ...(i === 4242 ? { path: odd } : {}),
        summary: i % 9 === 0 ? `Read Response, Error: STATUS_END_OF_FILE ${i}` : `Create Request File: é${i}`,
      }),
    ];
    // Summaries around the message's path are stored as templates (prefix, path, suffix).
    const m0 = ms[0]!;
    if (m0.path !== undefined && i % 5 !== 0)
      m0.summary = i % 3 === 0 ? `GetInfo Request FILE_INFO File: ${m0.path}` : `${m0.path}${m0.path} tail`;
    if (i % 50 === 0) ms.push(msg({ summary: "Close Request", path: "" }));
    const p = pkt(i * 2 + 1, ms, i % 333 === 0 ? { summary: i === 333 ? odd : "Session message" } : {});
    given.push(p);
    s.push(p, [
      { nbssType: 0, skip: i % 4, spans: [2 ** 33 + i * 100, 90] },
      ...(i % 50 === 0
        ? [
            {
              nbssType: 0x85,
              skip: 0,
              spans: [2 ** 33 + i * 100 + 500, 1448, -1, 100, 2 ** 33 + i * 100 - 4000, 65535],
            },
          ]
        : []),
    ]);
  }
  assert.equal(s.length, given.length);
  for (const i of [0, 1, 333, 4242, 65535, 65536, 65537, 69_999]) {
    assert.deepEqual(s.at(i), given[i], `packet ${i}`);
    assert.equal(s.locsOf(i)[0]!.ranges[0]!.offset, 2 ** 33 + i * 100);
    assert.equal(s.locsOf(i)[0]!.skip, i % 4);
  }
  for (let i = 0; i < given.length; i += 97) assert.deepEqual(s.at(i), given[i], `packet ${i}`);
  for (let i = 0; i < given.length; i += 1) {
    const { messages: _, ...head } = given[i]!;
    assert.deepEqual(s.row(i), head, `row ${i}`);
  }
  assert.deepEqual(s.locsOf(50)[1], {
    nbssType: 0x85,
    skip: 0,
    ranges: [
      { offset: 2 ** 33 + 5500, length: 1448 },
      { offset: -1, length: 100 },
      { offset: 2 ** 33 + 1000, length: 65535 },
    ],
  });
  assert.equal(s.at(-1), undefined);
  assert.equal(s.at(given.length), undefined);
  assert.equal(s.indexOf(131), 65);
  assert.equal(s.indexOf(132), -1);
  assert.equal(s.frameNo(65536), 131073);
  s.setSummary(5, "Create Request File: a;Create Request File: b");
  assert.equal(s.at(5)!.summary, "Create Request File: a;Create Request File: b");
  assert.equal(s.at(5)!.messages[0]!.summary, given[5]!.messages[0]!.summary);
  assert.equal([...s].length, given.length);

  // exportRange/importRange (the load workers' hand-over): every packet comes back the same, in
  // batches of any size, the odd strings and 2^64-1 ids included, and the Info amended above.
  const t = new PacketStore();
  assert.equal(t.importRange(new PacketStore().exportRange(0, 0)), 0);
  for (const [from, to] of [
    [0, 1],
    [1, 2],
    [2, 1000],
    [1000, 1000],
    [1000, 66_000],
    [66_000, given.length],
  ] as const)
    assert.equal(t.importRange(s.exportRange(from, to)), to - from);
  assert.equal(t.length, s.length);
  for (let i = 0; i < s.length; i++) assert.deepEqual(t.at(i), s.at(i), `imported packet ${i}`);
  assert.deepEqual(t.locsOf(7), s.locsOf(7));
  assert.equal(t.indexOf(131), 65);
  assert.throws(() => t.push(given[0]!), /read-only/);
  assert.throws(() => t.importRange(s.exportRange(0, 1)), /ended at/);

  // The per-message readers (a diff's operation list, the web stats) give the fields at() gives,
  // on the store and on its imported view, with no MessageInfo built; eachMessageHead the same
  // for any list.
  for (const store of [s, t]) {
    const heads: MsgHead[] = [];
    eachMessageHead(store, (h) => heads.push({ ...h }));
    const want = given.flatMap((p) =>
      p.messages.map((m) => {
        const h = { proto: 0, cmd: 0, isResponse: false, flags: 0, status: 0, id: 0 } as MsgHead;
        messageHead(m, h);
        return h;
      }),
    );
    assert.deepEqual(heads, want);
    const h = { proto: 0, cmd: 0, isResponse: false, flags: 0, status: 0, id: 0 } as MsgHead;
    for (let i = 0; i < given.length; i += 7) {
      const ms = given[i]!.messages;
      assert.equal(store.msgStart(i + 1) - store.msgStart(i), ms.length);
      ms.forEach((m, j) => {
        const k = store.msgStart(i) + j;
        store.msgHead(k, h);
        assert.deepEqual(
          [h.proto, h.cmd, h.isResponse, h.flags, h.status],
          [m.proto, m.cmd, m.isResponse, m.flags, m.status],
        );
        assert.equal(h.id >= 0 ? String(h.id) : store.msgIdText(k), m.msgId, `msgId of ${i}`);
        assert.equal(store.msgIdText(k), m.msgId);
        assert.deepEqual(
          [EXTRA_ASYNC_ID, EXTRA_FILE_ID, EXTRA_PATH, EXTRA_DETAIL].map((f) => store.msgExtra(k, f)),
          [m.asyncId, m.fileId, m.path, m.detail],
          `extras of ${i}`,
        );
      });
    }
  }
  const h = { proto: 0, cmd: 0, isResponse: false, flags: 0, status: 0, id: 0 } as MsgHead;
  messageHead(msg({ msgId: "18446744073709551615" }), h);
  assert.equal(h.id, -1, "an id above 2^53 has only its text");
});

test("PacketStore: batches share the index's memory, and an Info amended after a batch follows in the next", () => {
  const s = new PacketStore();
  const t = new PacketStore();
  for (let i = 0; i < 100; i++) s.push(pkt(i + 1, [msg({ summary: `Echo Request ${i}` })]));
  const batch = s.exportRange(0, 100);
  // Columns and texts travel as shared memory (what a worker posts), not as a copy of the packets.
  assert.ok(batch.memory.flat().every((m) => m instanceof SharedArrayBuffer));
  assert.ok(structuredClone(batch).memory[0]![0] instanceof SharedArrayBuffer);
  t.importRange(structuredClone(batch));
  s.setSummary(7, "Echo Request 7 (amended)");
  s.push(pkt(101, [msg({ summary: "Echo Request 100" })]));
  s.setSummary(100, "Echo Request 100 (amended)");
  assert.equal(t.at(7)!.summary, "Echo Request 7", "not before the next batch");
  t.importRange(structuredClone(s.exportRange(100, 101)));
  assert.equal(t.at(7)!.summary, "Echo Request 7 (amended)");
  assert.equal(t.row(7).summary, "Echo Request 7 (amended)");
  assert.equal(s.at(7)!.summary, "Echo Request 7 (amended)");
  assert.equal(t.at(100)!.summary, "Echo Request 100 (amended)");
  assert.equal(t.at(7)!.messages[0]!.summary, "Echo Request 7");
  // A late consumer's catch-up carries the amended Info too.
  const late = new PacketStore();
  late.importRange(s.exportRange(0, 101, { catchUp: true }));
  assert.equal(late.length, 101);
  assert.equal(late.row(7).summary, "Echo Request 7 (amended)");
});

test("PacketStore: more distinct summary templates than 16-bit ids are stored as text", () => {
  const s = new PacketStore();
  const given: PacketInfo[] = [];
  for (let i = 0; i < 70_000; i++) {
    const path = `d\\f${i % 10}`;
    const p = pkt(i + 1, [msg({ path, summary: `Read Request Off:${i} File: ${path}` })]);
    given.push(p);
    s.push(p);
  }
  const t = new PacketStore();
  t.importRange(s.exportRange(0, 30_000));
  t.importRange(s.exportRange(30_000, given.length));
  for (const i of [0, 1, 65_000, 65_535, 65_536, 69_999]) {
    assert.deepEqual(s.at(i), given[i], `packet ${i}`);
    assert.deepEqual(t.at(i), given[i], `imported packet ${i}`);
    assert.equal(s.row(i).summary, given[i]!.summary);
  }
});

test("PacketStore: a consumer that joins late catches up, then follows the same batches", () => {
  const s = new PacketStore();
  const early = new PacketStore();
  const late = new PacketStore();
  const p = (i: number) =>
    pkt(
      i + 1,
      [
        msg({
          sesId: `${i % 7}`.padStart(16, "0"),
          path: `f${i % 3}`,
          summary: `Create Request File: f${i % 3}`,
        }),
      ],
      {
        src: `10.0.0.${i % 5}`,
      },
    );
  for (let i = 0; i < 10; i++) s.push(p(i));
  early.importRange(s.exportRange(0, 10));
  // New strings arrive before the late consumer joins: its catch-up must not carry them, the next
  // batch does.
  for (let i = 10; i < 20; i++) s.push(p(i + 100));
  late.importRange(s.exportRange(0, 10, { catchUp: true }));
  const next = s.exportRange(10, 20);
  early.importRange(next);
  late.importRange(next);
  for (const t of [early, late]) {
    assert.equal(t.length, 20);
    for (let i = 0; i < 20; i++) assert.deepEqual(t.at(i), s.at(i), `packet ${i}`);
  }
});
