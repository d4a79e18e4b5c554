/**
 * The web server indexes each capture once, off the HTTP thread: one load worker per capture and
 * state (WorkerTrace), whose index the HTTP thread and the compute worker get as copies; the
 * compute worker cannot open a capture at all; GET / and a loaded side answer while the other
 * side is still loading; replaced load workers end.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { test } from "node:test";
import * as esbuild from "esbuild";
import { openTrace } from "../../src/trace/index.js";
import { startServer, type WebServer } from "../../src/web/server.js";
import { Session } from "../../src/web/session.js";
import { WorkerTrace } from "../../src/worker/trace.js";

const root = path.resolve(import.meta.dirname, "../..");
const ex = (f: string) => path.join(root, "examples", f);
const HTML = '<!doctype html><meta name="smbcmp-mode" content="static"><title>t</title>';

function request(
  srv: WebServer,
  method: string,
  pathname: string,
  body?: Buffer | string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: "127.0.0.1",
        port: srv.port,
        path: pathname,
        method,
        headers: { "x-smbcmp-token": srv.token },
      },
      (res) => {
        let b = "";
        res.on("data", (d) => (b += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: b }));
      },
    );
    r.on("error", reject);
    r.end(body);
  });
}

const call = (srv: WebServer, m: string, p: object = {}) =>
  request(srv, "POST", `/api/call/${m}`, JSON.stringify(p));
const json = async <T>(r: Promise<{ status: number; body: string }>): Promise<T> => {
  const x = await r;
  assert.equal(x.status, 200, x.body);
  return JSON.parse(x.body) as T;
};

/** Waits (bounded) until the exit events of terminated load workers have arrived. */
async function liveWorkers(want: number): Promise<number> {
  const until = Date.now() + 30_000;
  while (WorkerTrace.live !== want && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return WorkerTrace.live;
}

test("the compute worker cannot open a capture: no reader, openTrace or tshark engine in its module graph", async () => {
  const r = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/web/compute-worker.ts"],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
  });
  const inputs = Object.keys(r.metafile.inputs);
  assert.ok(inputs.includes("src/web/session.ts"), inputs.join(" "));
  const openers = inputs.filter((f) => /^src\/(trace\/index|capture\/|engine\/|worker\/load-worker)/.test(f));
  assert.deepEqual(openers, []);
});

test("each capture is indexed once per state, and replaced load workers end", {
  timeout: 120_000,
}, async () => {
  const before = WorkerTrace.live;
  const srv = await startServer({ html: HTML });
  try {
    await srv.open("a", ex("good.pcap"));
    await srv.open("b", ex("bad.pcap"));
    assert.equal(srv.loads(), 2);
    // Everything the UI does with a pair: the HTTP thread's calls and the compute worker's.
    const rows = await json<{ total: number }>(call(srv, "rows", { limit: 5 }));
    await json(call(srv, "packets", { side: "a", limit: 50 }));
    await json(call(srv, "tree", { side: "b", no: 8 }));
    await json(call(srv, "pair", { row: 1 }));
    const f = await json<{ total: number }>(
      call(srv, "packets", { side: "a", limit: 500, filter: "smb2.cmd == 5" }),
    );
    const stats = await json<{ total: number }>(call(srv, "stats", { side: "b" }));
    const report = await json<{ html: string }>(call(srv, "report"));
    assert.equal(srv.loads(), 2, "no capture indexed twice");
    assert.equal(srv.compute!.started, 1);
    // The copies give what an index of its own gives.
    const local = new Session();
    local.set("a", await openTrace(ex("good.pcap")), "good.pcap");
    local.set("b", await openTrace(ex("bad.pcap")), "bad.pcap");
    assert.equal(rows.total, local.rows(0, 5).total);
    assert.equal(f.total, local.packets("a", 0, 500, "smb2.cmd == 5").total);
    assert.deepEqual(stats, local.stats("b"));
    assert.equal(report.html, local.report());
    local.close();
    // Swap: no new index. Keys: both reopened, once each.
    await json(call(srv, "swap"));
    assert.equal(srv.loads(), 2);
    const k = await request(srv, "POST", "/api/keys", fs.readFileSync(ex("encrypted.keys")));
    assert.equal(k.status, 200, k.body);
    assert.equal(srv.loads(), 4);
    await json(call(srv, "rows", { limit: 1 }));
    assert.equal(srv.loads(), 4);
    // Opening captures again and again leaves two load workers (about 400 MB each on big captures).
    for (let i = 0; i < 3; i++) await srv.open("a", ex("good.pcap"));
    await srv.ready();
    assert.equal(srv.loads(), 7);
    assert.equal(await liveWorkers(before + 2), before + 2);
  } finally {
    await srv.close();
  }
  assert.equal(await liveWorkers(before), before, "closing the server ends its load workers");
});

test("GET / and the loaded side answer while the other capture loads; calls on it wait", {
  timeout: 120_000,
}, async () => {
  // The gate holds bad.pcap's load worker before its last report: "loading" for as long as needed.
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const srv = await startServer({ html: HTML, loadGate: { file: ex("bad.pcap"), gate } });
  try {
    await srv.open("b", ex("good.pcap"));
    await srv.ready();
    await srv.open("a", ex("bad.pcap"));
    // A state change meanwhile (later it would supersede the rows call: 409).
    await json(call(srv, "rules", { toggle: "smb2.credits.granted" }));
    let answered = 0;
    const waiting = [
      call(srv, "packets", { side: "a", limit: 500 }),
      call(srv, "rows", { limit: 500 }),
      call(srv, "info", { diff: false }),
    ].map((p) => p.finally(() => answered++));
    const page = await request(srv, "GET", "/");
    assert.equal(page.status, 200);
    const b = await json<{ total: number }>(call(srv, "packets", { side: "b", limit: 5 }));
    assert.equal(b.total, 176);
    await json(call(srv, "tree", { side: "b", no: 8 }));
    assert.equal(answered, 0, "calls on the loading capture wait for it");
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const [pk, rows, info] = await Promise.all(waiting);
    const local = new Session();
    local.set("a", await openTrace(ex("bad.pcap")), "bad.pcap");
    local.set("b", await openTrace(ex("good.pcap")), "good.pcap");
    local.setRules(undefined, "smb2.credits.granted");
    assert.equal(pk!.status, 200, pk!.body);
    assert.deepEqual(JSON.parse(pk!.body), JSON.parse(JSON.stringify(local.packets("a", 0, 500))));
    assert.equal(rows!.status, 200, rows!.body);
    assert.deepEqual(JSON.parse(rows!.body), JSON.parse(JSON.stringify(local.rows(0, 500))));
    assert.equal((JSON.parse(info!.body) as { a: { count: number } }).a.count, local.info(false).a!.count);
    local.close();
  } finally {
    Atomics.store(gate, 0, 1);
    await srv.close();
  }
});

test("an open error reaches the caller; the side keeps its capture", async () => {
  const srv = await startServer({ html: HTML });
  try {
    await srv.open("a", ex("good.pcap"));
    await assert.rejects(srv.open("a", path.join(root, "nonexistent.pcap")), /nonexistent/);
    const up = await request(srv, "POST", "/api/upload?side=a&name=x.pcap", Buffer.from("not a capture"));
    assert.equal(up.status, 400, up.body);
    assert.match(up.body, /error/);
    const info = await json<{ a: { name: string; count: number } }>(call(srv, "info", { diff: false }));
    assert.deepEqual([info.a.name, info.a.count], ["good.pcap", 176]);
  } finally {
    await srv.close();
  }
});

test("without the compute worker (worker: false) the HTTP thread computes over the load workers' copies", async () => {
  const srv = await startServer({ html: HTML, worker: false });
  try {
    await srv.open("a", ex("good.pcap"));
    await srv.open("b", ex("bad.pcap"));
    const rows = await json<{ total: number }>(call(srv, "rows", { limit: 5 }));
    const f = await json<{ total: number }>(
      call(srv, "packets", { side: "b", limit: 5, filter: "smb2.credits.granted > 1" }),
    );
    await json(call(srv, "tree", { side: "a", no: 8 }));
    const local = new Session();
    local.set("a", await openTrace(ex("good.pcap")), "good.pcap");
    local.set("b", await openTrace(ex("bad.pcap")), "bad.pcap");
    assert.equal(rows.total, local.rows(0, 5).total);
    assert.equal(f.total, local.packets("b", 0, 5, "smb2.credits.granted > 1").total);
    assert.ok(f.total > 0);
    assert.equal(srv.loads(), 2);
    local.close();
  } finally {
    await srv.close();
  }
});
