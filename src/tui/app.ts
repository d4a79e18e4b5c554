/**
 * The terminal UI: packet list(s) on top, the selected packet's detail tree (or the selected
 * pair's diff) below, as in the original smbcmp; plus search, filter, divergence jumps, profiles,
 * hex pane, mouse and help. State lives here; drawing goes through the diffing `Screen`.
 */
import { diffPackets, messageTree } from "../diff/align.js";
import type { SmbcmpConfig } from "../diff/config.js";
import type { IgnoreRules } from "../diff/ignore.js";
import type { Op } from "../diff/ops.js";
import { profileNames, profileRules } from "../diff/profiles.js";
import { opText } from "../diff/render/common.js";
import type { FieldNode } from "../dissect/tree.js";
import { compileFilter, type Filter, unseenNote } from "../filter/index.js";
import { packetRow } from "../trace/store.js";
import { type ByteSource, MsgFlag, type PacketInfo, type PacketList } from "../trace/types.js";
import type { WorkerTrace } from "../worker/trace.js";
import type { Alignment } from "./alignment.js";
import { type InputEvent, parseInput } from "./input.js";
import { type Action, type Bindings, DEFAULT_BINDINGS, makeBindings } from "./keys.js";
import { A, bg, C, fg, Screen } from "./screen.js";
import { diffLines, type Folds, fieldLines, followPath, hexLines, type Line } from "./view.js";

type PaneId = "list" | "listB" | "detail";

interface Pane {
  cur: number;
  top: number;
  /** Rows shown at the last render (for paging). */
  h: number;
}

interface Area {
  pane: PaneId;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface AppOptions {
  a: WorkerTrace;
  b?: WorkerTrace;
  config: SmbcmpConfig;
  profile?: string;
  /** Initial frame numbers (`FILE:NO`). */
  startA?: number;
  startB?: number;
  /** Initial list filter (-Y). */
  filter?: string;
  write(s: string): void;
  onQuit(): void;
}

const STATUS_PENDING = 0x103;
const MORE_PROCESSING = 0xc0000016;

function isError(p: PacketInfo): boolean {
  return p.messages.some(
    (m) =>
      (m.flags & MsgFlag.Malformed) !== 0 ||
      (m.isResponse && m.status >>> 30 === 3 && m.status >>> 0 !== MORE_PROCESSING),
  );
}

function packetAttr(p: PacketInfo): number {
  if (p.messages.some((m) => m.flags & MsgFlag.Malformed)) return fg(C.red) | A.bold;
  if (isError(p)) return fg(C.red);
  if (p.messages.some((m) => m.flags & MsgFlag.Encrypted)) return fg(C.magenta);
  if (p.messages.some((m) => m.status === STATUS_PENDING)) return A.dim;
  return 0;
}

/** Display-filter syntax (an operator, a keyword, or a bare protocol/field name) rather than free text. */
export function looksLikeFilter(text: string): boolean {
  const t = text.trim();
  return (
    /[=<>!~]|\b(contains|matches|and|or|not)\b|&&|\|\|/.test(t) ||
    /^(smb2?|nbss|frame|ntlmssp|spnego|gss-api|dcerpc|smbcmp|kerberos|tcp|ip)(\.[\w.]+)?$/i.test(t)
  );
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

export class App {
  readonly screen: Screen;
  private bind: Bindings;
  private a: WorkerTrace;
  private b?: WorkerTrace;
  private panes: Record<PaneId, Pane> = {
    list: { cur: 0, top: 0, h: 1 },
    listB: { cur: 0, top: 0, h: 1 },
    detail: { cur: 0, top: 0, h: 1 },
  };
  private focus: PaneId = "list";
  private linked = true;
  private hex = false;
  private showSame = false;
  private help = false;
  private folds: Folds = new Map();
  private prompt?: { kind: "search" | "filter"; text: string };
  private search = "";
  private filter = "";
  /** The filter compiled as a display filter (src/filter), when it reads as one. */
  private dfilter?: Filter;
  private status = "";
  private statusAttr = 0;
  private profile: string;
  private rules?: IgnoreRules;
  private result?: Alignment;
  /** Diff mode: the alignment from the worker, kept until both traces are loaded here too. */
  private pending?: Alignment;
  /** When the align worker started aligning (for the elapsed time shown meanwhile). */
  private aligningSince = 0;
  private aligningPackets = 0;
  private closed = false;
  private alignError?: string;
  private ticker?: ReturnType<typeof setInterval>;
  /** The next step of comparing the aligned pairs' fields (Alignment.deepenStep), while one is due. */
  private deepening?: ReturnType<typeof setImmediate>;
  /** The alignment summary last put on the status line (it is updated while it is still shown). */
  private summaryShown = "";
  /** Row indices (aligned rows in linked diff mode, packet indices otherwise) after filtering. */
  private rowsA: number[] = [];
  private rowsB: number[] = [];
  private filteredFor = "";
  /** Packets already filtered into rowsA / rowsB (unaligned lists grow as packets load). */
  private scannedA = 0;
  private scannedB = 0;
  private lines: Line[] = [];
  private linesFor = "";
  private areas: Area[] = [];
  private ratio: number;
  private scheduled = false;
  private lastProgress = 0;

  constructor(private readonly o: AppOptions) {
    this.screen = new Screen(o.write);
    this.a = o.a;
    this.b = o.b;
    this.bind = makeBindings(o.config.keys);
    this.profile = o.profile ?? o.config.defaultProfile ?? "default";
    const r = o.config.vsplitRatio;
    this.ratio = r !== undefined && r > 0.05 && r < 0.95 ? r : 0.5;
    const warn = [...o.config.warnings, ...this.bind.warnings];
    if (warn.length) this.setStatus(`config: ${warn[0]}`, fg(C.yellow));
    if (o.filter) this.applyFilter(o.filter);
  }

  get diffMode(): boolean {
    return !!this.b;
  }

  private setStatus(s: string, attr = 0): void {
    this.status = s;
    this.statusAttr = attr;
  }

  // ---- loading --------------------------------------------------------------------------

  onProgress(): void {
    const now = Date.now();
    if (now - this.lastProgress < 50) return;
    this.lastProgress = now;
    // No invalidateRows(): refreshRows sees the longer packet arrays and scans only the new packets.
    this.render();
  }

  onLoaded(): void {
    if (this.b && !(this.a.loaded && this.b.loaded)) {
      this.render();
      return;
    }
    const w = [...this.a.warnings, ...(this.b?.warnings ?? [])];
    const sealed = this.b ? 0 : encryptedCount(this.a.packets);
    // A missing key is the commonest reason for an unreadable trace: say it where it is seen.
    if (sealed)
      w.unshift(
        `${sealed} packet${sealed === 1 ? " is" : "s are"} still encrypted: no key for their session (-k SESSID,KEY or --keys FILE)`,
      );
    // In diff mode the status line holds the alignment summary (or why it failed).
    if (w.length && !this.b)
      this.setStatus(`warning: ${w[0]}${w.length > 1 ? ` (+${w.length - 1} more)` : ""}`, fg(C.yellow));
    else if (!this.status && !this.b) this.setStatus("press ? for help");
    if (this.filter && !this.b) this.applyFilter(this.filter);
    if (this.b && !this.pending && !this.alignError) {
      this.setStatus("aligning the two traces in the background… (keys work meanwhile)", fg(C.yellow));
      this.aligningSince ||= Date.now();
      this.ticker ??= setInterval(() => this.render(), 250);
      this.ticker.unref?.();
    }
    if (this.b) this.applyAlignment();
    else this.jumpToStart();
    this.render();
  }

  onError(): void {
    const e = this.a.error ?? this.b?.error;
    this.setStatus(`error: ${e} — press q to quit`, fg(C.red) | A.bold);
    this.stopTicker();
    this.render();
  }

  /** The align worker has both traces and aligns them: keys keep working, the title shows the time. */
  onAligning(packets = 0): void {
    this.aligningSince ||= Date.now();
    this.aligningPackets = packets;
    this.setStatus(
      "aligning the two traces in the background… (keys work; lists are unaligned until done)",
      fg(C.yellow),
    );
    this.ticker ??= setInterval(() => this.render(), 250);
    this.ticker.unref?.();
    this.render();
  }

  onAligned(al: Alignment): void {
    this.pending = al;
    this.stopTicker();
    this.applyAlignment();
    this.render();
  }

  onAlignError(message: string): void {
    this.alignError = message;
    this.stopTicker();
    this.setStatus(`diff failed: ${message}`, fg(C.red));
    this.render();
  }

  /** Stops drawing (the terminal is being given back): no timer may paint after this. */
  close(): void {
    this.closed = true;
    this.stopTicker();
    if (this.deepening) clearImmediate(this.deepening);
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Shows the alignment once it is there and both traces are loaded on this side too. */
  private applyAlignment(): void {
    if (!this.pending || this.result || !this.a.loaded || !this.b?.loaded) return;
    const al = this.pending;
    al.rules = this.pairRules();
    this.result = al;
    // Small pairs have all their fields compared before the cursor goes to the first divergence;
    // bigger ones go on in the background (deepen).
    al.deepenStep(200);
    this.summaryShown = this.summaryText();
    this.setStatus(this.summaryShown);
    if (this.filter) this.applyFilter(this.filter);
    this.invalidateRows();
    this.refreshRows();
    this.jumpToStart();
  }

  private summaryText(): string {
    const al = this.result!;
    const s = al.summary;
    const more = al.deepDone ? "" : " (comparing fields…)";
    return `${s.ops} ops: ${s.same} same, ${s.differ} differ, ${s.onlyA} only in A, ${s.onlyB} only in B${more} — ] next divergence, ? help`;
  }

  /**
   * Compares the aligned pairs' fields in the background, a few milliseconds per turn of the event
   * loop (keys are read in between): pairs that differ only in a field become divergences. Started
   * again by render() after a rules change.
   */
  private deepen(): void {
    if (this.deepening || this.closed || !this.result || this.result.deepDone) return;
    const al = this.result;
    this.deepening = setImmediate(() => {
      this.deepening = undefined;
      if (this.closed || this.result !== al) return;
      const { done, changed } = al.deepenStep(15);
      if (changed || done) {
        if (changed) this.invalidateRows();
        // The summary follows while it is what the status line shows.
        const text = this.summaryText();
        if (this.status === this.summaryShown) this.setStatus(text);
        this.summaryShown = text;
        this.render();
      }
      if (!done) this.deepen();
    });
  }

  /** True while the title bar shows a loading or aligning indicator (render() repeats then). */
  get busy(): boolean {
    return !!this.ticker;
  }

  private jumpToStart(): void {
    const { startA, startB } = this.o;
    if (this.diffMode && this.result) {
      if (startA !== undefined || startB !== undefined) {
        // `A.pcap:12 B.pcap:14`: the original smbcmp's pair selection, unlinked.
        this.linked = false;
        this.panes.list.cur = Math.max(0, this.rowsA.indexOf(this.a.indexOf(startA ?? -1)));
        this.panes.listB.cur = Math.max(0, this.rowsB.indexOf(this.b!.indexOf(startB ?? -1)));
        this.invalidateRows();
      } else if (this.result.firstDivergence >= 0) {
        this.panes.list.cur = Math.max(0, this.rowsA.indexOf(this.result.firstDivergence));
      }
    } else if (startA !== undefined) {
      this.panes.list.cur = Math.max(0, this.rowsA.indexOf(this.a.indexOf(startA)));
    }
  }

  // ---- rows -----------------------------------------------------------------------------

  private invalidateRows(): void {
    this.filteredFor = "";
  }

  private opLabel(t: WorkerTrace, op: Op | undefined): string {
    if (!op) return "";
    const first = op.req ?? op.resp;
    const no = first ? t.packets.at(first.pkt)!.no : 0;
    return `${String(no).padStart(6)} ${opText(t, op)}`;
  }

  private packetLabel(p: PacketInfo, t0: number): string {
    return `${String(p.no).padStart(6)} ${(p.time - t0).toFixed(6).padStart(11)}  ${p.summary}`;
  }

  private refreshRows(): void {
    // Loading only changes which packets a filter on tree fields can test.
    const loaded = this.dfilter?.needsTree ? `${this.a.loaded}|${this.b?.loaded}` : "";
    const base = `${this.filter}|${this.linked}|${loaded}|${!!this.result}|${this.rules?.version}|${this.profile}`;
    const key = `${base}|${this.a.packets.length}|${this.b?.packets.length}`;
    if (key === this.filteredFor) return;
    // While packets stream in, only the new ones are looked at (a render every 50 ms must not
    // rescan a million packets).
    const grow = !this.result && this.filteredFor.startsWith(`${base}|`);
    this.filteredFor = key;
    const f = this.filter.toLowerCase();
    const df = this.dfilter;
    const pktOk = (t: WorkerTrace, i: number): boolean => {
      if (df) return (t.loaded || !df.needsTree) && df.matches(t, i);
      const p = packetRow(t.packets, i)!; // the summary only: no messages built
      return p.summary.toLowerCase().includes(f) || String(p.no) === f;
    };
    const opOk = (t: WorkerTrace, op: Op | undefined): boolean => {
      if (!op) return false;
      if (!df && this.opLabel(t, op).toLowerCase().includes(f)) return true;
      return [op.req, ...op.interim, op.resp, ...(op.more ?? [])].some(
        (r) => r !== undefined && pktOk(t, r.pkt),
      );
    };
    if (this.result && this.linked) {
      const r = this.result;
      this.rowsA = [];
      for (let i = 0; i < r.length; i++) {
        if (!f) {
          this.rowsA.push(i);
          continue;
        }
        const row = r.row(i);
        if (opOk(this.a, row.a) || opOk(this.b!, row.b)) this.rowsA.push(i);
      }
      this.rowsB = this.rowsA;
    } else {
      const pick = (t: WorkerTrace, prev: number[], from: number) => {
        const out = grow ? prev : [];
        for (let i = grow ? from : 0; i < t.packets.length; i++) if (!f || pktOk(t, i)) out.push(i);
        return out;
      };
      this.rowsA = pick(this.a, this.rowsA, this.scannedA);
      this.rowsB = this.b ? pick(this.b, this.rowsB, this.scannedB) : [];
      this.scannedA = this.a.packets.length;
      this.scannedB = this.b?.packets.length ?? 0;
    }
    for (const id of ["list", "listB"] as const) {
      const p = this.panes[id];
      const n = id === "list" ? this.rowsA.length : this.rowsB.length;
      p.cur = clamp(p.cur, 0, Math.max(0, n - 1));
    }
  }

  /** The detail pane's identity: what it shows (to keep its cursor when nothing changed). */
  private detailKey(): string {
    return `${this.detailItem()}:${this.a.loaded}:${this.b?.loaded}`;
  }

  private detailItem(): string {
    const pa = this.panes.list.cur;
    if (this.result && this.linked)
      return `row:${this.rowsA[pa]}:${this.result.rules.version}:${this.showSame}:${this.profile}`;
    if (this.b)
      return `pair:${this.rowsA[pa]}:${this.rowsB[this.panes.listB.cur]}:${this.rules?.version}:${this.showSame}`;
    return `pkt:${this.rowsA[pa]}`;
  }

  private buildLines(all = false): Line[] {
    if (!this.a.loaded || (this.b && !this.b.loaded)) return [];
    try {
      if (this.result && this.linked) {
        const i = this.rowsA[this.panes.list.cur];
        if (i === undefined) return [];
        const d = this.result.fieldDiff(i);
        const out: Line[] = [];
        const head = (text: string, attr: number): Line => ({
          text,
          attr,
          depth: 0,
          key: "",
          hasChildren: false,
          expanded: false,
          parents: [],
        });
        if (d.error) out.push(head(`error: ${d.error}`, fg(C.red) | A.bold));
        const row = this.result.row(i);
        out.push(
          head(
            `${row.kind.toUpperCase()} — ${d.count} difference${d.count === 1 ? "" : "s"} (profile ${this.profile}${this.showSame ? "" : ", SAME hidden: s"})`,
            A.bold,
          ),
        );
        d.parts.forEach((part, k) => {
          const fa = part.aFrame !== undefined ? `A#${part.aFrame}` : "A —";
          const fb = part.bFrame !== undefined ? `B#${part.bFrame}` : "B —";
          out.push({ ...head(`── ${part.role}  ${fa} ↔ ${fb}`, fg(C.cyan) | A.bold), part: k });
          for (const l of diffLines(part.nodes, this.folds, this.showSame, `${part.role}`, all))
            out.push({ ...l, part: k });
        });
        return out;
      }
      if (this.b) {
        const pa = this.a.packets.at(this.rowsA[this.panes.list.cur] ?? -1);
        const pb = this.b.packets.at(this.rowsB[this.panes.listB.cur] ?? -1);
        if (!pa || !pb) return [];
        const d = diffPackets(this.a, pa.no, this.b, pb.no, { rules: this.pairRules() });
        const head: Line = {
          text: `A#${pa.no} ↔ B#${pb.no} — ${d.count} difference${d.count === 1 ? "" : "s"} (unlinked; u to link)`,
          attr: A.bold,
          depth: 0,
          key: "",
          hasChildren: false,
          expanded: false,
          parents: [],
        };
        if (d.error) return [head, { ...head, text: `error: ${d.error}`, attr: fg(C.red) }];
        return [head, ...diffLines(d.nodes, this.folds, this.showSame, "pkt", all)];
      }
      const p = this.a.packets.at(this.rowsA[this.panes.list.cur] ?? -1);
      if (!p) return [];
      return fieldLines(this.a.tree(p.no, { allLayers: true }), this.folds, all);
    } catch (e) {
      return [
        {
          text: `cannot build this packet's tree: ${(e as Error).message}`,
          attr: fg(C.red),
          depth: 0,
          key: "",
          hasChildren: false,
          expanded: false,
          parents: [],
        },
      ];
    }
  }

  private pairRules(): IgnoreRules {
    if (this.rules) return this.rules;
    try {
      this.rules = profileRules(this.profile, this.o.config.profiles);
    } catch (e) {
      this.setStatus(`profile: ${(e as Error).message}`, fg(C.red));
      this.profile = "default";
      this.rules = profileRules("default", this.o.config.profiles);
    }
    return this.rules;
  }

  private refreshLines(): void {
    const key = this.detailKey();
    if (key === this.linesFor) return;
    const sameItem = key.split(":").slice(0, 3).join(":") === this.linesFor.split(":").slice(0, 3).join(":");
    this.linesFor = key;
    this.lines = this.buildLines();
    if (!sameItem) {
      this.panes.detail.cur = 0;
      this.panes.detail.top = 0;
    }
    this.panes.detail.cur = clamp(this.panes.detail.cur, 0, Math.max(0, this.lines.length - 1));
  }

  private rebuildLines(): void {
    this.linesFor = "";
    const { cur, top } = this.panes.detail;
    this.refreshLines();
    this.panes.detail.cur = clamp(cur, 0, Math.max(0, this.lines.length - 1));
    this.panes.detail.top = top;
  }

  // ---- input ----------------------------------------------------------------------------

  onData(data: string): void {
    for (const ev of parseInput(data)) {
      // Each key acts on what the previous one left on screen (keys often arrive in one chunk).
      this.refreshRows();
      this.refreshLines();
      this.onEvent(ev);
    }
    this.render();
  }

  private onEvent(ev: InputEvent): void {
    if (ev.type === "mouse") {
      this.onMouse(ev);
      return;
    }
    const key = ev.key;
    if (this.prompt) {
      this.onPromptKey(key);
      return;
    }
    if (this.help) {
      this.help = false;
      return;
    }
    if (key === "esc") {
      if (this.search) {
        this.search = "";
        this.setStatus("search cleared");
      }
      return;
    }
    let action = this.bind.map.get(key);
    // While a search is active, n / N step through matches (n otherwise scrolls the diff).
    if (this.search && key === "n") action = "search_next";
    if (this.search && key === "N") action = "search_prev";
    if (action) this.act(action);
  }

  private onPromptKey(key: string): void {
    const p = this.prompt!;
    if (key === "esc" || key === "C-c" || key === "C-g") {
      this.prompt = undefined;
      return;
    }
    if (key === "enter") {
      this.prompt = undefined;
      if (p.kind === "search") {
        this.search = p.text;
        if (p.text) this.findNext(1, true);
      } else {
        this.applyFilter(p.text);
      }
      return;
    }
    if (key === "backspace") p.text = p.text.slice(0, -1);
    else if (key === "C-u") p.text = "";
    else if (key === "space") p.text += " ";
    else if ([...key].length === 1) p.text += key;
  }

  /** Sets the list filter: a display filter when the text reads as one, else a summary substring. */
  applyFilter(text: string): void {
    this.filter = text;
    this.dfilter = undefined;
    let note = "substring of the summary";
    if (looksLikeFilter(text)) {
      try {
        this.dfilter = compileFilter(text);
        note = "display filter";
      } catch (e) {
        note = `not a display filter (${(e as Error).message}); substring match`;
      }
    }
    this.invalidateRows();
    this.refreshRows();
    const n = this.rowsA.length;
    const loading = !this.a.loaded || (this.b && !this.b.loaded);
    // A misspelt field matches nothing: say which fields no packet had.
    const unseen = this.dfilter && !loading ? unseenNote(this.dfilter) : "";
    note += unseen;
    this.setStatus(
      text
        ? `filter "${text}" (${note}): ${loading ? "applied as packets load" : `${n} row${n === 1 ? "" : "s"}`}`
        : "filter cleared",
      (this.dfilter || !looksLikeFilter(text)) && !unseen ? 0 : fg(C.yellow),
    );
  }

  private listPane(): "list" | "listB" {
    return this.focus === "listB" ? "listB" : "list";
  }

  private listLen(id: "list" | "listB"): number {
    return id === "list" ? this.rowsA.length : this.rowsB.length;
  }

  private moveList(id: "list" | "listB", delta: number, abs?: number): void {
    const p = this.panes[id];
    const n = this.listLen(id);
    p.cur = clamp(abs ?? p.cur + delta, 0, Math.max(0, n - 1));
  }

  private moveDetail(delta: number, abs?: number): void {
    const p = this.panes.detail;
    p.cur = clamp(abs ?? p.cur + delta, 0, Math.max(0, this.lines.length - 1));
  }

  private move(delta: number, abs?: number): void {
    if (this.focus === "detail") this.moveDetail(delta, abs);
    else this.moveList(this.listPane(), delta, abs);
  }

  private act(a: Action): void {
    const page = Math.max(1, (this.focus === "detail" ? this.panes.detail.h : this.panes.list.h) - 1);
    switch (a) {
      case "quit":
        this.o.onQuit();
        return;
      case "up":
        this.move(-1);
        return;
      case "down":
        this.move(1);
        return;
      case "page_up":
        this.move(-page);
        return;
      case "page_down":
        this.move(page);
        return;
      case "top":
        this.move(0, 0);
        return;
      case "bottom":
        this.move(0, Number.MAX_SAFE_INTEGER);
        return;
      case "prev":
        this.moveList(this.linked ? "list" : this.listPane(), -1);
        return;
      case "next":
        this.moveList(this.linked ? "list" : this.listPane(), 1);
        return;
      case "scroll_up":
      case "scroll_down": {
        const d = this.panes.detail;
        const step = Math.max(1, d.h - 2) * (a === "scroll_up" ? -1 : 1);
        d.top = clamp(d.top + step, 0, Math.max(0, this.lines.length - d.h));
        d.cur = clamp(d.cur + step, d.top, Math.max(d.top, Math.min(this.lines.length - 1, d.top + d.h - 1)));
        return;
      }
      case "next_div":
      case "prev_div":
        this.jumpDivergence(a === "next_div" ? 1 : -1);
        return;
      case "ignore":
        this.toggleIgnore();
        return;
      case "same":
        this.showSame = !this.showSame;
        this.setStatus(this.showSame ? "SAME fields shown (dim)" : "SAME fields hidden");
        this.rebuildLines();
        return;
      case "profile":
        this.nextProfile();
        return;
      case "link":
        this.toggleLink();
        return;
      case "focus": {
        const order: PaneId[] = this.b && !this.linked ? ["list", "listB", "detail"] : ["list", "detail"];
        this.focus = order[(order.indexOf(this.focus) + 1) % order.length]!;
        return;
      }
      case "toggle":
        this.toggleFold();
        return;
      case "expand_all":
      case "collapse_all":
        this.foldAll(a === "expand_all");
        return;
      case "hex":
        this.hex = !this.hex;
        return;
      case "search":
        this.prompt = { kind: "search", text: "" };
        return;
      case "search_next":
      case "search_prev":
        if (!this.search) this.setStatus("no search: press / first");
        else this.findNext(a === "search_next" ? 1 : -1, false);
        return;
      case "filter":
        this.prompt = { kind: "filter", text: this.filter };
        return;
      case "help":
        this.help = true;
        return;
      case "split_up":
      case "split_down":
        this.ratio = clamp(this.ratio + (a === "split_up" ? -0.05 : 0.05), 0.1, 0.9);
        return;
      case "redraw":
        this.screen.invalidate();
        return;
    }
  }

  private toggleLink(): void {
    if (!this.b || !this.result) {
      this.setStatus(this.b ? "still loading" : "link/unlink is for diff mode");
      return;
    }
    const cur = this.rowsA[this.panes.list.cur];
    const row = cur === undefined ? undefined : this.result.row(cur);
    this.linked = !this.linked;
    this.invalidateRows();
    this.refreshRows();
    if (!this.linked) {
      // Keep the pair that was selected.
      const pk = (op: Op | undefined) => (op ? (op.req ?? op.resp)?.pkt : undefined);
      const ia = pk(row?.a);
      const ib = pk(row?.b);
      if (ia !== undefined) this.panes.list.cur = Math.max(0, this.rowsA.indexOf(ia));
      if (ib !== undefined) this.panes.listB.cur = Math.max(0, this.rowsB.indexOf(ib));
      this.setStatus("lists unlinked: tab to pick a side, d/f or j/k to move it; u to link again");
    } else {
      const ia = this.rowsA[this.panes.list.cur];
      let r = -1;
      for (let k = 0; k < this.result.length && r < 0; k++) if (this.result.firstPacket("a", k) === ia) r = k;
      this.panes.list.cur = Math.max(0, this.rowsA.indexOf(r));
      if (this.focus === "listB") this.focus = "list";
      this.setStatus("lists linked");
    }
  }

  private jumpDivergence(dir: 1 | -1): void {
    const id = this.linked ? "list" : this.listPane();
    const rows = id === "list" ? this.rowsA : this.rowsB;
    const bad = (i: number): boolean => {
      if (this.result && this.linked) return this.result.kind(i) !== "same";
      const t = id === "list" ? this.a : this.b!;
      return isError(t.packets.at(i)!);
    };
    const p = this.panes[id];
    for (let k = p.cur + dir; k >= 0 && k < rows.length; k += dir)
      if (bad(rows[k]!)) {
        p.cur = k;
        return;
      }
    this.setStatus(
      `no ${dir > 0 ? "next" : "previous"} ${this.result && this.linked ? "divergence" : "error"}`,
    );
  }

  private toggleIgnore(): void {
    if (!this.b) {
      this.setStatus("ignoring fields is for diff mode");
      return;
    }
    const l = this.lines[this.panes.detail.cur];
    if (!l?.name) {
      this.setStatus("no field under the diff cursor (tab to the diff pane, j/k to pick one)");
      return;
    }
    const rules = this.pairRules();
    const now = rules.toggle(l.name);
    this.setStatus(`${l.name} ${now ? "ignored" : "no longer ignored"}`, fg(C.cyan));
    this.rebuildLines();
  }

  private nextProfile(): void {
    if (!this.b) {
      this.setStatus("profiles are for diff mode");
      return;
    }
    const names = profileNames(this.o.config.profiles);
    this.profile = names[(names.indexOf(this.profile) + 1) % names.length]!;
    const row = this.rowsA[this.panes.list.cur];
    // Alignment does not depend on the ignore rules: only the field diffs change.
    this.rules = undefined;
    if (this.result) this.result.rules = this.pairRules();
    this.invalidateRows();
    this.refreshRows();
    if (row !== undefined) this.panes.list.cur = Math.max(0, this.rowsA.indexOf(row));
    this.setStatus(`profile: ${this.profile} (${names.join(", ")})`, fg(C.cyan));
    this.rebuildLines();
  }

  private toggleFold(): void {
    if (this.focus !== "detail") {
      this.focus = "detail";
      return;
    }
    const l = this.lines[this.panes.detail.cur];
    if (!l?.hasChildren) return;
    this.folds.set(l.key, !l.expanded);
    this.rebuildLines();
  }

  private foldAll(open: boolean): void {
    for (const l of this.buildLines(true)) if (l.hasChildren) this.folds.set(l.key, open);
    this.rebuildLines();
  }

  private findNext(dir: 1 | -1, fromHere: boolean): void {
    const q = this.search.toLowerCase();
    if (this.focus === "detail") {
      const all = this.buildLines(true);
      const curKey = this.lines[this.panes.detail.cur]?.key;
      let start = all.findIndex((l) => l.key === curKey && l.key !== "");
      if (start < 0) start = this.panes.detail.cur;
      for (let k = 1; k <= all.length; k++) {
        const i = (start + (fromHere ? k - 1 : k) * dir + all.length * 2) % all.length;
        const l = all[i]!;
        if (l.text.toLowerCase().includes(q)) {
          for (const p of l.parents) this.folds.set(p, true);
          this.rebuildLines();
          const j = this.lines.findIndex((x) => x.key === l.key && x.text === l.text);
          if (j >= 0) this.panes.detail.cur = j;
          return;
        }
      }
    } else {
      const id = this.listPane();
      const rows = id === "list" ? this.rowsA : this.rowsB;
      const p = this.panes[id];
      for (let k = 1; k <= rows.length; k++) {
        const i = (p.cur + (fromHere ? k - 1 : k) * dir + rows.length * 2) % rows.length;
        if (this.rowText(id, rows[i]!).text.toLowerCase().includes(q)) {
          p.cur = i;
          return;
        }
      }
    }
    this.setStatus(`"${this.search}" not found`, fg(C.yellow));
  }

  private onMouse(ev: Extract<InputEvent, { type: "mouse" }>): void {
    if (ev.release) return;
    const area = this.areas.find((r) => ev.x >= r.x && ev.x < r.x + r.w && ev.y >= r.y && ev.y < r.y + r.h);
    if (!area) return;
    const btn = ev.button & ~(4 | 8 | 16 | 32);
    if (btn === 64 || btn === 65) {
      const d = btn === 64 ? -3 : 3;
      if (area.pane === "detail") {
        const p = this.panes.detail;
        p.top = clamp(p.top + d, 0, Math.max(0, this.lines.length - p.h));
        p.cur = clamp(p.cur, p.top, p.top + p.h - 1);
      } else this.moveList(this.linked ? "list" : area.pane, d);
      return;
    }
    if (btn !== 0 || ev.button & 32) return;
    const pane = this.linked && area.pane === "listB" ? "list" : area.pane;
    const idx = this.panes[pane].top + (ev.y - area.y);
    if (pane === "detail") {
      if (idx >= this.lines.length) return;
      const again = this.focus === "detail" && this.panes.detail.cur === idx;
      this.focus = "detail";
      this.panes.detail.cur = idx;
      if (again) this.toggleFold();
    } else {
      this.focus = pane;
      if (idx < this.listLen(pane)) this.panes[pane].cur = idx;
    }
  }

  // ---- drawing --------------------------------------------------------------------------

  resize(w: number, h: number): void {
    this.screen.resize(w, h);
    this.render();
  }

  /** Coalesces renders requested from several events in one tick. */
  requestRender(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.render();
    });
  }

  private rowText(id: "list" | "listB", i: number): { text: string; attr: number } {
    if (this.result && this.linked) {
      const row = this.result.row(i);
      const op = id === "list" ? row.a : row.b;
      const t = id === "list" ? this.a : this.b!;
      const mark = { same: " ", differ: "!", "only-a": "-", "only-b": "+" }[row.kind];
      const attr =
        row.kind === "differ"
          ? fg(C.yellow) | A.bold
          : row.kind === "only-a"
            ? fg(C.red)
            : row.kind === "only-b"
              ? fg(C.green)
              : 0;
      if (!op)
        return { text: `${mark}     ·  (only in ${row.kind === "only-a" ? "A" : "B"})`, attr: attr | A.dim };
      return { text: `${mark}${this.opLabel(t, op)}`, attr };
    }
    const t = id === "list" ? this.a : this.b!;
    const p = t.packets.at(i)!;
    return { text: this.packetLabel(p, packetRow(t.packets, 0)?.time ?? 0), attr: packetAttr(p) };
  }

  private drawList(id: "list" | "listB", x: number, y: number, w: number, h: number): void {
    const s = this.screen;
    // Linked lists share one cursor and one scroll position: they scroll together.
    const p = this.result && this.linked ? this.panes.list : this.panes[id];
    p.h = h;
    const rows = id === "list" ? this.rowsA : this.rowsB;
    const n = rows.length;
    if (p.cur < p.top) p.top = p.cur;
    if (p.cur >= p.top + h) p.top = p.cur - h + 1;
    p.top = clamp(p.top, 0, Math.max(0, n - h));
    this.areas.push({ pane: id, x, y, w, h });
    const focused = this.focus === id || (this.linked && this.focus === "listB");
    for (let r = 0; r < h; r++) {
      const k = p.top + r;
      if (k >= n) break;
      const { text, attr } = this.rowText(id, rows[k]!);
      s.text(x, y + r, text, attr, w);
      this.highlight(x, y + r, w, text);
      if (k === p.cur) s.paint(x, y + r, w, focused ? A.reverse : A.underline);
    }
    if (!n) {
      const t = id === "list" ? this.a : this.b!;
      const msg = t.error
        ? `cannot open: ${t.error}`
        : !t.loaded
          ? "loading…"
          : this.filter
            ? `no packet matches "${this.filter}" (F to change)`
            : "no SMB packets in this capture";
      s.text(x + 1, y, msg, t.error ? fg(C.red) | A.bold : A.dim, w - 1);
    }
  }

  private highlight(x: number, y: number, w: number, text: string): void {
    if (!this.search) return;
    const q = this.search.toLowerCase();
    const lt = text.toLowerCase();
    for (let i = lt.indexOf(q); i >= 0 && i < w; i = lt.indexOf(q, i + 1))
      this.screen.paint(x + i, y, Math.min(q.length, w - i), bg(C.yellow) | fg(0) | A.bold);
  }

  private drawDetail(x: number, y: number, w: number, h: number): void {
    const s = this.screen;
    const p = this.panes.detail;
    p.h = h;
    const n = this.lines.length;
    if (p.cur < p.top) p.top = p.cur;
    if (p.cur >= p.top + h) p.top = p.cur - h + 1;
    p.top = clamp(p.top, 0, Math.max(0, n - h));
    this.areas.push({ pane: "detail", x, y, w, h });
    for (let r = 0; r < h; r++) {
      const k = p.top + r;
      const l = this.lines[k];
      if (!l) break;
      const marker = l.hasChildren ? (l.expanded ? "▾ " : "▸ ") : "  ";
      const text = `${"  ".repeat(l.depth)}${marker}${l.text}`;
      s.text(x, y + r, text, l.attr, w);
      this.highlight(x, y + r, w, text);
      if (k === p.cur) s.paint(x, y + r, w, this.focus === "detail" ? A.reverse : A.underline);
    }
    if (!n) {
      const msg =
        this.a.error || this.b?.error ? "" : !this.a.loaded || (this.b && !this.b.loaded) ? "loading…" : "";
      s.text(x + 1, y, msg, A.dim, w - 1);
    }
  }

  /** Single mode: the selected field's bytes; returns the title of what is shown. */
  private drawHex(x: number, y: number, w: number, h: number): string {
    const l = this.lines[this.panes.detail.cur];
    const p = this.a.packets.at(this.rowsA[this.panes.list.cur] ?? -1);
    if (!p || !this.a.loaded) return "";
    const inNbss = l?.name?.startsWith("nbss");
    return this.drawBytes(x, y, w, h, this.a, p.no, Math.max(0, l?.pdu ?? 0), inNbss ? undefined : l?.field);
  }

  /**
   * Hex dump of the bytes `field` of packet `no` was dissected from, scrolled to it and with its
   * bytes marked: the plaintext it came out of (decrypted, decompressed) when it has a `src`, else
   * PDU `pdu`. Returns that source's label when the packet has more than one ("PDU 1", "Decrypted
   * SMB3"), "" otherwise.
   */
  private drawBytes(
    x: number,
    y: number,
    w: number,
    h: number,
    t: WorkerTrace,
    no: number,
    pdu: number,
    field?: FieldNode,
  ): string {
    const s = this.screen;
    let sources: ByteSource[];
    try {
      sources = t.byteSources(no);
    } catch (e) {
      s.text(x, y, `no bytes: ${(e as Error).message}`, fg(C.red), w);
      return "";
    }
    const src = sources[field?.src ?? pdu] ?? sources[0];
    if (!src) return "";
    const data = src.bytes;
    const from = field && field.offset >= 0 ? field.offset : -1;
    const to = from >= 0 ? from + field!.length : -1;
    const first = from >= 0 ? Math.floor(from / 16) : 0;
    const top = clamp(first - 1, 0, Math.max(0, Math.ceil(data.length / 16) - h));
    const hl = hexLines(data, from, to, top, h);
    for (let r = 0; r < hl.length; r++) {
      const line = hl[r]!;
      s.text(x, y + r, line.text, 0, w);
      for (const [c, n] of line.hl)
        if (c < w) s.paint(x + c, y + r, Math.min(n, w - c), A.reverse | fg(C.cyan), true);
    }
    return sources.length > 1 ? src.label : "";
  }

  /**
   * Diff mode: where the field under the diff cursor is on one side — packet, PDU and field node —
   * found by following the diff path into that side's tree; a message why not otherwise.
   */
  private sideField(
    side: "a" | "b",
  ): { t: WorkerTrace; no: number; pdu: number; field?: FieldNode } | string {
    const t = side === "a" ? this.a : this.b!;
    const l = this.lines[this.panes.detail.cur];
    let no: number | undefined;
    let roots: FieldNode[];
    if (this.result && this.linked) {
      const i = this.rowsA[this.panes.list.cur];
      if (i === undefined || l?.part === undefined) return "";
      const part = this.result.fieldDiff(i).parts[l.part];
      const ref = side === "a" ? part?.aRef : part?.bRef;
      if (!ref) return `no ${side === "a" ? "A" : "B"} message in this pair`;
      no = t.packets.at(ref.pkt)?.no;
      roots = messageTree(t, ref);
    } else {
      const rows = side === "a" ? this.rowsA : this.rowsB;
      const pane = side === "a" ? this.panes.list : this.panes.listB;
      no = t.packets.at(rows[pane.cur] ?? -1)?.no;
      if (no === undefined) return "";
      roots = t.tree(no);
    }
    if (no === undefined) return "";
    const chain = l?.path ? followPath(roots, l.path, side) : [];
    const top = chain[0] ?? roots[0];
    // The PDU: which top-level node of the whole-packet tree this is, counted in the all-layers
    // tree, where each NBSS node starts the next PDU.
    let pdu = 0;
    if (top) {
      const full = t.tree(no);
      const occ = full.slice(0, Math.max(0, full.indexOf(top))).filter((n) => n.name === top.name).length;
      let k = -1;
      let seen = 0;
      for (const n of t.tree(no, { allLayers: true })) {
        if (n.name === "nbss" || k < 0) k++;
        if (n.name === top.name && seen++ === occ) {
          pdu = k;
          break;
        }
      }
    }
    const field = chain.at(-1);
    if (l?.path && !field) return `${side === "a" ? "A" : "B"}#${no}: this field is not on this side`;
    return { t, no, pdu, field };
  }

  /** Diff mode: the selected field's bytes on side A (left) and side B (right). */
  private drawHexPair(x: number, y: number, w: number, h: number): void {
    const s = this.screen;
    if (!this.a.loaded || !this.b?.loaded) return;
    const half = Math.floor((w - 1) / 2);
    s.fill(x + half, y, 1, h, A.dim, "│");
    for (const side of ["a", "b"] as const) {
      const xx = side === "a" ? x : x + half + 1;
      const ww = side === "a" ? half : w - half - 1;
      let f: ReturnType<App["sideField"]>;
      try {
        f = this.sideField(side);
      } catch (e) {
        f = `no bytes: ${(e as Error).message}`;
      }
      if (typeof f === "string") {
        s.text(xx + 1, y, f, A.dim, ww - 1);
        continue;
      }
      const label = this.drawBytes(xx, y + 1, ww, h - 1, f.t, f.no, f.pdu, f.field);
      const title = `${side.toUpperCase()}#${f.no}${f.field ? ` ${f.field.name}` : ""}`;
      s.text(xx, y, label ? `${title} · ${label}` : title, A.bold, ww);
    }
  }

  render(): void {
    const s = this.screen;
    if (!s.w || this.closed) return;
    this.deepen();
    this.refreshRows();
    this.refreshLines();
    s.clear();
    this.areas = [];
    const W = s.w;
    const H = s.h;
    // Title bar.
    const title = this.titleText();
    s.fill(0, 0, W, 1, A.reverse);
    s.text(0, 0, title, A.reverse | A.bold);
    const loading = [this.a, this.b].filter((t): t is WorkerTrace => !!t && !t.loaded && !t.error);
    if (loading.length) {
      const done = loading.reduce((x, t) => x + t.done, 0);
      const total = loading.reduce((x, t) => x + t.total, 0) || 1;
      const bw = Math.min(30, Math.floor(W / 4));
      const fillN = Math.round((bw * done) / total);
      const bar = `loading ${"█".repeat(fillN)}${"░".repeat(bw - fillN)} ${Math.floor((100 * done) / total)}%`;
      s.text(W - bar.length - 1, 0, bar, A.reverse | fg(C.yellow));
    } else if (this.b && !this.result && !this.alignError && !this.a.error && !this.b.error) {
      // Alignment has no fraction to show: a spinner and the time it has taken so far.
      const t = this.aligningSince ? (Date.now() - this.aligningSince) / 1000 : 0;
      const spin = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"[Math.floor(t * 4) % 10];
      const n = this.aligningPackets;
      const what = n ? `${n >= 10_000 ? `${Math.round(n / 1000)}k` : n} packets ` : "";
      const msg = ` aligning ${what}${spin} ${t.toFixed(1)} s `;
      s.text(W - msg.length - 1, 0, msg, A.reverse | fg(C.yellow));
    }
    const avail = Math.max(2, H - 3);
    const listH = clamp(Math.round(avail * this.ratio), 1, avail - 1);
    const detailY = 2 + listH;
    let detailH = Math.max(1, H - 1 - detailY);
    if (this.b) {
      const lw = Math.floor((W - 1) / 2);
      this.drawList("list", 0, 1, lw, listH);
      s.fill(lw, 1, 1, listH, A.dim, "│");
      this.drawList("listB", lw + 1, 1, W - lw - 1, listH);
    } else this.drawList("list", 0, 1, W, listH);
    // Separator with what the lower pane shows.
    const sep = this.b ? (this.linked ? " pair diff " : " pair diff (unlinked) ") : " detail ";
    s.fill(0, 1 + listH, W, 1, A.dim, "─");
    s.text(2, 1 + listH, sep, this.focus === "detail" ? A.bold : A.dim);
    if (this.hex) {
      const hexH = clamp(Math.floor(detailH / 2), 2, this.b ? 13 : 12);
      detailH -= hexH + 1;
      if (detailH >= 1) {
        this.drawDetail(0, detailY, W, detailH);
        s.fill(0, detailY + detailH, W, 1, A.dim, "─");
        if (this.b) {
          s.text(2, detailY + detailH, " bytes: A │ B ", A.dim);
          this.drawHexPair(0, detailY + detailH + 1, W, hexH);
        } else {
          const label = this.drawHex(0, detailY + detailH + 1, W, hexH);
          s.text(2, detailY + detailH, label ? ` bytes: ${label} ` : " bytes ", A.dim);
        }
      }
    } else this.drawDetail(0, detailY, W, detailH);
    // Status / prompt line.
    if (this.prompt) {
      const label = this.prompt.kind === "search" ? "/" : "filter (display filter or substring): ";
      const end = s.text(0, H - 1, `${label}${this.prompt.text}`, A.bold);
      s.paint(Math.min(end, W - 1), H - 1, 1, A.reverse);
    } else s.text(0, H - 1, this.status, this.statusAttr);
    if (this.help) this.drawHelp();
    s.flush();
  }

  private titleText(): string {
    const base = (p: string) => p.split("/").pop() ?? p;
    const n = (t: WorkerTrace) => `${t.packets.length} pkts`;
    const parts = this.b
      ? [
          `A: ${base(this.a.path)} (${n(this.a)})`,
          `B: ${base(this.b.path)} (${n(this.b)})`,
          `profile ${this.profile}`,
        ]
      : [`${base(this.a.path)} (${n(this.a)})`];
    if (this.filter) parts.push(`filter "${this.filter}"`);
    if (this.search) parts.push(`search "${this.search}"`);
    return ` smbcmp — ${parts.join(" │ ")}  ? help`;
  }

  private drawHelp(): void {
    const s = this.screen;
    const lines = DEFAULT_BINDINGS.map(
      ([a, , h]) => `${(this.bind.keys.get(a) ?? []).join(" ").padEnd(16)} ${h}`,
    );
    lines.unshift("Keys (rebind in ~/.smbcmp [global] key_<action> = <key>)", "");
    lines.push("", "mouse: click selects, click again folds, wheel scrolls", "press any key to close");
    const w = Math.min(s.w - 2, Math.max(...lines.map((l) => l.length)) + 4);
    const h = Math.min(s.h - 2, lines.length + 2);
    const x = Math.floor((s.w - w) / 2);
    const y = Math.floor((s.h - h) / 2);
    s.fill(x, y, w, h, bg(C.blue) | fg(C.white));
    for (let i = 0; i < h - 2; i++)
      s.text(x + 2, y + 1 + i, lines[i]!, bg(C.blue) | fg(C.white) | A.bold, w - 4);
  }
}

function encryptedCount(ps: PacketList): number {
  let n = 0;
  for (const p of ps) if (p.messages.some((m) => m.flags & MsgFlag.Encrypted)) n++;
  return n;
}
