/**
 * Browser scenarios shared by the Chromium (playwright-core) and Firefox (puppeteer-core, WebDriver
 * BiDi) tests: each runs against a small Driver that both libraries implement, so the same user
 * actions and checks run in both browsers.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { Page as PlaywrightPage } from "playwright-core";
import type { Page as PuppeteerPage } from "puppeteer-core";

export const root = path.resolve(import.meta.dirname, "../..");
export const ex = (f: string): string => path.join(root, "examples", f);
export const shots = path.join(root, "test-artifacts/web");

/** What a scenario may do with a page. Selectors are CSS. */
export interface Driver {
  readonly browser: "chromium" | "firefox";
  goto(url: string): Promise<void>;
  waitFor(selector: string): Promise<void>;
  /** Waits until `fn(arg)`, evaluated in the page, is truthy. */
  waitUntil<A>(fn: (arg: A) => unknown, arg: A): Promise<void>;
  evaluate<R, A>(fn: (arg: A) => R, arg: A): Promise<R>;
  click(selector: string): Promise<void>;
  press(key: string): Promise<void>;
  fill(selector: string, value: string): Promise<void>;
  shot(name: string): Promise<void>;
}

const TIMEOUT = 20_000;

export function playwrightDriver(page: PlaywrightPage): Driver {
  return {
    browser: "chromium",
    goto: async (u) => void (await page.goto(u)),
    waitFor: async (s) => void (await page.waitForSelector(s, { timeout: TIMEOUT })),
    // The drivers pass plain JSON arguments: the libraries' handle-unwrapping types do not matter.
    waitUntil: async (fn, arg) =>
      void (await page.waitForFunction(fn as (a: unknown) => unknown, arg as unknown, { timeout: TIMEOUT })),
    evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => never, arg as unknown),
    click: (s) => page.click(s),
    press: (k) => page.keyboard.press(k),
    fill: (s, v) => page.fill(s, v),
    shot: async (n) => void (await page.screenshot({ path: path.join(shots, `${n}.png`) })),
  };
}

export function puppeteerDriver(page: PuppeteerPage): Driver {
  return {
    browser: "firefox",
    goto: async (u) => void (await page.goto(u)),
    waitFor: async (s) => void (await page.waitForSelector(s, { timeout: TIMEOUT })),
    waitUntil: async (fn, arg) =>
      void (await page.waitForFunction(
        fn as (a: unknown) => unknown,
        { timeout: TIMEOUT, polling: 100 },
        arg,
      )),
    evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => never, arg as unknown),
    click: (s) => page.click(s),
    press: (k) => page.keyboard.press(k as never),
    fill: async (s, v) => {
      // Set the value as a paste would (typing a whole key file key by key is slow over BiDi).
      await page.$eval(
        s,
        (el, val) => {
          (el as HTMLTextAreaElement).value = val;
          el.dispatchEvent(new Event("input", { bubbles: true }));
        },
        v,
      );
    },
    shot: async (n) =>
      void (await page.screenshot({ path: path.join(shots, `${n}.png`) as `${string}.png` })),
  };
}

/** Drops files on the page as a user would (dragenter + drop with a DataTransfer). */
export async function dropFiles(d: Driver, files: string[]): Promise<void> {
  const payload = files.map((f) => ({ name: path.basename(f), b64: fs.readFileSync(f).toString("base64") }));
  await d.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bin = atob(f.b64);
      const u = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
      dt.items.add(new File([u], f.name));
    }
    document.dispatchEvent(new DragEvent("dragenter", { dataTransfer: dt, bubbles: true }));
    document.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, payload);
}

/** Clicks the first element matching `selector` whose text contains `text` (a real mouse click). */
export async function clickText(d: Driver, selector: string, text: string): Promise<void> {
  await d.waitUntil(([s, t]) => [...document.querySelectorAll(s)].some((e) => e.textContent?.includes(t)), [
    selector,
    text,
  ] as const);
  await d.evaluate(
    ([s, t]) => {
      for (const e of document.querySelectorAll("[data-test-target]")) e.removeAttribute("data-test-target");
      const el = [...document.querySelectorAll(s)].find((e) => e.textContent?.includes(t));
      el?.setAttribute("data-test-target", "1");
      el?.scrollIntoView({ block: "center" });
    },
    [selector, text] as const,
  );
  await d.click("[data-test-target]");
}

const text = (d: Driver, s: string) => d.evaluate((sel) => document.querySelector(sel)?.textContent ?? "", s);
const selectedDiffRow = (d: Driver) =>
  d.evaluate(
    () => Number(document.querySelector("#list-diff .row[aria-selected=true]")?.getAttribute("data-i")),
    null,
  );

/** Static page: drop one capture, select a packet, its tree and the hex highlight, j moves on. */
export async function loadAndSelect(d: Driver, pageUrl: string): Promise<void> {
  await d.goto(pageUrl);
  await d.waitFor("body[data-ready='1']");
  await d.shot(`${d.browser}-static-empty`);
  await dropFiles(d, [ex("good.pcap")]);
  await d.waitFor("#list-a .row[aria-selected=true]");
  assert.match(await text(d, "#files"), /good\.pcap \(176 packets\)/);
  await clickText(d, "#list-a .row", "Session Setup Request");
  await d.waitFor("#view-a .tree .ti");
  await d.click("#view-a .tree .ti[aria-level='2'] > .lab");
  await d.waitFor("#view-a .hex mark");
  const before = await text(d, "#list-a .row[aria-selected=true] .no");
  await d.evaluate(() => (document.querySelector("#list-a") as HTMLElement).focus(), null);
  await d.press("j");
  await d.waitUntil(
    (b) => document.querySelector("#list-a .row[aria-selected=true] .no")?.textContent !== b,
    before,
  );
  await d.shot(`${d.browser}-static-single`);
}

/** Static page: a gzip capture and its key file dropped together are decrypted in the page. */
export async function decryptDropped(d: Driver, pageUrl: string, gzFile: string): Promise<void> {
  fs.writeFileSync(gzFile, zlib.gzipSync(fs.readFileSync(ex("encrypted.pcap"))));
  await d.goto(pageUrl);
  await d.waitFor("body[data-ready='1']");
  await dropFiles(d, [gzFile, ex("encrypted.keys")]);
  await d.waitFor("#list-a .row[aria-selected=true]");
  assert.match(await text(d, "#files"), /encrypted\.pcap\.gz \(\d+ packets\)/);
  assert.match(
    await d.evaluate(() => (document.querySelector("#keysText") as HTMLTextAreaElement).value, null),
    /0000000061ddacfc/,
  );
  // AES-128-GCM with the dropped key (pure-JS AES in the browser shim of node:crypto).
  await clickText(d, "#list-a .row", "Tree Connect Request");
  await d.waitFor("#view-a .tree .ti");
  const tree = await text(d, "#view-a .tree");
  assert.match(tree, /Decrypted SMB3/);
  assert.match(tree, /Tree: \\\\127\.0\.0\.1\\/);
  // The encrypted data node highlights the ciphertext in the wire PDU; a field inside the
  // plaintext is shown and marked in the Decrypted SMB3 bytes (its offsets are into them).
  const marked = () =>
    d.evaluate(
      () => [...document.querySelectorAll("#view-a .hex mark")].map((m) => m.textContent ?? "").join(""),
      null,
    );
  const source = () => text(d, "#view-a .hex .src");
  await clickText(d, "#view-a .tree .ti[aria-level='2'] > .lab", "Decrypted SMB3");
  await d.waitFor("#view-a .hex mark");
  assert.equal(await source(), "PDU 1");
  assert.match(await text(d, "#view-a .hex"), /^PDU 10000 {2}fd 53 4d 42 /);
  // Expand it (a second click on the current item), then the message, then pick the share name.
  await clickText(d, "#view-a .tree .ti[aria-level='2'] > .lab", "Decrypted SMB3");
  await clickText(d, "#view-a .tree .ti[aria-level='3'] > .lab", "SMB2");
  await d.waitUntil(
    () => document.querySelector("#view-a .hex .src")?.textContent === "Decrypted SMB3",
    null,
  );
  assert.match(await text(d, "#view-a .hex"), /^Decrypted SMB30000 {2}fe 53 4d 42 /);
  await clickText(d, "#view-a .tree .ti[aria-level='3'] > .lab", "SMB2");
  await clickText(d, "#view-a .tree .ti[aria-level='4'] > .lab", "Tree Connect Request");
  await clickText(d, "#view-a .tree .ti[aria-level='4'] > .lab", "Tree Connect Request");
  await clickText(d, "#view-a .tree .ti[aria-level='5'] > .lab", "Tree: \\\\127.0.0.1\\");
  const share = Buffer.from("\\\\127.0.0.1\\IPC$", "utf16le").toString("hex");
  await d.waitUntil((want) => {
    const m = [...document.querySelectorAll("#view-a .hex mark")].map((x) => x.textContent ?? "").join("");
    return m.replace(/\s/g, "") === want;
  }, share);
  assert.equal((await marked()).replace(/\s/g, ""), share);
  assert.equal(await source(), "Decrypted SMB3");
  assert.doesNotMatch(await text(d, "#view-a .hex"), /wire bytes shown/);
  await d.shot(`${d.browser}-static-encrypted`);
}

/**
 * Static page: nested compression transforms, the inner one a 16 MB decompression bomb. Each
 * level's field is marked in its own plaintext; the bomb's output is shown as a 64 KB window.
 */
export async function nestedPlaintexts(d: Driver, pageUrl: string): Promise<void> {
  await d.goto(pageUrl);
  await d.waitFor("body[data-ready='1']");
  await dropFiles(d, [path.join(root, "test/fixtures/fuzz/nested-compression.pcap")]);
  // The first packet (selected on load; selecting it again would rebuild its tree under the clicks).
  await d.waitFor("#list-a .row[aria-selected=true]");
  assert.equal(await text(d, "#list-a .row[aria-selected=true] .no"), "1");
  await d.waitFor("#view-a .tree .ti");
  const source = () => text(d, "#view-a .hex .src");
  // The outer transform's output: 31 bytes, the inner compression transform, all marked.
  await clickText(d, "#view-a .tree .ti[aria-level='2'] > .lab", "SMB2 (Server");
  await d.waitUntil(
    () => document.querySelector("#view-a .hex .src")?.textContent === "Decompressed SMB3",
    null,
  );
  assert.match(await text(d, "#view-a .hex"), /^Decompressed SMB30000 {2}fc 53 4d 42 ff ff ff 00 /);
  assert.equal(await d.evaluate(() => document.querySelectorAll("#view-a .hex mark").length, null), 31);
  await clickText(d, "#view-a .tree .ti[aria-level='2'] > .lab", "SMB2 (Server");
  await clickText(d, "#view-a .tree .ti[aria-level='3'] > .lab", "no SMB header");
  await d.waitUntil(
    () => document.querySelector("#view-a .hex .src")?.textContent === "Decompressed SMB3 #2",
    null,
  );
  const hex = await text(d, "#view-a .hex");
  assert.match(hex, /^Decompressed SMB3 #20000 {2}41 41 41 41 /);
  assert.match(hex, /\(… 16711679 more bytes not shown\)\n$/);
  assert.equal(await d.evaluate(() => document.querySelectorAll("#view-a .hex mark").length, null), 65536);
  assert.equal(await source(), "Decompressed SMB3 #2");
}

/**
 * Static page: an SMB1 reply sent in several messages is shown whole in its first piece; a field
 * of the joined parameters is marked in the "Reassembled SMB" bytes, and the message's own padding
 * in its PDU.
 */
export async function reassembledSmb1(d: Driver, pageUrl: string): Promise<void> {
  await d.goto(pageUrl);
  await d.waitFor("body[data-ready='1']");
  await dropFiles(d, [path.join(root, "test/fixtures/smb1/trans2-multipart.pcap")]);
  await d.waitFor("#list-a .row[aria-selected=true]");
  await clickText(d, "#list-a .row", "FIND_FIRST2, Files: t096-96.txt");
  await d.waitUntil(
    () =>
      document.querySelector("#list-a .row[aria-selected=true]")?.textContent?.includes("t096-96.txt") ??
      false,
    null,
  );
  await d.waitFor("#view-a .tree .ti");
  const source = () => text(d, "#view-a .hex .src");
  // Select, then expand (a second click on the current item) the Trans2 response.
  await clickText(d, "#view-a .tree .ti[aria-level='2'] > .lab", "Trans2 Response");
  await clickText(d, "#view-a .tree .ti[aria-level='2'] > .lab", "Trans2 Response");
  assert.match(await text(d, "#view-a .tree"), /4 SMB Segments \(11954 bytes\): #24\(10\), #24\(4024\)/);
  await clickText(d, "#view-a .tree .ti[aria-level='3'] > .lab", "FIND_FIRST2 Parameters");
  await d.waitUntil(
    () => document.querySelector("#view-a .hex .src")?.textContent === "Reassembled SMB",
    null,
  );
  // The 10 parameter bytes lead the joined bytes (Wireshark's order: parameters, then data).
  assert.match(await text(d, "#view-a .hex"), /^Reassembled SMB0000 {2}00 01 64 00 /);
  assert.equal(await d.evaluate(() => document.querySelectorAll("#view-a .hex mark").length, null), 10);
  await clickText(d, "#view-a .tree .ti[aria-level='3'] > .lab", "Padding: 0000");
  await d.waitUntil(() => document.querySelector("#view-a .hex .src")?.textContent === "PDU 1", null);
  assert.equal(await source(), "PDU 1");
  assert.equal(await d.evaluate(() => document.querySelectorAll("#view-a .hex mark").length, null), 2);
}

/** Static page: paste keys after opening an encrypted capture. */
export async function pasteKeys(d: Driver, pageUrl: string): Promise<void> {
  await d.goto(pageUrl);
  await d.waitFor("body[data-ready='1']");
  await dropFiles(d, [ex("encrypted.pcap")]);
  await d.waitFor("#list-a .row[aria-selected=true]");
  const has = (t: string) =>
    d.evaluate(
      (x) => [...document.querySelectorAll("#list-a .row")].some((e) => e.textContent?.includes(x)),
      t,
    );
  assert.equal(await has("Tree Connect Request"), false);
  await d.click("#keysBtn");
  await d.fill("#keysText", fs.readFileSync(ex("encrypted.keys"), "utf8"));
  await d.click("#keysOk");
  await d.waitUntil(
    () =>
      [...document.querySelectorAll("#list-a .row")].some((e) => e.textContent?.includes("Decrypted SMB3")),
    null,
  );
}

/** Two captures: the first selection is the first divergence; ] [ and f move; a pair is shown. */
export async function diffNavigation(d: Driver, load: () => Promise<void>): Promise<number> {
  await load();
  await d.waitFor("#list-diff .row[aria-selected=true]");
  const first = await selectedDiffRow(d);
  assert.ok(first > 0, `first divergence ${first}`);
  const at = (want: number) =>
    d.waitUntil(
      (w) =>
        Number(document.querySelector("#list-diff .row[aria-selected=true]")?.getAttribute("data-i")) === w,
      want,
    );
  await d.press("]");
  await d.waitUntil(
    (f) => Number(document.querySelector("#list-diff .row[aria-selected=true]")?.getAttribute("data-i")) > f,
    first,
  );
  const second = await selectedDiffRow(d);
  assert.ok(second > first);
  await d.press("[");
  await at(first);
  await d.press("f");
  await at(first + 1);
  assert.match(await d.evaluate(() => location.hash, null), /row=\d+/);
  await d.waitFor(".pair .ti");
  // The minimap marks every divergence.
  await d.waitFor(".minimap i");
  // A pair that differs only in its fields is a divergence too: the listing of incoming\batch1
  // (same command, name and status on both sides, but bad has no data.tmp).
  const selected = () =>
    d.evaluate(() => {
      const e = document.querySelector("#list-diff .row[aria-selected=true]");
      return { i: Number(e?.getAttribute("data-i")), cls: e?.className ?? "", text: e?.textContent ?? "" };
    }, null);
  let row = await selected();
  for (let k = 0; k < 12 && !row.text.includes("Find Request File: incoming\\batch1 "); k++) {
    await d.press("]");
    await d.waitUntil(
      (f) =>
        Number(document.querySelector("#list-diff .row[aria-selected=true]")?.getAttribute("data-i")) > f,
      row.i,
    );
    row = await selected();
  }
  assert.match(row.text, /Find Request File: incoming\\batch1 /);
  assert.match(row.cls, /\bdiffer\b/);
  await d.shot(`${d.browser}-diff`);
  return first;
}

/** Static page with two dropped captures. */
export function staticPair(d: Driver, pageUrl: string): () => Promise<void> {
  return async () => {
    await d.goto(pageUrl);
    await d.waitFor("body[data-ready='1']");
    await d.evaluate(() => localStorage.clear(), null);
    await dropFiles(d, [ex("good.pcap"), ex("bad.pcap")]);
  };
}

/** Server mode: a deep link selects its row; 1 shows capture A with a tree. */
export async function serverDeepLink(d: Driver, url: string): Promise<void> {
  await d.goto(`${url}#row=40`);
  await d.waitFor("body[data-ready='1']");
  await d.waitUntil(
    () => document.querySelector("#list-diff .row[aria-selected=true]")?.getAttribute("data-i") === "40",
    null,
  );
  await d.waitFor(".pair .ti");
  await d.shot(`${d.browser}-server-diff`);
  await d.press("1");
  await d.waitFor("#list-a .row[aria-selected=true]");
  await d.waitFor("#view-a .tree .ti");
}

/**
 * In the diff view: ignore a modified field of a "differ" pair with `a`; the rule is saved in
 * localStorage and "show ignored" shows it as ignored. Returns the field name.
 */
export async function ignoreToggle(d: Driver): Promise<string> {
  await d.click("#list-diff .row.differ");
  await d.waitFor(".pair li.modified");
  const name = await d.evaluate(() => {
    const li = [...document.querySelectorAll(".pair li.modified")].find(
      (e) => !e.querySelector("li.modified"),
    );
    for (const e of document.querySelectorAll("[data-test-target]")) e.removeAttribute("data-test-target");
    li?.querySelector(":scope > .lab")?.setAttribute("data-test-target", "1");
    return li?.getAttribute("data-name") ?? "";
  }, null);
  assert.ok(name);
  await d.click("[data-test-target]");
  await d.press("a");
  await d.waitUntil(
    (n) => (JSON.parse(localStorage.getItem("smbcmp.rules") ?? "[]") as string[]).includes(n),
    name,
  );
  await d.click("#showIgnored");
  await d.waitFor(`.pair li.ignored[data-name="${name}"]`);
  assert.equal(
    await d.evaluate((n) => document.querySelector(`.pair li[data-name="${n}"] > .ign`)?.textContent, name),
    "unignore",
  );
  await d.shot(`${d.browser}-diff-ignored`);
  return name;
}

/** The stats view of a capture with DCE/RPC on a pipe charts its calls by operation, faults named. */
export async function rpcStats(d: Driver, pageUrl: string): Promise<void> {
  await d.goto(pageUrl);
  await d.waitFor("body[data-ready='1']");
  await dropFiles(d, [path.join(root, "test/fixtures/smb2/dcerpc-fault.pcap")]);
  await d.waitFor("#list-a .row[aria-selected=true]");
  await d.click("#tabStats");
  await d.waitFor("#view-stats svg[aria-label^='RPC calls on named pipes']");
  const label = await d.evaluate(
    () =>
      document
        .querySelector("#view-stats svg[aria-label^='RPC calls on named pipes']")
        ?.getAttribute("aria-label"),
    null,
  );
  assert.match(label ?? "", /SRVSVC\.200 \(1 fault\) 1/);
  assert.match(label ?? "", /SRVSVC\.NetShareEnumAll 1/);
}

/** After a reload the saved rule is still there; then the stats view draws its SVG charts. */
export async function persistAndStats(d: Driver, pageUrl: string, name: string): Promise<void> {
  await d.goto(pageUrl);
  await d.waitFor("body[data-ready='1']");
  const saved = await d.evaluate(() => localStorage.getItem("smbcmp.rules"), null);
  assert.ok(saved?.includes(name), `${saved}`);
  await d.evaluate(() => localStorage.clear(), null);
  await dropFiles(d, [ex("good.pcap"), ex("bad.pcap")]);
  await d.waitFor("#list-diff .row[aria-selected=true]");
  await d.click("#tabStats");
  await d.waitFor("#view-stats svg rect");
  await d.shot(`${d.browser}-stats`);
}
