/**
 * The web UI in real headless Chromium (system /usr/bin/chromium, driven by playwright-core): the
 * static build with dropped files, and `smbcmp web`'s server (token, a big capture; the server
 * without a browser is test/web/server.test.ts). Screenshots go to test-artifacts/web/.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { startServer, type WebServer } from "../../src/web/server.js";
import { buildWeb } from "../../tools/build-web.js";
import { smbcmpBin } from "../cli/bin.js";
import {
  decryptDropped,
  diffNavigation,
  dropFiles,
  ex,
  ignoreToggle,
  loadAndSelect,
  nestedPlaintexts,
  pasteKeys,
  persistAndStats,
  playwrightDriver,
  reassembledSmb1,
  root,
  rpcStats,
  serverDeepLink,
  shots,
  staticPair,
} from "./scenarios.js";

const CHROMIUM = "/usr/bin/chromium";

let html = "";
let htmlFile = "";
let ctx: BrowserContext;
let profile = "";

async function newPage(): Promise<Page> {
  const p = await ctx.newPage();
  p.setDefaultTimeout(20_000);
  p.on("pageerror", (e) => console.error("pageerror:", e.message));
  return p;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `chromium-${name}.png`) });
}

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  html = await buildWeb();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smbcmp-webtest-"));
  htmlFile = path.join(dir, "index.html");
  fs.writeFileSync(htmlFile, html);
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "smbcmp-chromium-"));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 800 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await ctx?.close();
  fs.rmSync(path.dirname(htmlFile), { recursive: true, force: true });
  fs.rmSync(profile, { recursive: true, force: true });
});

describe("static build", () => {
  test("loads, drop one capture, select a packet, tree and hex", async () => {
    const page = await newPage();
    await loadAndSelect(playwrightDriver(page), `file://${htmlFile}`);
    await page.close();
  });

  test("drop a gzip capture with its key file: decrypted in the page", async () => {
    const page = await newPage();
    const gz = path.join(path.dirname(htmlFile), "encrypted.pcap.gz");
    await decryptDropped(playwrightDriver(page), `file://${htmlFile}`, gz);
    await page.close();
  });

  test("nested compression and a 16 MB bomb: each field marked in its own plaintext, windowed", async () => {
    const page = await newPage();
    await nestedPlaintexts(playwrightDriver(page), `file://${htmlFile}`);
    await page.close();
  });

  test("an SMB1 reply in several messages: joined in its first piece, marked in the Reassembled SMB bytes", async () => {
    const page = await newPage();
    await reassembledSmb1(playwrightDriver(page), `file://${htmlFile}`);
    await page.close();
  });

  test("stats of a capture with RPC on a named pipe: calls by operation, the fault named", async () => {
    const page = await newPage();
    await rpcStats(playwrightDriver(page), `file://${htmlFile}`);
    await page.close();
  });

  test("paste keys after opening an encrypted capture: rows become decrypted", async () => {
    const page = await newPage();
    await pasteKeys(playwrightDriver(page), `file://${htmlFile}`);
    await page.close();
  });

  test("drop two captures: diff, divergence navigation, ignore toggle persists and exports", async () => {
    const page = await newPage();
    const d = playwrightDriver(page);
    await diffNavigation(d, staticPair(d, `file://${htmlFile}`));
    const name = await ignoreToggle(d);
    const dl = page.waitForEvent("download");
    await page.click("#profile");
    const file = await (await dl).path();
    const ini = fs.readFileSync(file!, "utf8");
    assert.match(ini, /^\[profile web\]\nignore = /);
    assert.ok(ini.includes(name));
    await persistAndStats(d, `file://${htmlFile}`, name);
    await page.close();
  });
});

describe("server", () => {
  let srv: WebServer;
  let base = "";
  before(async () => {
    srv = await startServer({ html, maxBody: 64 * 1024, maxUpload: 256 * 1024 });
    await srv.open("a", ex("good.pcap"));
    await srv.open("b", ex("bad.pcap"));
    base = `http://127.0.0.1:${srv.port}`;
  });
  after(async () => srv?.close());

  test("token: 403 without, page and API with it, cookie afterwards", async () => {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    for (const u of ["/", "/index.html", "/?token=wrong"])
      assert.equal((await fetch(base + u)).status, 403, u);
    assert.equal((await fetch(`${base}/api/call/info`, { method: "POST" })).status, 403);
    const r = await fetch(srv.url);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("set-cookie") ?? "", /smbcmp_token=.*HttpOnly/);
    const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0]!;
    const api = await fetch(`${base}/api/call/info`, { method: "POST", headers: { cookie } });
    assert.equal(api.status, 200);
    const info = (await api.json()) as { a: { count: number } };
    assert.equal(info.a.count, 176);
  });

  test("UI in server mode: diff view, deep link, report export", async () => {
    const page = await newPage();
    await serverDeepLink(playwrightDriver(page), srv.url);
    await page.keyboard.press("3");
    const dl = page.waitForEvent("download");
    await page.click("#report");
    const rep = fs.readFileSync((await (await dl).path())!, "utf8");
    assert.match(rep, /<html/i);
    assert.ok(rep.includes("good.pcap"));
    await page.keyboard.press("1");
    await page.waitForSelector("#list-a .row[aria-selected=true]");
    await page.fill("#filter", "Close");
    await page.waitForFunction(() =>
      [...document.querySelectorAll("#list-a .row:not([hidden]) .sum")].every((e) =>
        e.textContent?.includes("Close"),
      ),
    );
    await page.fill("#filter", "smb2.cmd == 5 && smb2.flags.response == 1");
    await page.waitForFunction(() =>
      document.querySelector("#status")?.textContent?.includes("display filter"),
    );
    await page.waitForFunction(() => {
      const s = [...document.querySelectorAll("#list-a .row:not([hidden]) .sum")].map(
        (e) => e.textContent ?? "",
      );
      return s.length > 0 && s.every((t) => t.startsWith("Create Response"));
    });
    await shot(page, "server-filter");
    // A misspelt field matches nothing: the status names it.
    await page.fill("#filter", 'smb2.filname contains "tmp"');
    await page.waitForFunction(() =>
      document
        .querySelector("#status")
        ?.textContent?.includes("no packet has smb2.filname (did you mean smb2.filename?)"),
    );
    await page.close();
  });
  test("server mode: captures dropped on the page are uploaded, then diffed", async () => {
    const empty = await startServer({ html, maxUpload: 1024 * 1024 });
    try {
      const page = await newPage();
      const d = playwrightDriver(page);
      await diffNavigation(d, async () => {
        await d.goto(empty.url);
        await d.waitFor("body[data-ready='1']");
        await dropFiles(d, [ex("good.pcap"), ex("bad.pcap")]);
      });
      assert.deepEqual(fs.readdirSync(empty.uploadDir()!).sort(), ["1.cap", "2.cap"]);
      await page.close();
    } finally {
      await empty.close();
    }
  });

  test("engine select: switch to tshark and back", { timeout: 90_000 }, async () => {
    // One capture: no alignment to redo, only the list and trees change engine.
    const one = await startServer({ html });
    await one.open("a", ex("good.pcap"));
    const page = await newPage();
    await page.goto(one.url);
    await page.waitForSelector("body[data-ready='1']");
    await page.waitForSelector("#engine:not([hidden])");
    await page.selectOption("#engine", "tshark");
    await page.waitForFunction(
      () => !(document.querySelector("#engine") as HTMLSelectElement).disabled,
      null,
      {
        timeout: 60_000,
      },
    );
    await page.waitForSelector("#list-a .row[aria-selected=true]");
    await page.locator("#list-a .row", { hasText: "Session Setup Request" }).first().click();
    await page.waitForSelector("#view-a .tree .ti");
    await shot(page, "server-tshark");
    assert.equal(await page.locator("#engine").inputValue(), "tshark");
    await page.selectOption("#engine", "native");
    await page.waitForFunction(() => !(document.querySelector("#engine") as HTMLSelectElement).disabled);
    await page.close();
    await one.close();
  });
});

describe("smbcmp web command", () => {
  test("prints a tokenized 127.0.0.1 URL, serves, stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [smbcmpBin({ web: true }), "web", ex("good.pcap"), "--no-open"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let outText = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL: ${outText}`)), 30_000);
        child.stdout.on("data", (d: Buffer) => {
          outText += d.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(outText);
          if (m) {
            clearTimeout(timer);
            resolve(m[0]);
          }
        });
        child.on("exit", (c) => reject(new Error(`exited ${c}: ${outText}`)));
      });
      assert.equal((await fetch(url.replace(/\?token=.*/, ""))).status, 403);
      const r = await fetch(url);
      assert.equal(r.status, 200);
      assert.match(await r.text(), /content="server"/);
    } finally {
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await done;
    }
  });
});

describe("big capture", () => {
  test("fields compared in the background: a pair differing in one field late in a 20k-packet pair becomes a divergence", {
    timeout: 120_000,
  }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smbcmp-web-deep-"));
    const fa = path.join(dir, "a.pcap");
    const fb = path.join(dir, "b.pcap");
    execFileSync(process.execPath, ["--import", "tsx", path.join(root, "bench/gen.ts"), "ops", fa, "20000"], {
      cwd: root,
    });
    // B: the same run but the last CREATE asks for other access rights (0x0012019f → 0x00120089):
    // same command, name and status, so only comparing fields tells them apart.
    const b = fs.readFileSync(fa);
    const at = b.lastIndexOf(Buffer.from([0x9f, 0x01, 0x12, 0x00]));
    assert.ok(at > b.length / 2);
    b.writeUInt32LE(0x00120089, at);
    fs.writeFileSync(fb, b);
    const srv = await startServer({ html });
    try {
      await srv.open("a", fa);
      await srv.open("b", fb);
      const page = await newPage();
      await page.goto(srv.url);
      await page.waitForSelector("#list-diff .row[aria-selected=true]", { timeout: 60_000 });
      // The page asks again while the server compares; then ] reaches the CREATE.
      await page.waitForSelector("body[data-comparing='0']", { timeout: 90_000 });
      const files = (await page.locator("#files").textContent()) ?? "";
      assert.match(files, / 1 differ, 0 only in A, 0 only in B/);
      assert.doesNotMatch(files, /comparing/);
      await page.locator("#list-diff").focus();
      await page.keyboard.press("]");
      await page.waitForFunction(() =>
        document.querySelector("#list-diff .row[aria-selected=true]")?.classList.contains("differ"),
      );
      const text = await page.locator("#list-diff .row[aria-selected=true]").textContent();
      assert.match(text ?? "", /Create Request File: dir\d+\\f\d+\.txt/);
      await page.waitForFunction(() =>
        /Desired Access|Access Mask/.test(document.querySelector(".pair")?.textContent ?? ""),
      );
      await shot(page, "deep-late");
      await page.close();
    } finally {
      await srv.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  test("200k-packet capture: list stays virtual, jump to the end", { timeout: 90_000 }, async () => {
    const file = path.join(os.tmpdir(), `smbcmp-web-big-${process.pid}.pcap`);
    execFileSync(
      process.execPath,
      ["--import", "tsx", path.join(root, "bench/gen.ts"), "ops", file, "200000"],
      {
        cwd: root,
      },
    );
    const t0 = Date.now();
    const srv = await startServer({ html });
    try {
      await srv.open("a", file);
      const loadMs = Date.now() - t0;
      const page = await newPage();
      const t1 = Date.now();
      await page.goto(srv.url);
      await page.waitForSelector("#list-a .row[aria-selected=true]");
      const firstPaint = Date.now() - t1;
      const rows = await page.locator("#list-a .row").count();
      assert.ok(rows < 100, `only visible rows are in the DOM (${rows})`);
      await page.locator("#list-a").focus();
      const t2 = Date.now();
      await page.keyboard.press("End");
      await page.waitForFunction(() => {
        const r = document.querySelector("#list-a .row[aria-selected=true]");
        return (
          r &&
          r.getAttribute("aria-posinset") === r.getAttribute("aria-setsize") &&
          !r.textContent?.includes("…")
        );
      });
      const endMs = Date.now() - t2;
      await page.waitForSelector("#view-a .tree .ti");
      await shot(page, "big-end");
      console.log(`big: load ${loadMs} ms, first paint ${firstPaint} ms, jump to end ${endMs} ms`);
      await page.close();
    } finally {
      await srv.close();
      fs.rmSync(file, { force: true });
    }
  });
  test("static build: 50k-packet capture opened from the file picker, in the page", {
    timeout: 60_000,
  }, async () => {
    const file = path.join(os.tmpdir(), `smbcmp-web-50k-${process.pid}.pcap`);
    execFileSync(
      process.execPath,
      ["--import", "tsx", path.join(root, "bench/gen.ts"), "ops", file, "50000"],
      {
        cwd: root,
      },
    );
    try {
      const page = await newPage();
      await page.goto(`file://${htmlFile}`);
      await page.waitForSelector("body[data-ready='1']");
      const t0 = Date.now();
      await page.setInputFiles("#fileA", file);
      await page.waitForSelector("#list-a .row[aria-selected=true]", { timeout: 50_000 });
      const ms = Date.now() - t0;
      assert.match((await page.locator("#files").textContent()) ?? "", /\(49998 packets\)/);
      await page.locator("#list-a").focus();
      await page.keyboard.press("End");
      await page.waitForSelector("#view-a .tree .ti");
      console.log(`static 50k: opened in the page in ${ms} ms`);
      await page.close();
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
