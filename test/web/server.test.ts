/**
 * `smbcmp web`'s HTTP server without a browser (issue #12): the token on every route, loopback by
 * default (and the --host warning), no path traversal through any route, request size limits, and
 * the compute worker (slow calls off the HTTP thread, cancelled when superseded).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { openTrace } from "../../src/trace/index.js";
import { isLoopback, startServer, type WebServer } from "../../src/web/server.js";
import { Session } from "../../src/web/session.js";
import { smbcmpBin } from "../cli/bin.js";

const root = path.resolve(import.meta.dirname, "../..");
const ex = (f: string) => path.join(root, "examples", f);
// A stand-in page: these tests are about the server, not the UI bundle.
const HTML = '<!doctype html><meta name="smbcmp-mode" content="static"><title>t</title>';

/** Every API method of Session.call, plus the two non-call routes. */
const METHODS = [
  "info",
  "packets",
  "find",
  "search",
  "tree",
  "rows",
  "searchRows",
  "pair",
  "packetPair",
  "rules",
  "profile",
  "stats",
  "swap",
  "report",
];

/** Sends bytes as they are (no URL normalisation) and returns the whole response text. */
function raw(port: number, text: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    const got: Buffer[] = [];
    s.on("data", (d) => got.push(d));
    s.on("end", () => resolve(Buffer.concat(got).toString("latin1")));
    s.on("error", (e) => (got.length ? resolve(Buffer.concat(got).toString("latin1")) : reject(e)));
    s.end(text);
  });
}

const statusOf = (resp: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(resp)?.[1] ?? 0);

/** A POST whose body is written in chunks (no Content-Length unless given), response status. */
function post(
  port: number,
  pathname: string,
  headers: Record<string, string>,
  chunks: Buffer[],
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: "127.0.0.1", port, path: pathname, method: "POST", headers }, (res) => {
      let b = "";
      res.on("data", (d) => (b += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    r.on("error", reject);
    const write = (i: number) => {
      if (i === chunks.length) return r.end();
      r.write(chunks[i], () => setImmediate(() => write(i + 1)));
    };
    write(0);
  });
}

describe("token", () => {
  let srv: WebServer;
  before(async () => {
    srv = await startServer({ html: HTML });
    await srv.open("a", ex("good.pcap"));
    await srv.open("b", ex("bad.pcap"));
  });
  after(() => srv.close());

  test("every route refuses requests without the token, or with a wrong one", async () => {
    const base = `http://127.0.0.1:${srv.port}`;
    const wrong = srv.token.slice(0, -1) + (srv.token.endsWith("A") ? "B" : "A");
    const routes = [
      ...["/", "/index.html", "/favicon.ico", "/nope", "/api/", "/api/upload?side=a", "/api/keys"].map(
        (p) => ["GET", p],
      ),
      ...METHODS.map((m) => ["POST", `/api/call/${m}`]),
      ["POST", "/api/call/unknown"],
      ["POST", "/api/upload?side=a&name=x.pcap"],
      ["POST", "/api/keys"],
      ["HEAD", "/"],
      ["OPTIONS", "/api/call/info"],
      ["PUT", "/index.html"],
      ["DELETE", "/api/call/info"],
    ];
    for (const [method, p] of routes) {
      const creds: [string, Record<string, string>][] = [
        ["none", {}],
        ["query", {}],
        ["cookie", { cookie: `smbcmp_token=${wrong}` }],
        ["header", { "x-smbcmp-token": wrong }],
        ["short header", { "x-smbcmp-token": "x" }],
        ["empty cookie", { cookie: "smbcmp_token=" }],
      ];
      for (const [what, headers] of creds) {
        const u = what === "query" ? `${base}${p}${p!.includes("?") ? "&" : "?"}token=${wrong}` : base + p;
        const r = await fetch(u, {
          method,
          headers,
          body: method === "POST" || method === "PUT" ? "{}" : undefined,
        });
        assert.equal(r.status, 403, `${method} ${p} (${what})`);
        assert.equal(r.headers.get("set-cookie"), null);
        const body = await r.text();
        assert.ok(!body.includes("good.pcap") && !body.includes("<!doctype"), `${method} ${p}: no content`);
      }
    }
    // Nothing was stored by the refused uploads.
    assert.equal(srv.uploadDir(), undefined);
    assert.equal(srv.session.info(false).a?.name, "good.pcap");
  });

  test("the token works in the query (then a cookie), a cookie or the header", async () => {
    const base = `http://127.0.0.1:${srv.port}`;
    const r = await fetch(srv.url);
    assert.equal(r.status, 200);
    const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0]!;
    assert.match(r.headers.get("set-cookie") ?? "", /HttpOnly; SameSite=Strict/);
    const ways: Record<string, string>[] = [{ cookie }, { "x-smbcmp-token": srv.token }];
    for (const headers of ways) {
      for (const m of METHODS.filter((x) => x !== "swap")) {
        const params = m === "packetPair" ? { a: 8, b: 8 } : m === "tree" ? { no: 8 } : {};
        const a = await fetch(`${base}/api/call/${m}`, {
          method: "POST",
          headers,
          body: JSON.stringify(params),
        });
        assert.equal(a.status, 200, `${m}: ${await a.clone().text()}`);
      }
    }
    // A token for another server is refused.
    const other = await startServer({ html: HTML });
    try {
      const x = await fetch(`${base}/?token=${other.token}`);
      assert.equal(x.status, 403);
    } finally {
      await other.close();
    }
  });
});

describe("loopback", () => {
  test("binds 127.0.0.1 by default, refuses foreign Host headers (DNS rebinding)", async () => {
    const srv = await startServer({ html: HTML });
    try {
      assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\//);
      const t = `X-Smbcmp-Token: ${srv.token}\r\nConnection: close\r\n\r\n`;
      for (const host of [`127.0.0.1:${srv.port}`, `localhost:${srv.port}`, `[::1]:${srv.port}`])
        assert.equal(statusOf(await raw(srv.port, `GET / HTTP/1.1\r\nHost: ${host}\r\n${t}`)), 200, host);
      for (const host of ["evil.example:80", `attacker.test:${srv.port}`, "127.0.0.1", ""])
        assert.equal(statusOf(await raw(srv.port, `GET / HTTP/1.1\r\nHost: ${host}\r\n${t}`)), 403, host);
    } finally {
      await srv.close();
    }
    assert.ok(isLoopback("127.0.0.1") && isLoopback("127.1.2.3") && isLoopback("::1") && isLoopback("[::1]"));
    assert.ok(
      isLoopback("localhost") && !isLoopback("0.0.0.0") && !isLoopback("::") && !isLoopback("10.0.0.1"),
    );
  });

  /** Runs `smbcmp web` until it prints a URL or exits; returns what it wrote. */
  async function runWeb(args: string[]): Promise<{ out: string; err: string; code: number | null }> {
    const child = spawn(process.execPath, [smbcmpBin({ web: true }), "web", "--no-open", ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SMBCMP_CONFIG: "/nonexistent" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (/token=/.test(out)) child.kill("SIGTERM");
    });
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    return { out, err, code };
  }

  test("smbcmp web: no warning on loopback, a warning for any other --host", {
    timeout: 60_000,
  }, async () => {
    const def = await runWeb([]);
    assert.match(def.out, /http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    assert.doesNotMatch(def.err, /warning/);
    const v6 = await runWeb(["--host", "::1"]);
    assert.match(v6.out, /http:\/\/\[::1\]:\d+\/\?token=/);
    assert.doesNotMatch(v6.err, /warning/);
    // A documentation address (RFC 5737) is on no interface: the warning comes first, then the
    // bind fails, so nothing is ever exposed by this test.
    const far = await runWeb(["--host", "192.0.2.1"]);
    assert.match(far.err, /warning: listening on 192\.0\.2\.1/);
    assert.notEqual(far.code, 0);
    assert.doesNotMatch(far.out, /token=/);
  });
});

describe("path traversal", () => {
  let srv: WebServer;
  let outside = "";
  before(async () => {
    srv = await startServer({ html: HTML, maxUpload: 1024 * 1024 });
    outside = fs.mkdtempSync(path.join(os.tmpdir(), "smbcmp-outside-"));
    fs.writeFileSync(path.join(outside, "secret.txt"), "TOP-SECRET");
  });
  after(async () => {
    await srv.close();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test("the page route: encoded ../, backslashes, absolute paths and absolute-form URLs", async () => {
    const secret = path.join(outside, "secret.txt");
    const targets = [
      "/../../../../etc/passwd",
      "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
      "/..%2f..%2f..%2fetc%2fpasswd",
      "/%252e%252e/%252e%252e/etc/passwd",
      "/..%5c..%5c..%5cetc%5cpasswd",
      "/..\\..\\..\\etc\\passwd",
      "/index.html/../../package.json",
      "/./index.html/../../../etc/passwd",
      "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
      "/index.html%00.png",
      "//etc/passwd",
      "/etc/passwd",
      secret,
      `/${"../".repeat(20)}${secret.slice(1)}`,
      "/package.json",
      "/src/web/server.ts",
      "/dist/web/index.html",
      "/api/../../../etc/passwd",
      `http://127.0.0.1:${srv.port}/../../etc/passwd`,
      `file://${secret}`,
    ];
    for (const t of targets) {
      for (const method of ["GET", "HEAD"]) {
        const resp = await raw(
          srv.port,
          `${method} ${t} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nX-Smbcmp-Token: ${srv.token}\r\nConnection: close\r\n\r\n`,
        );
        const st = statusOf(resp);
        assert.ok(st === 404 || st === 400, `${method} ${t}: ${st}`);
        assert.ok(!/root:|TOP-SECRET|devDependencies|startServer/.test(resp), `${method} ${t} leaked`);
      }
    }
  });

  test("the API opens no path from a request", async () => {
    const h = { "x-smbcmp-token": srv.token };
    const secret = path.join(outside, "secret.txt");
    for (const [m, body] of [
      ["open", { path: "/etc/passwd" }],
      ["tree", { side: "../../etc/passwd", no: 1 }],
      ["packets", { side: secret }],
      ["report", { file: secret }],
      ["profile", { name: "../../../tmp/evil" }],
    ] as const) {
      const r = await post(srv.port, `/api/call/${m}`, h, [Buffer.from(JSON.stringify(body))]);
      assert.ok(!/root:|TOP-SECRET/.test(r.body), m);
    }
    for (const p of [
      "/api/call/../../etc/passwd",
      "/api/call/%2e%2e%2fetc%2fpasswd",
      "/api/upload/../keys",
    ]) {
      const r = await post(srv.port, p, h, [Buffer.from("{}")]);
      assert.equal(r.status, 400, p);
    }
  });

  test("uploads: the name is only a label, the file stays in the private dir, symlinks are not followed", async () => {
    const h = { "x-smbcmp-token": srv.token, "content-type": "application/octet-stream" };
    const data = fs.readFileSync(ex("good.pcap"));
    const evil = encodeURIComponent(`../../../../${outside.slice(1)}/pwned.pcap`);
    const r = await post(srv.port, `/api/upload?side=a&name=${evil}`, h, [data]);
    assert.equal(r.status, 200, r.body);
    const dir = srv.uploadDir()!;
    assert.ok(dir && fs.statSync(dir).isDirectory());
    assert.equal(fs.statSync(dir).mode & 0o077, 0, "upload dir is private");
    assert.deepEqual(fs.readdirSync(dir), ["1.cap"]);
    assert.deepEqual(fs.readdirSync(outside), ["secret.txt"]);
    const name = (JSON.parse(r.body) as { a: { name: string } }).a.name;
    assert.ok(!name.includes("/") && !name.includes("..".concat("/")), name);
    // A symlink planted where the next upload goes must not be followed (O_EXCL).
    const secret = path.join(outside, "secret.txt");
    fs.symlinkSync(secret, path.join(dir, "2.cap"));
    const s = await post(srv.port, "/api/upload?side=b&name=b.pcap", h, [data]);
    assert.equal(s.status, 500, s.body);
    assert.equal(fs.readFileSync(secret, "utf8"), "TOP-SECRET");
    // The server is still fine, and the next upload gets a fresh name.
    const t = await post(srv.port, "/api/upload?side=b&name=b.pcap", h, [data]);
    assert.equal(t.status, 200, t.body);
  });
});

describe("request size limits", () => {
  let srv: WebServer;
  before(async () => {
    srv = await startServer({ html: HTML, maxBody: 64 * 1024, maxUpload: 256 * 1024 });
    await srv.open("a", ex("good.pcap"));
  });
  after(() => srv.close());

  test("413 for oversized JSON, keys and uploads, with or without Content-Length", async () => {
    const h = { "x-smbcmp-token": srv.token };
    const big = Buffer.alloc(200 * 1024, 0x20);
    for (const p of ["/api/call/info", "/api/keys"]) {
      // Declared too big: refused before reading.
      const a = await post(srv.port, p, { ...h, "content-length": String(big.length) }, [big]);
      assert.equal(a.status, 413, `${p} with Content-Length`);
      // Chunked, no length: refused once the limit is crossed.
      const chunks = Array.from({ length: 20 }, () => Buffer.alloc(10 * 1024, 0x20));
      const b = await post(srv.port, p, h, chunks);
      assert.equal(b.status, 413, `${p} chunked`);
    }
    const up = Array.from({ length: 40 }, () => Buffer.alloc(10 * 1024));
    const u1 = await post(srv.port, "/api/upload?side=b&name=x.pcap", h, up);
    assert.equal(u1.status, 413);
    const u2 = await post(
      srv.port,
      "/api/upload?side=b&name=x.pcap",
      { ...h, "content-length": String(400 * 1024) },
      up,
    );
    assert.equal(u2.status, 413);
    // The partial upload was removed; B was never opened.
    const dir = srv.uploadDir();
    if (dir) assert.deepEqual(fs.readdirSync(dir), []);
    assert.equal(srv.session.info(false).b, undefined);
    // Oversized headers: node's own limit (431).
    const hdr = await raw(
      srv.port,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nX-Pad: ${"x".repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(statusOf(hdr), 431);
    // Under the limits everything still works.
    const ok = await post(srv.port, "/api/call/packets", h, [Buffer.from('{"limit":3}')]);
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body) as { rows: unknown[] }).rows.length, 3);
  });

  test("bad JSON is a 400, not a crash", async () => {
    const h = { "x-smbcmp-token": srv.token };
    for (const body of ["{", "null", "[1,2]", '"x"', "7", "\u0000\u0001"]) {
      const r = await post(srv.port, "/api/call/packets", h, [Buffer.from(body)]);
      assert.equal(r.status, 400, body);
    }
    const r = await post(srv.port, "/api/call/packets", h, [Buffer.from('{"offset":"nan"}')]);
    assert.equal(r.status, 400);
  });
});

describe("compute worker", () => {
  test("alignment and stats run in the worker; the HTTP thread answers meanwhile", async () => {
    const srv = await startServer({ html: HTML });
    try {
      await srv.open("a", ex("good.pcap"));
      await srv.open("b", ex("bad.pcap"));
      const h = { "x-smbcmp-token": srv.token };
      const call = (m: string, p: object = {}) =>
        post(srv.port, `/api/call/${m}`, h, [Buffer.from(JSON.stringify(p))]);
      const [rows, pkts] = await Promise.all([call("rows", { limit: 5 }), call("packets", { limit: 5 })]);
      await srv.ready();
      assert.equal(rows.status, 200);
      assert.equal(pkts.status, 200);
      const r = JSON.parse(rows.body) as { total: number; divergences: number[] };
      // The same alignment as the Session computes inline.
      const inline = srv.session.rows(0, 5);
      assert.equal(r.total, inline.total);
      assert.deepEqual(r.divergences, inline.divergences);
      assert.equal(srv.compute!.started, 1);
      const stats = JSON.parse((await call("stats", { side: "b" })).body) as { total: number };
      assert.equal(stats.total, 136);
      const info = JSON.parse((await call("info")).body) as { diff: { firstDivergence: number } };
      assert.equal(info.diff.firstDivergence, srv.session.info().diff!.firstDivergence);
      // Swap and rules reach the worker.
      await call("swap");
      const sw = JSON.parse((await call("stats", { side: "a" })).body) as { total: number };
      assert.equal(sw.total, 136);
      const tog = JSON.parse((await call("rules", { toggle: "smb2.msg_id" })).body) as { rules: string[] };
      const winfo = JSON.parse((await call("info")).body) as { rules: string[] };
      assert.deepEqual(winfo.rules, tog.rules);
      assert.equal(srv.compute!.started, 1, "idle worker updated in place");
    } finally {
      await srv.close();
    }
  });

  test("stats in the worker count the RPC calls the capture's load worker matched", async () => {
    const srv = await startServer({ html: HTML });
    try {
      await srv.open("a", path.join(root, "test/fixtures/smb2/dcerpc-fault.pcap"));
      const h = { "x-smbcmp-token": srv.token };
      const r = await post(srv.port, "/api/call/stats", h, [Buffer.from(JSON.stringify({ side: "a" }))]);
      assert.equal(r.status, 200, r.body);
      const stats = JSON.parse(r.body) as { rpc: [string, number][] };
      assert.deepEqual(
        stats.rpc.sort((x, y) => x[0].localeCompare(y[0])),
        [
          ["SRVSVC.200 (1 fault)", 1],
          ["SRVSVC.NetShareEnumAll", 1],
          ["SRVSVC.NetShareGetInfo", 1],
        ],
      );
    } finally {
      await srv.close();
    }
  });

  test("keys reach the worker: pasted keys decrypt there too", async () => {
    const srv = await startServer({ html: HTML });
    try {
      await srv.open("a", ex("encrypted.pcap"));
      await srv.open("b", ex("encrypted.pcap"));
      const h = { "x-smbcmp-token": srv.token };
      const call = async (m: string, p: object = {}) =>
        JSON.parse((await post(srv.port, `/api/call/${m}`, h, [Buffer.from(JSON.stringify(p))])).body) as {
          commands: [string, number][];
        };
      const cmds = async () => (await call("stats", { side: "b" })).commands.map((c) => c[0]);
      assert.ok(!(await cmds()).includes("Create"), "encrypted: no Create seen");
      const k = await post(srv.port, "/api/keys", h, [fs.readFileSync(ex("encrypted.keys"))]);
      assert.equal(k.status, 200, k.body);
      // The worker reopened both captures with the keys (Buffers survive the thread boundary).
      assert.ok((await cmds()).includes("Create"), JSON.stringify(await cmds()));
      assert.deepEqual(await call("stats", { side: "b" }), srv.session.stats("b"));
    } finally {
      await srv.close();
    }
  });

  test("a new display filter runs in the compute worker while the HTTP thread answers trees", async () => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const srv = await startServer({ html: HTML, computeGate: gate });
    try {
      await srv.open("a", ex("good.pcap"));
      const h = { "x-smbcmp-token": srv.token };
      const call = (m: string, p: object = {}) =>
        post(srv.port, `/api/call/${m}`, h, [Buffer.from(JSON.stringify(p))]);
      const filtered = call("packets", { side: "a", limit: 500, filter: "smb2.cmd == 5" });
      const until = Date.now() + 30_000;
      while (srv.compute!.owed === 0) {
        assert.ok(Date.now() < until, "the filter never reached the compute worker");
        await new Promise((r) => setImmediate(r));
      }
      // The filter is held in the worker by the gate; a tree is still served.
      await srv.ready();
      const no = srv.session.packets("a", 0, 1).rows[0]![0];
      const tree = await call("tree", { side: "a", no });
      assert.equal(tree.status, 200, tree.body);
      assert.equal(srv.compute!.owed, 1);
      Atomics.store(gate, 0, 1);
      const r = await filtered;
      assert.equal(r.status, 200, r.body);
      const body = JSON.parse(r.body) as { total: number; rows: unknown[][]; filterNote?: string };
      assert.equal(body.filterNote, "display filter");
      assert.ok(body.total > 0 && body.rows.every((row) => String(row[4]).startsWith("Create")));
      // The index the worker made is the one the HTTP thread would make.
      const local = new Session();
      local.set("a", await openTrace(ex("good.pcap")), "good.pcap");
      assert.deepEqual(body.rows, local.packets("a", 0, 500, "smb2.cmd == 5").rows);
      // Same filter again: answered from the installed index, without the worker.
      const calls = srv.compute!.calls;
      assert.equal(
        (await call("packets", { side: "a", offset: 1, limit: 1, filter: "smb2.cmd == 5" })).status,
        200,
      );
      assert.equal(srv.compute!.calls, calls);
    } finally {
      await srv.close();
    }
  });

  test("a state change cancels the computation in progress (409), the next call gets the new state", async () => {
    // The gate holds every call in the worker until opened: the rows call is surely in progress.
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const srv = await startServer({ html: HTML, computeGate: gate });
    try {
      await srv.open("a", ex("good.pcap"));
      await srv.open("b", ex("bad.pcap"));
      const h = { "x-smbcmp-token": srv.token };
      const call = (m: string, p: object = {}) =>
        post(srv.port, `/api/call/${m}`, h, [Buffer.from(JSON.stringify(p))]);
      const first = call("rows", { limit: 1 });
      while (srv.compute!.owed === 0) await new Promise((r) => setImmediate(r));
      const started = srv.compute!.started;
      const tog = await call("rules", { toggle: "smb2.msg_id" });
      assert.equal(tog.status, 200);
      const f = await first;
      assert.equal(f.status, 409, f.body);
      assert.match(f.body, /superseded/);
      assert.equal(srv.compute!.cancelled, 1);
      // A new worker was started on the new state; let it compute.
      assert.equal(srv.compute!.started, started + 1);
      Atomics.store(gate, 0, 1);
      const again = await call("info");
      assert.equal(again.status, 200);
      assert.ok((JSON.parse(again.body) as { rules: string[] }).rules.includes("smb2.msg_id"));
    } finally {
      await srv.close();
    }
  });
});

describe("engine choice", () => {
  test("tshark is offered when it runs; switching reopens both captures (HTTP thread and worker)", {
    timeout: 120_000,
  }, async () => {
    const srv = await startServer({ html: HTML });
    try {
      await srv.open("a", ex("good.pcap"));
      await srv.open("b", ex("bad.pcap"));
      const h = { "x-smbcmp-token": srv.token };
      const call = async (m: string, p: object = {}) => {
        const r = await post(srv.port, `/api/call/${m}`, h, [Buffer.from(JSON.stringify(p))]);
        return { status: r.status, json: JSON.parse(r.body) as Record<string, unknown> };
      };
      assert.deepEqual((await call("engines")).json, { engine: "native", engines: ["native", "tshark"] });
      const native = (await call("rows", { limit: 1 })).json as { total: number };
      assert.equal((await call("engine", { engine: "nope" })).status, 400);
      const sw = await call("engine", { engine: "tshark" });
      assert.equal(sw.status, 200, JSON.stringify(sw.json));
      assert.equal((await call("engines")).json.engine, "tshark");
      // tshark's trees: field names from Wireshark itself, same packets.
      const pk = (await call("packets", { limit: 500 })).json as { total: number; rows: [number][] };
      assert.equal(pk.total, 176);
      const tree = JSON.stringify((await call("tree", { no: pk.rows[5]![0] })).json);
      assert.match(tree, /"smb2\.cmd"/);
      const rows = (await call("rows", { limit: 1 })).json as { total: number };
      assert.ok(rows.total > 0 && Math.abs(rows.total - native.total) <= native.total / 10, `${rows.total}`);
      assert.equal((await call("engine", { engine: "native" })).status, 200);
      assert.equal(((await call("rows", { limit: 1 })).json as { total: number }).total, native.total);
    } finally {
      await srv.close();
    }
    // Without a working tshark only the native engine is offered, and asking for tshark is a 400.
    const none = await startServer({ html: HTML, tshark: "/nonexistent/tshark" });
    try {
      const h = { "x-smbcmp-token": none.token };
      const e = await post(none.port, "/api/call/engines", h, [Buffer.from("{}")]);
      assert.deepEqual(JSON.parse(e.body), { engine: "native", engines: ["native"] });
      const s = await post(none.port, "/api/call/engine", h, [Buffer.from('{"engine":"tshark"}')]);
      assert.equal(s.status, 400);
    } finally {
      await none.close();
    }
  });
});
