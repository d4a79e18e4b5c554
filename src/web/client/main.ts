/// <reference lib="dom" />
/**
 * The web UI (shared by the static build and `smbcmp web`): packet lists, detail tree + hex, the
 * aligned diff with a minimap and pair diffs, ignore toggles, stats, keyboard driven like the TUI.
 */
import type { DiffNode } from "../../diff/tree-diff.js";
import { FieldFlag, type FieldNode } from "../../dissect/tree.js";
import type {
  AlignRowJson,
  InfoJson,
  PacketRow,
  PairJson,
  RowsJson,
  Side,
  StatsJson,
  TreeJson,
} from "../session.js";
import { type Backend, RemoteBackend } from "./backend.js";
import { LocalBackend } from "./local.js";
import { VList } from "./vlist.js";

type View = "a" | "b" | "diff" | "stats";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...kids: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  e.append(...kids);
  return e;
}

const mode = document.querySelector('meta[name="smbcmp-mode"]')?.getAttribute("content");
const backend: Backend = mode === "server" ? new RemoteBackend() : new LocalBackend();
const RULES_KEY = "smbcmp.rules";
let info: InfoJson = { rules: [] };
let view: View = "a";
let showIgnored = false;
let lastPair: PairJson | undefined;
let curField: string | undefined;
let divergences: number[] = [];
/** The server (or the page) is still comparing the aligned pairs' fields: more divergences may come. */
let comparingFields = false;
let lastSearch = "";
const filters: Record<Side, string> = { a: "", b: "" };

function status(msg: string, isErr = false): void {
  const s = $("status");
  s.textContent = msg;
  s.style.color = isErr ? "var(--err)" : "";
}

function fail(e: unknown): void {
  if (e instanceof Error && e.name === "Superseded") return;
  status(e instanceof Error ? e.message : String(e), true);
}

function fmtTime(t: number): string {
  const d = new Date(t * 1000);
  return `${d.toISOString().slice(11, 23)}`;
}

// ---------- single-trace view: list, tree, hex ----------

function makeSingle(side: Side) {
  const root = h("div", { class: "pane grow", id: `view-${side}` });
  root.style.flexDirection = "row";
  const listEl = h("div", { id: `list-${side}`, "aria-label": `Packets of capture ${side.toUpperCase()}` });
  const treeEl = h("div", { class: "tree", role: "tree", tabindex: "0", "aria-label": "Packet details" });
  const hexEl = h("div", { class: "hex", "aria-label": "Packet bytes", tabindex: "0" });
  const detail = h("div", { class: "detail" }, treeEl, hexEl);
  const left = h("div", { class: "pane grow" }, listEl);
  root.append(left, detail);
  let cur: TreeJson | undefined;
  const list = new VList<PacketRow>(
    listEl,
    async (offset, limit) =>
      (await backend.call<{ rows: PacketRow[] }>("packets", { side, offset, limit, filter: filters[side] }))
        .rows,
    (r, _i, d) => {
      d.className = `row${r && r[5] & 1 ? " err" : ""}`;
      d.replaceChildren(
        h("span", { class: "no" }, r ? String(r[0]) : "…"),
        h("span", { class: "t" }, r ? fmtTime(r[1]) : ""),
        h("span", { class: "ad" }, r ? `${r[2]} → ${r[3]}` : ""),
        h("span", { class: "sum" }, r ? r[4] : ""),
      );
    },
    (_i, r) => {
      if (!r) return;
      setHash({ [side]: r[0] });
      backend.call<TreeJson>("tree", { side, no: r[0] }).then((t) => {
        cur = t;
        renderTree(treeEl, t.nodes, (n, top) => renderHex(hexEl, t, n, top));
        renderHex(hexEl, t);
      }, fail);
    },
  );
  return {
    root,
    list,
    treeEl,
    get tree() {
      return cur;
    },
    async reload() {
      const r = await backend.call<{ total: number; filterNote?: string }>("packets", {
        side,
        offset: 0,
        limit: 0,
        filter: filters[side],
      });
      list.reset(r.total);
      if (r.filterNote) status(`filter "${filters[side]}" (${r.filterNote}): ${r.total} packets`);
      if (list.sel < 0 && r.total) list.select(0);
    },
  };
}

function nodeClass(n: FieldNode): string {
  return n.flags && n.flags & 3 ? "malformed" : "";
}

/** A collapsible ARIA tree of field nodes; `onPick(node, topIndex)` on selection. */
function renderTree(el: HTMLElement, nodes: FieldNode[], onPick: (n: FieldNode, top: number) => void): void {
  const ul = h("ul", { role: "group" });
  const build = (list: FieldNode[], parent: HTMLElement, level: number, top: number) => {
    list.forEach((n, k) => {
      const t = level === 1 ? k : top;
      const li = h("li", { class: `ti ${nodeClass(n)}`, role: "treeitem", "aria-level": String(level) });
      const lab = h("span", { class: "lab", title: n.name }, n.label);
      li.append(lab);
      (li as HTMLElement & { fieldNode?: FieldNode; top?: number }).fieldNode = n;
      (li as HTMLElement & { top?: number }).top = t;
      if (n.children?.length) {
        li.setAttribute("aria-expanded", String(level < 2));
        const sub = h("ul", { role: "group" });
        build(n.children, sub, level + 1, t);
        li.append(sub);
      }
      parent.append(li);
    });
  };
  build(nodes, ul, 1, 0);
  el.replaceChildren(ul);
  treeNav(el, (li) => {
    const x = li as HTMLElement & { fieldNode?: FieldNode; top?: number };
    if (x.fieldNode) onPick(x.fieldNode, x.top ?? 0);
  });
}

/** Keyboard and mouse navigation of a tree of `.ti` items (shared by detail and pair trees). */
function treeNav(el: HTMLElement, onPick: (li: HTMLElement) => void): void {
  const visible = () =>
    [...el.querySelectorAll<HTMLElement>(".ti")].filter(
      (li) => !li.parentElement?.closest(".ti[aria-expanded=false]"),
    );
  const pick = (li: HTMLElement | undefined) => {
    if (!li) return;
    for (const c of el.querySelectorAll(".ti.cur")) c.classList.remove("cur");
    li.classList.add("cur");
    li.id ||= `ti-${Math.random().toString(36).slice(2)}`;
    el.setAttribute("aria-activedescendant", li.id);
    li.scrollIntoView({ block: "nearest" });
    onPick(li);
  };
  el.onclick = (e) => {
    const lab = (e.target as HTMLElement).closest(".lab");
    const li = lab?.parentElement;
    if (!li) return;
    if (li.hasAttribute("aria-expanded") && li.classList.contains("cur"))
      li.setAttribute("aria-expanded", String(li.getAttribute("aria-expanded") !== "true"));
    pick(li);
  };
  el.onkeydown = (e) => {
    const vis = visible();
    const cur = el.querySelector<HTMLElement>(".ti.cur");
    const i = cur ? vis.indexOf(cur) : -1;
    const exp = cur?.getAttribute("aria-expanded");
    let handled = true;
    if (e.key === "ArrowDown") pick(vis[i + 1] ?? vis[0]);
    else if (e.key === "ArrowUp") pick(vis[Math.max(0, i - 1)]);
    else if (e.key === "ArrowRight" && exp === "false") cur!.setAttribute("aria-expanded", "true");
    else if (e.key === "ArrowLeft" && exp === "true") cur!.setAttribute("aria-expanded", "false");
    else if (e.key === "ArrowLeft" && cur) pick(cur.parentElement?.closest<HTMLElement>(".ti") ?? undefined);
    else if (e.key === "Enter" && exp) cur!.setAttribute("aria-expanded", String(exp !== "true"));
    else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  };
}

/**
 * The hex pane: the packet's PDUs with the selected field's bytes marked, or, for a field that
 * came out of a transform (it has `src`), the plaintext it was dissected from ("Decrypted SMB3",
 * "Decompressed SMB3", "Reassembled SMB"), as Wireshark's second byte tab. Each dump is headed by its label when the
 * packet has more than one source.
 */
function renderHex(el: HTMLElement, t: TreeJson, sel?: FieldNode, top = 0): void {
  const frag = document.createDocumentFragment();
  const plains = t.plains ?? [];
  const many = t.pdus.length + plains.length > 1;
  const range = (n: FieldNode | undefined): [number, number] =>
    n && n.offset >= 0 ? [n.offset, n.offset + n.length] : [-1, -1];
  const plain = sel?.src !== undefined ? plains[sel.src - t.pdus.length] : undefined;
  if (plain) {
    frag.append(h("div", { class: "src" }, plain.label));
    dump(frag, plain.hex, ...range(sel), plain.size);
  } else {
    const pduIdx = t.pdus.length === t.nodes.length ? top : 0;
    // A field inside a transform without its plaintext (an engine that has none): its offsets are
    // not into the wire bytes, so nothing is marked.
    const inPlain = !!sel && sel.src === undefined && ((sel.flags ?? 0) & FieldFlag.Decrypted) !== 0;
    if (inPlain) frag.append("(selected field is in the decrypted payload; wire bytes shown)\n");
    t.pdus.forEach((hx, p) => {
      if (many) frag.append(h("div", { class: "src" }, `PDU ${p + 1}`));
      const [lo, hi] = sel && !inPlain && p === pduIdx ? range(sel) : [-1, -1];
      dump(frag, hx, lo, hi);
    });
  }
  el.replaceChildren(frag);
  el.querySelector("mark")?.scrollIntoView({ block: "nearest" });
}

/** The most bytes one dump shows: a window around the selection in bigger PDUs and plaintexts. */
const MAX_DUMP = 64 * 1024;

/**
 * `0000  fe 53 4d 42 ...  .SMB...` lines of hex string `hx`, bytes [lo, hi) in <mark>; `size` is
 * the source's whole length when the server sent only its start.
 */
function dump(frag: DocumentFragment, hx: string, lo: number, hi: number, size = hx.length / 2): void {
  const n = hx.length / 2;
  const start = n > MAX_DUMP && lo >= 0 ? Math.min(Math.floor(Math.max(0, lo - 256) / 16) * 16, n) : 0;
  const end = Math.min(n, start + MAX_DUMP);
  if (start > 0) frag.append(`(… ${start} bytes before 0x${start.toString(16)} not shown)\n`);
  for (let off = start; off < end; off += 16) {
    frag.append(`${off.toString(16).padStart(4, "0")}  `);
    let ascii = "";
    for (let k = off; k < off + 16; k++) {
      if (k >= end) {
        frag.append("   ");
        continue;
      }
      const b = Number.parseInt(hx.substr(k * 2, 2), 16);
      const txt = `${hx.substr(k * 2, 2)} `;
      ascii += b >= 32 && b < 127 ? String.fromCharCode(b) : ".";
      if (k >= lo && k < hi) frag.append(h("mark", {}, txt));
      else frag.append(txt);
    }
    frag.append(` ${ascii}\n`);
  }
  if (size > end) frag.append(`(… ${size - end} more bytes not shown)\n`);
}

// ---------- diff view: aligned rows, minimap, pair diff ----------

const KIND_MARK: Record<string, string> = { same: "", differ: "≠", "only-a": "−", "only-b": "+" };

function makeDiff() {
  const root = h("div", { class: "pane grow", id: "view-diff" });
  root.style.flexDirection = "row";
  const listEl = h("div", {
    id: "list-diff",
    "aria-label": "Aligned operations, A on the left, B on the right",
  });
  const mini = h("div", { class: "minimap", role: "img", "aria-label": "Divergence map" });
  const viewBox = h("div", { class: "view" });
  const pairEl = h("div", { class: "pair", role: "tree", tabindex: "0", "aria-label": "Pair differences" });
  const ignoredBox = h("input", { type: "checkbox", id: "showIgnored" });
  const pairInfo = h("span", { id: "pairInfo", class: "files" });
  const pairBar = h("div", { class: "bar" }, h("label", {}, ignoredBox, " show ignored"), pairInfo);
  const detail = h("div", { class: "detail" }, pairBar, pairEl);
  root.append(h("div", { class: "pane grow" }, listEl), mini, detail);
  ignoredBox.addEventListener("change", () => {
    showIgnored = ignoredBox.checked;
    if (lastPair) renderPair(pairEl, lastPair);
  });
  const list = new VList<AlignRowJson>(
    listEl,
    async (offset, limit) => (await backend.call<{ rows: AlignRowJson[] }>("rows", { offset, limit })).rows,
    (r, _i, d) => {
      d.className = `row ${r ? r[0] : ""}`;
      d.replaceChildren(
        h("span", { class: "k", "aria-label": r ? r[0] : "" }, r ? KIND_MARK[r[0]]! : ""),
        h(
          "span",
          { class: "half" },
          h("span", { class: "no" }, r?.[1] ? String(r[1]) : ""),
          h("span", { class: "sum" }, r ? r[3] : "…"),
        ),
        h(
          "span",
          { class: "half" },
          h("span", { class: "no" }, r?.[2] ? String(r[2]) : ""),
          h("span", { class: "sum" }, r ? r[4] : ""),
        ),
      );
    },
    (i, r) => {
      if (r) setHash({ a: r[1] || undefined, b: r[2] || undefined, row: i });
      backend.call<PairJson>("pair", { row: i }).then((p) => renderPair(pairEl, p), fail);
    },
  );
  list.onScroll = (first, n) => {
    const H = mini.clientHeight;
    const tot = Math.max(1, list.total);
    viewBox.style.top = `${(first / tot) * H}px`;
    viewBox.style.height = `${Math.max(3, (n / tot) * H)}px`;
  };
  mini.addEventListener("click", (e) => {
    const r = mini.getBoundingClientRect();
    list.scrollTo(Math.floor(((e.clientY - r.top) / r.height) * list.total), true);
  });
  const drawMini = (kinds: Map<number, string>) => {
    const H = mini.clientHeight || 400;
    const tot = Math.max(1, list.total);
    const seen = new Set<number>();
    const marks: HTMLElement[] = [];
    for (const [i, k] of kinds) {
      const y = Math.floor((i / tot) * H);
      if (seen.has(y)) continue;
      seen.add(y);
      const m = h("i", { class: k });
      m.style.top = `${y}px`;
      marks.push(m);
    }
    mini.replaceChildren(...marks, viewBox);
  };
  /** Divergences, minimap and summary from a first page of rows; the list is redrawn when they changed. */
  const show = (r: RowsJson) => {
    const changed = r.divergences.join() !== divergences.join();
    divergences = r.divergences;
    const before = summaryText();
    comparingFields = r.comparing;
    document.body.dataset.comparing = r.comparing ? "1" : "0";
    if (info.diff) info.diff = { ...info.diff, summary: r.summary, firstDivergence: r.firstDivergence };
    $("files").textContent = summaryText();
    // The status line follows while it shows the summary (not a message about something else).
    if ($("status").textContent === before) status(summaryText());
    if (!changed) return;
    list.reset(r.total);
    // Kinds of divergent rows for the minimap: fetched lazily would flicker; ask for them once.
    const kinds = new Map<number, string>();
    for (const i of divergences.slice(0, 5000)) kinds.set(i, "differ");
    drawMini(kinds);
    void Promise.all(
      divergences.slice(0, 5000).map(async (i) => {
        const row = await list.get(i);
        if (row) kinds.set(i, row[0]);
      }),
    ).then(() => drawMini(kinds));
  };
  /** While the fields of the pairs are still being compared, more divergences come: ask again. */
  let polls = 0;
  const poll = (gen: number) =>
    setTimeout(async () => {
      if (gen !== polls) return;
      try {
        const r = await backend.call<RowsJson>("rows", { offset: 0, limit: 1 });
        if (gen !== polls) return;
        show(r);
        if (r.comparing) poll(gen);
      } catch {
        // the next reload asks again
      }
    }, 500);
  return {
    root,
    list,
    pairEl,
    async reload() {
      const gen = ++polls;
      const r = await backend.call<RowsJson>("rows", { offset: 0, limit: 1 });
      divergences = [];
      list.reset(r.total);
      show(r);
      if (list.sel < 0 && r.total) list.select(Math.max(r.firstDivergence, 0));
      else if (list.sel >= 0) list.select(list.sel);
      if (r.comparing) poll(gen);
    },
  };
}

function diffLine(n: DiffNode): (Node | string)[] {
  if (n.kind === "modified" && n.a !== undefined && !n.lines) {
    const k = n.label.indexOf(": ");
    return [`${k >= 0 ? n.label.slice(0, k) : n.name}: `, h("del", {}, n.a), " → ", h("ins", {}, n.b ?? "")];
  }
  const mark = n.kind === "added" ? "+ " : n.kind === "removed" ? "- " : "";
  return [mark + (n.kind === "added" ? (n.bLabel ?? n.label) : n.label)];
}

function ruleState(name: string): boolean {
  return info.rules.includes(name);
}

function renderPair(el: HTMLElement, p: PairJson): void {
  lastPair = p;
  const pairInfo = el.parentElement?.querySelector("#pairInfo");
  if (pairInfo)
    pairInfo.textContent = `row ${p.row >= 0 ? p.row + 1 : "-"}: ${p.kind}, ${p.count} difference${p.count === 1 ? "" : "s"}${p.error ? ` (${p.error})` : ""}`;
  const root = h("ul", { role: "group" });
  const build = (nodes: DiffNode[], parent: HTMLElement, level: number) => {
    for (const n of nodes) {
      if (n.kind === "same" && !n.diffs && !(showIgnored && hasIgnored(n))) continue;
      if (!showIgnored && n.ignored && !n.diffs) continue;
      const cls = n.ignored && n.kind !== "same" ? `${n.kind} ignored` : n.kind;
      const li = h("li", { class: `ti ${cls}`, role: "treeitem", "aria-level": String(level) });
      li.dataset.name = n.name;
      const btn = h(
        "button",
        {
          class: "ign",
          tabindex: "-1",
          "aria-label": `${ruleState(n.name) ? "stop ignoring" : "ignore"} ${n.name}`,
        },
        ruleState(n.name) ? "unignore" : "ignore",
      );
      btn.addEventListener("click", (e) => {
        e.stopPropagation();
        void toggleRule(n.name);
      });
      li.append(h("span", { class: "lab", title: n.name }, ...diffLine(n)), btn);
      if (n.lines) {
        li.append(h("pre", { class: "mono" }, n.lines.map((l) => `${l.op} ${l.text}`).join("\n")));
      }
      if (n.children?.length) {
        // A one-sided op is all "removed"/"added": open only the top levels.
        li.setAttribute("aria-expanded", String(!p.kind.startsWith("only") || level < 3));
        const sub = h("ul", { role: "group" });
        build(n.children, sub, level + 1);
        li.append(sub);
      }
      parent.append(li);
    }
  };
  for (const part of p.parts) {
    const li = h("li", { class: "ti", role: "treeitem", "aria-level": "1", "aria-expanded": "true" });
    li.append(
      h("span", { class: "lab" }, `${part.role}: A #${part.aFrame ?? "-"} ↔ B #${part.bFrame ?? "-"}`),
    );
    const sub = h("ul", { role: "group" });
    build(part.nodes, sub, 2);
    if (!sub.childElementCount) sub.append(h("li", { class: "same" }, "no differences"));
    li.append(sub);
    root.append(li);
  }
  el.replaceChildren(root);
  const keep = curField ? el.querySelector<HTMLElement>(`.ti[data-name="${CSS.escape(curField)}"]`) : null;
  keep?.classList.add("cur");
  treeNav(el, (li) => {
    curField = li.dataset.name;
  });
}

function hasIgnored(n: DiffNode): boolean {
  return (n.ignored && n.kind !== "same") || !!n.children?.some(hasIgnored);
}

async function toggleRule(name: string): Promise<void> {
  const r = await backend.call<{ rules: string[] }>("rules", { toggle: name });
  localStorage.setItem(RULES_KEY, JSON.stringify(r.rules));
  curField = name;
  await refresh();
  status(`${ruleState(name) ? "ignoring" : "comparing"} ${name}`);
}

// ---------- stats ----------

function barChart(title: string, data: [string, number][], unit = ""): HTMLElement {
  const ns = "http://www.w3.org/2000/svg";
  const max = Math.max(1, ...data.map((d) => d[1]));
  const rowH = 18;
  const W = 460;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", String(W));
  svg.setAttribute("height", String(Math.max(1, data.length) * rowH + 4));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${title}: ${data.map((d) => `${d[0]} ${d[1]}`).join(", ")}`);
  data.forEach(([k, v], i) => {
    const y = i * rowH + 2;
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", "0");
    t.setAttribute("y", String(y + 12));
    t.textContent = k.length > 28 ? `${k.slice(0, 27)}…` : k;
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", "190");
    r.setAttribute("y", String(y + 2));
    r.setAttribute("height", String(rowH - 5));
    r.setAttribute("width", String(Math.max(1, (v / max) * (W - 250))));
    r.setAttribute("fill", "#0b57d0");
    const c = document.createElementNS(ns, "text");
    c.setAttribute("x", String(195 + (v / max) * (W - 250)));
    c.setAttribute("y", String(y + 12));
    c.textContent = `${v}${unit}`;
    svg.append(t, r, c);
  });
  return h("section", {}, h("h2", {}, title), data.length ? svg : h("p", {}, "none"));
}

async function renderStats(el: HTMLElement): Promise<void> {
  const out: HTMLElement[] = [];
  for (const side of ["a", "b"] as const) {
    if (!info[side]) continue;
    const s = await backend.call<StatsJson>("stats", { side });
    const rtt: [string, number][] = s.rtt.bounds.map((b, i) => [
      b < 0 ? `> ${s.rtt.bounds[i - 1]} ms` : `≤ ${b} ms`,
      s.rtt.counts[i]!,
    ]);
    out.push(
      h(
        "div",
        {},
        h(
          "h2",
          {},
          `${side.toUpperCase()}: ${info[side]!.name} — ${s.total} packets, response time median ${s.rtt.median.toFixed(2)} ms, p95 ${s.rtt.p95.toFixed(2)} ms, max ${s.rtt.max.toFixed(2)} ms`,
        ),
        barChart("Commands (requests)", s.commands),
        barChart("Errors (responses)", s.errors),
        barChart("Response times", rtt),
        ...(s.rpc.length ? [barChart("RPC calls on named pipes", s.rpc)] : []),
      ),
    );
  }
  el.replaceChildren(...(out.length ? out : [h("p", {}, "Open a capture first.")]));
}

// ---------- app shell ----------

const main = $("main");
const singles = { a: makeSingle("a"), b: makeSingle("b") };
const diff = makeDiff();
const statsEl = h("div", { class: "stats", id: "view-stats", "aria-live": "polite" });
const empty = h(
  "div",
  { class: "empty", id: "empty" },
  h("h2", {}, "Drop one or two SMB captures here"),
  h(
    "p",
    {},
    mode === "server"
      ? "or use Open A / Open B. Captures are uploaded to this local smbcmp server."
      : "or use Open A / Open B. Everything runs in this page; nothing is uploaded.",
  ),
  h("p", {}, "Press ? for keys."),
);

function setView(v: View): void {
  view = v;
  for (const b of document.querySelectorAll<HTMLElement>("[role=tab]")) {
    const on = b.dataset.view === v;
    b.setAttribute("aria-selected", String(on));
  }
  const has = v === "diff" ? !!(info.a && info.b) : v === "stats" ? !!info.a : !!info[v];
  const pane = !has ? empty : v === "diff" ? diff.root : v === "stats" ? statsEl : singles[v].root;
  main.replaceChildren(pane);
  if (!has) return;
  if (v === "stats") void renderStats(statsEl).catch(fail);
  else if (v === "diff") {
    diff.list.draw();
    diff.list.el.focus();
  } else {
    singles[v].list.draw();
    singles[v].list.el.focus();
  }
  ($("filter") as HTMLInputElement).value = v === "a" || v === "b" ? filters[v] : "";
  ($("filter") as HTMLInputElement).disabled = !(v === "a" || v === "b");
}

function summaryText(): string {
  const parts: string[] = [];
  if (info.a) parts.push(`A: ${info.a.name} (${info.a.count} packets)`);
  if (info.b) parts.push(`B: ${info.b.name} (${info.b.count} packets)`);
  const s = info.diff?.summary;
  if (s)
    parts.push(
      `${s.ops} ops: ${s.same} same, ${s.differ} differ, ${s.onlyA} only in A, ${s.onlyB} only in B${comparingFields ? " (comparing fields…)" : ""}`,
    );
  return parts.join(" · ");
}

async function refresh(): Promise<void> {
  // Lists first (quick); the alignment may take a while on big pairs (the server's compute worker).
  info = await backend.call<InfoJson>("info", { diff: false });
  $("files").textContent = summaryText();
  if (info.a) await singles.a.reload();
  if (info.b) await singles.b.reload();
  if (info.a && info.b) {
    status("aligning…");
    info = await backend.call<InfoJson>("info");
    $("files").textContent = summaryText();
    await diff.reload();
  }
  const warn = [...(info.a?.warnings ?? []), ...(info.b?.warnings ?? [])];
  status(
    warn.length
      ? `warning: ${warn[0]}${warn.length > 1 ? ` (+${warn.length - 1} more)` : ""}`
      : summaryText(),
  );
  setView(view);
}

async function resetLists(): Promise<void> {
  for (const s of [singles.a, singles.b]) s.list.sel = -1;
  diff.list.sel = -1;
}

const CAPTURE_MAGIC = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a];

async function isCapture(f: File): Promise<boolean> {
  const b = new Uint8Array(await f.slice(0, 4).arrayBuffer());
  if (b.length < 4) return false;
  if (b[0] === 0x1f && b[1] === 0x8b) return true;
  const v = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return CAPTURE_MAGIC.includes(v);
}

async function openFiles(files: File[], side?: Side): Promise<void> {
  const caps: File[] = [];
  let keys = "";
  for (const f of files) {
    if (await isCapture(f)) caps.push(f);
    else if (f.size < 4 << 20) keys += `${await f.text()}\n`;
  }
  try {
    if (keys) {
      ($("keysText") as HTMLTextAreaElement).value = keys;
      const n = await backend.setKeys(keys);
      status(`${n} key${n === 1 ? "" : "s"} loaded`);
    }
    const sides: Side[] = side ? [side] : caps.length >= 2 ? ["a", "b"] : [info.a ? "b" : "a"];
    for (let k = 0; k < Math.min(caps.length, sides.length); k++) {
      status(`reading ${caps[k]!.name}…`);
      await backend.openFile(sides[k]!, caps[k]!.name, caps[k]!);
    }
    await resetLists();
    if (caps.length >= 2 || (caps.length && sides[0] === "b")) view = "diff";
    else if (caps.length) view = sides[0]!;
    await refresh();
  } catch (e) {
    fail(e);
  }
}

function download(name: string, text: string, type: string): void {
  const a = h("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

// Deep links: #a=12&b=14 (frames), #row=N (alignment row).
function setHash(v: { a?: number; b?: number; row?: number }): void {
  const p = new URLSearchParams();
  for (const [k, x] of Object.entries(v)) if (x !== undefined) p.set(k, String(x));
  history.replaceState(null, "", `#${p}`);
}

async function applyHash(hash = location.hash): Promise<void> {
  const p = new URLSearchParams(hash.slice(1));
  const a = Number(p.get("a") ?? 0);
  const b = Number(p.get("b") ?? 0);
  const row = p.get("row");
  if (info.a && info.b && row !== null) {
    setView("diff");
    diff.list.select(Number(row));
  } else if (info.a && info.b && a && b) {
    setView("diff");
    const pr = await backend.call<PairJson>("packetPair", { a, b });
    renderPair(diff.pairEl, pr);
  } else if (a && info.a) {
    setView("a");
    const { index } = await backend.call<{ index: number }>("find", { side: "a", no: a });
    if (index >= 0) singles.a.list.select(index);
  }
}

function currentList(): VList<PacketRow> | VList<AlignRowJson> | undefined {
  if (view === "diff") return diff.list;
  if (view === "a" || view === "b") return singles[view].list;
  return undefined;
}

async function doSearch(back = false): Promise<void> {
  const q = lastSearch;
  if (!q) return;
  if (view === "diff") {
    const { row } = await backend.call<{ row: number }>("searchRows", { q, from: diff.list.sel, back });
    if (row >= 0) diff.list.select(row);
    else status(`not found: ${q}`);
  } else if (view === "a" || view === "b") {
    const s = singles[view];
    const r = s.list.sel >= 0 ? await s.list.get(s.list.sel) : undefined;
    const { no } = await backend.call<{ no: number }>("search", { side: view, q, from: r?.[0] ?? 0, back });
    if (no < 0) {
      status(`not found: ${q}`);
      return;
    }
    if (filters[view]) {
      filters[view] = "";
      await s.reload();
    }
    const { index } = await backend.call<{ index: number }>("find", { side: view, no });
    s.list.select(index);
  }
}

function nextDivergence(dir: 1 | -1): void {
  const sel = diff.list.sel;
  const d = dir > 0 ? divergences.find((i) => i > sel) : [...divergences].reverse().find((i) => i < sel);
  if (d === undefined) {
    status(dir > 0 ? "no next divergence" : "no previous divergence");
    return;
  }
  diff.list.select(d);
  diff.list.scrollTo(d, true);
}

document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (t.closest("input, textarea, dialog[open]")) {
    if (e.key === "Escape" && t instanceof HTMLInputElement) {
      t.blur();
      currentList()?.el.focus();
    }
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const list = currentList();
  const k = e.key;
  let handled = true;
  if ((k === "j" || (k === "ArrowDown" && t === list?.el)) && list) list.select(list.sel + 1);
  else if ((k === "k" || (k === "ArrowUp" && t === list?.el)) && list) list.select(list.sel - 1);
  else if (k === "PageDown" && list && t === list.el) list.select(list.sel + 20);
  else if (k === "PageUp" && list && t === list.el) list.select(list.sel - 20);
  else if (k === "Home" && list && t === list.el) list.select(0);
  else if (k === "End" && list && t === list.el) list.select(list.total - 1);
  else if (k === "f" && view === "diff") diff.list.select(diff.list.sel + 1);
  else if (k === "d" && view === "diff") diff.list.select(diff.list.sel - 1);
  else if (k === "]" && view === "diff") nextDivergence(1);
  else if (k === "[" && view === "diff") nextDivergence(-1);
  else if (k === "a" && view === "diff" && curField) void toggleRule(curField).catch(fail);
  else if (k === "/") $("search").focus();
  else if (k === "n") void doSearch(false).catch(fail);
  else if (k === "N") void doSearch(true).catch(fail);
  else if (k === "?") ($("helpDlg") as HTMLDialogElement).showModal();
  else if (k === "1") setView("a");
  else if (k === "2") setView("b");
  else if (k === "3") setView("diff");
  else if (k === "4") setView("stats");
  else handled = false;
  if (handled) e.preventDefault();
});

for (const b of document.querySelectorAll<HTMLElement>("[role=tab]"))
  b.addEventListener("click", () => setView(b.dataset.view as View));
$("openA").onclick = () => $("fileA").click();
$("openB").onclick = () => $("fileB").click();
for (const s of ["a", "b"] as const) {
  const inp = $<HTMLInputElement>(`file${s.toUpperCase()}`);
  inp.onchange = () => {
    if (inp.files?.length) void openFiles([...inp.files], s);
    inp.value = "";
  };
}
$("swap").onclick = async () => {
  try {
    await backend.call("swap");
    await resetLists();
    await refresh();
  } catch (e) {
    fail(e);
  }
};
$("keysBtn").onclick = () => ($("keysDlg") as HTMLDialogElement).showModal();
$("keysDlg").addEventListener("close", async () => {
  const d = $("keysDlg") as HTMLDialogElement;
  if (d.returnValue !== "ok") return;
  try {
    const n = await backend.setKeys(($("keysText") as HTMLTextAreaElement).value);
    status(`${n} key${n === 1 ? "" : "s"} loaded`);
    // The captures were reopened with the keys: lists and trees change (decrypted rows).
    await resetLists();
    await refresh();
  } catch (e) {
    fail(e);
  }
});
$("helpBtn").onclick = () => ($("helpDlg") as HTMLDialogElement).showModal();
$("report").onclick = async () => {
  try {
    const r = await backend.call<{ html: string }>("report");
    download("smbcmp-report.html", r.html, "text/html");
  } catch (e) {
    fail(e);
  }
};
$("profile").onclick = async () => {
  try {
    const r = await backend.call<{ text: string }>("profile", { name: "web" });
    download("smbcmp-profile.ini", r.text, "text/plain");
    status("profile exported (add it to ~/.smbcmp)");
  } catch (e) {
    fail(e);
  }
};
let filterTimer: ReturnType<typeof setTimeout> | undefined;
$("filter").addEventListener("input", () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(async () => {
    if (view !== "a" && view !== "b") return;
    filters[view] = ($("filter") as HTMLInputElement).value;
    singles[view].list.sel = -1;
    await singles[view].reload().catch(fail);
  }, 200);
});
$("search").addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  lastSearch = ($("search") as HTMLInputElement).value;
  void doSearch(e.shiftKey).catch(fail);
  currentList()?.el.focus();
});

// Drag and drop anywhere on the page.
let dragDepth = 0;
document.addEventListener("dragenter", (e) => {
  e.preventDefault();
  dragDepth++;
  document.body.classList.add("dragging");
});
document.addEventListener("dragleave", () => {
  if (--dragDepth <= 0) document.body.classList.remove("dragging");
});
document.addEventListener("dragover", (e) => e.preventDefault());
document.addEventListener("drop", (e) => {
  e.preventDefault();
  dragDepth = 0;
  document.body.classList.remove("dragging");
  const files = [...(e.dataTransfer?.files ?? [])];
  if (files.length) void openFiles(files);
});
window.addEventListener("hashchange", () => void applyHash().catch(fail));

/** Server mode: offer the tshark engine when the server can run tshark. */
async function setupEngines(): Promise<void> {
  const sel = $("engine") as HTMLSelectElement;
  const r = await backend.call<{ engine: string; engines: string[] }>("engines");
  sel.hidden = r.engines.length < 2;
  sel.value = r.engine;
  sel.onchange = async () => {
    sel.disabled = true;
    status(`reopening with the ${sel.value} engine…`);
    try {
      await backend.call("engine", { engine: sel.value });
      await resetLists();
      await refresh();
    } catch (e) {
      fail(e);
      const now = await backend.call<{ engine: string }>("engines").catch(() => undefined);
      if (now) sel.value = now.engine;
    } finally {
      sel.disabled = false;
    }
  };
}

async function start(): Promise<void> {
  // Selecting rows rewrites the hash: keep the deep link the page was opened with.
  const hash = location.hash;
  const saved = localStorage.getItem(RULES_KEY);
  if (saved) {
    try {
      await backend.call("rules", { rules: JSON.parse(saved) });
    } catch {
      localStorage.removeItem(RULES_KEY);
    }
  }
  if (mode === "server") await setupEngines();
  await refresh();
  view = info.a && info.b ? "diff" : "a";
  setView(view);
  await applyHash(hash);
  document.body.dataset.ready = "1";
}

void start().catch(fail);
