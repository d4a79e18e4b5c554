/**
 * The web UI in real headless Firefox (Debian's /usr/bin/firefox-esr, driven by puppeteer-core over
 * WebDriver BiDi): the same scenarios as the Chromium tests (test/web/scenarios.ts) for the static
 * page and the server. Screenshots go to test-artifacts/web/firefox-*.png.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { startServer, type WebServer } from "../../src/web/server.js";
import { buildWeb } from "../../tools/build-web.js";
import {
  decryptDropped,
  diffNavigation,
  ex,
  ignoreToggle,
  loadAndSelect,
  pasteKeys,
  persistAndStats,
  puppeteerDriver,
  serverDeepLink,
  shots,
  staticPair,
} from "./scenarios.js";

const FIREFOX = "/usr/bin/firefox-esr";

let browser: Browser;
let dir = "";
let html = "";
let pageUrl = "";
const errors: string[] = [];

async function newPage(): Promise<Page> {
  const p = await browser.newPage();
  p.setDefaultTimeout(20_000);
  p.on("pageerror", (e) => errors.push((e as Error).message));
  return p;
}

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  html = await buildWeb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "smbcmp-fftest-"));
  fs.writeFileSync(path.join(dir, "index.html"), html);
  pageUrl = `file://${path.join(dir, "index.html")}`;
  browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless: true,
    defaultViewport: { width: 1400, height: 800 },
    // No updates, telemetry or remote settings: the tests must not reach any network.
    extraPrefsFirefox: {
      "app.update.enabled": false,
      "datareporting.policy.dataSubmissionEnabled": false,
      "toolkit.telemetry.enabled": false,
      "network.captive-portal-service.enabled": false,
      "browser.safebrowsing.malware.enabled": false,
      "browser.safebrowsing.phishing.enabled": false,
    },
  });
});

after(async () => {
  await browser?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("firefox: static page", () => {
  test("loads, drop one capture, select a packet, tree and hex", { timeout: 60_000 }, async () => {
    const page = await newPage();
    await loadAndSelect(puppeteerDriver(page), pageUrl);
    await page.close();
  });

  test("drop two captures: divergence navigation, ignore toggle persists, stats", {
    timeout: 60_000,
  }, async () => {
    const page = await newPage();
    const d = puppeteerDriver(page);
    await diffNavigation(d, staticPair(d, pageUrl));
    await persistAndStats(d, pageUrl, await ignoreToggle(d));
    await page.close();
  });

  test("encrypted capture decrypted with dropped, then pasted keys", { timeout: 60_000 }, async () => {
    const page = await newPage();
    const d = puppeteerDriver(page);
    await decryptDropped(d, pageUrl, path.join(dir, "encrypted.pcap.gz"));
    await pasteKeys(d, pageUrl);
    await page.close();
  });
});

describe("firefox: server", () => {
  let srv: WebServer;
  before(async () => {
    srv = await startServer({ html });
    await srv.open("a", ex("good.pcap"));
    await srv.open("b", ex("bad.pcap"));
  });
  after(() => srv?.close());

  test("token URL, deep link, divergence navigation, single view", { timeout: 60_000 }, async () => {
    const page = await newPage();
    const d = puppeteerDriver(page);
    await serverDeepLink(d, srv.url);
    await diffNavigation(d, async () => {
      await d.goto(srv.url);
      await d.waitFor("body[data-ready='1']");
    });
    await page.close();
  });
});

test("firefox: no script errors in any page", () => {
  assert.deepEqual(errors, []);
});
