/**
 * UI side of the background alignment: `AlignWorker` starts the align worker (fed by the load
 * workers) and `Alignment` wraps its typed-array answer, building row and operation objects only
 * for the rows looked at, and computing field diffs on this thread with the current ignore rules.
 */
import { MessageChannel, type MessagePort, type Worker } from "node:worker_threads";
import type { FieldDiffPart, OpDiff, RowKind, Summary } from "../diff/align.js";
import { messageTree, opsTreesEqual, PREFETCH_ROWS, RowPrefetcher, treeIdBinder } from "../diff/align.js";
import { IdentityMap } from "../diff/identity.js";
import type { IgnoreRules } from "../diff/ignore.js";
import { type MsgRef, messageAt, normalizePath, type Op } from "../diff/ops.js";
import { profileRules } from "../diff/profiles.js";
import { countDiffs, type DiffNode, diffTrees } from "../diff/tree-diff.js";
import type { FieldNode } from "../dissect/tree.js";
import { frameOf } from "../trace/store.js";
import type { Trace } from "../trace/types.js";
import { Lru } from "../util/lru.js";
import { spawnWorker } from "../worker/spawn.js";
import {
  type AlignInit,
  type AlignMsg,
  type DoneMsg,
  OP_KINDS,
  type OpsColumns,
  ROW_KINDS,
  refsAt,
} from "./align-msg.js";

export interface Row {
  a?: Op;
  b?: Op;
  kind: RowKind;
}

/** A pair part with the message references it compares (for the hex pane). */
export interface Part extends FieldDiffPart {
  aRef?: MsgRef;
  bRef?: MsgRef;
}

export interface PairDiff extends OpDiff {
  parts: Part[];
}

export interface AlignEvents {
  onAligning(packetsA: number, packetsB: number): void;
  onDone(m: DoneMsg): void;
  onError(message: string): void;
}

/** The align worker; `portA` / `portB` go to the load workers. */
export class AlignWorker {
  readonly portA: MessagePort;
  readonly portB: MessagePort;
  private worker: Worker;
  finished = false;

  constructor(ev: AlignEvents, delayMs?: number) {
    const a = new MessageChannel();
    const b = new MessageChannel();
    this.portA = a.port1;
    this.portB = b.port1;
    const init: AlignInit = { portA: a.port2, portB: b.port2, delayMs };
    this.worker = spawnWorker(import.meta.url, "align-worker", init, [a.port2, b.port2]);
    this.worker.on("message", (m: AlignMsg) => {
      if (m.type === "aligning") ev.onAligning(m.packetsA, m.packetsB);
      else {
        this.finished = true;
        if (m.type === "done") ev.onDone(m);
        else ev.onError(m.message);
      }
    });
    this.worker.on("error", (e) => {
      this.finished = true;
      ev.onError(`internal error: ${e.message}`);
    });
  }

  /** Cancels an alignment in progress. */
  close(): void {
    void this.worker.terminate();
  }
}

function opAt(c: OpsColumns, i: number): Op {
  const ref = (pkt: number, msg: number): MsgRef | undefined => (pkt >= 0 ? { pkt, msg } : undefined);
  const more = refsAt(c.moreAt, c.more, i);
  const status = c.status[i]!;
  // path/detail/sig are only needed while aligning: the UI labels ops from their messages.
  return {
    index: i,
    kind: OP_KINDS[c.kind[i]!]!,
    conn: c.conn[i]!,
    proto: c.proto[i] as 0 | 1 | 2,
    cmd: c.cmd[i]!,
    msgId: "",
    req: ref(c.reqPkt[i]!, c.reqMsg[i]!),
    interim: refsAt(c.interimAt, c.interim, i),
    resp: ref(c.respPkt[i]!, c.respMsg[i]!),
    ...(more.length > 0 ? { more } : {}),
    time: c.time[i]!,
    path: "",
    detail: "",
    status: Number.isNaN(status) ? undefined : status,
    sig: "",
  };
}

function markIgnored(nodes: DiffNode[]): void {
  for (const n of nodes) {
    if (n.kind !== "same") n.ignored = true;
    n.diffs = 0;
    if (n.children) markIgnored(n.children);
  }
}

const CACHE_MAX = 2048;

export class Alignment {
  readonly length: number;
  readonly idmap?: IdentityMap;
  /** Binds the tree-only ids (lease keys, GUIDs) of the rows up to one, in row order, as the CLI does. */
  private readonly bindTreeIds?: (idm: IdentityMap, upTo: number) => void;
  private rows = new Lru<number, Row>(65536);
  private cache = new Lru<number, { version: number; d: PairDiff }>(CACHE_MAX);
  /** The alignment's own counts and first divergence (commands, names, statuses). */
  private readonly base: Summary;
  private readonly baseFirst: number;
  // deepenStep: per row, 0 undecided, 1 same, 2 differ in its fields (rows the alignment found
  // "same" only), for rules version `deepVersion`; the next row to decide; the "differ" count and
  // the first of them.
  private readonly deep: Uint8Array;
  private deepVersion = -1;
  private deepNext = 0;
  private deepDiffer = 0;
  private deepFirst = -1;
  private readonly prefetch: RowPrefetcher;

  constructor(
    readonly a: Trace,
    readonly b: Trace,
    private readonly m: DoneMsg,
    /** Ignore rules of the field diffs (the UI sets the current profile's); alignment does not depend on them. */
    public rules: IgnoreRules = profileRules("default"),
  ) {
    this.length = m.rowKind.length;
    const s: Summary = { ops: this.length, same: 0, differ: 0, onlyA: 0, onlyB: 0 };
    let first = -1;
    for (let i = 0; i < this.length; i++) {
      const k = m.rowKind[i]!;
      if (k === 0) s.same++;
      else {
        if (first < 0) first = i;
        if (k === 1) s.differ++;
        else if (k === 2) s.onlyA++;
        else s.onlyB++;
      }
    }
    this.base = s;
    this.baseFirst = first;
    this.deep = new Uint8Array(this.length);
    this.prefetch = new RowPrefetcher(
      a,
      b,
      (from) => {
        const rows: Row[] = [];
        const end = Math.min(this.length, from + PREFETCH_ROWS);
        for (let k = from; k < end; k++) if (this.m.rowKind[k] === 0) rows.push(this.rowAt(k));
        return rows;
      },
      () => this.length,
    );
    if (m.idmap) {
      this.idmap = Object.assign(Object.create(IdentityMap.prototype) as IdentityMap, m.idmap);
      // The op columns carry no paths: a CREATE's, which names its lease keys and GUIDs
      // (`<lease of foo.txt>`), comes from its first message, as buildOps takes it.
      const named = (t: Trace, op: Op | undefined): void => {
        const r = op?.cmd === 5 && op.proto === 2 ? (op.req ?? op.resp) : undefined;
        if (r) op!.path = normalizePath(messageAt(t, r).path);
      };
      this.bindTreeIds = treeIdBinder(
        a,
        b,
        (i) => {
          const r = this.rowAt(i);
          named(a, r.a);
          named(b, r.b);
          return r;
        },
        this.length,
      );
    }
  }

  get ms(): number {
    return this.m.ms;
  }

  /** Counts by kind, with the rows deepenStep found to differ in their fields so far. */
  get summary(): Summary {
    const n = this.deepDiffer;
    return { ...this.base, same: this.base.same - n, differ: this.base.differ + n };
  }

  get firstDivergence(): number {
    const a = this.baseFirst;
    const b = this.deepFirst;
    return a < 0 ? b : b < 0 ? a : Math.min(a, b);
  }

  kind(i: number): RowKind {
    const k = this.m.rowKind[i]!;
    return k === 0 && this.deep[i] === 2 ? "differ" : ROW_KINDS[k]!;
  }

  /** Every row is decided for the current rules (see deepenStep). */
  get deepDone(): boolean {
    return this.deepVersion === this.rules.version && this.deepNext >= this.length;
  }

  /**
   * Compares the fields of the next rows the alignment found "same", for about `budgetMs`: a pair
   * that differs in a field under the current rules is a divergence (the CLI's deep mode, here in
   * steps so that keys keep working). A rules change starts over. `changed`: some row's kind did.
   */
  deepenStep(budgetMs: number): { done: boolean; changed: boolean } {
    let changed = false;
    if (this.deepVersion !== this.rules.version) {
      changed = this.deepDiffer > 0;
      this.deep.fill(0);
      this.deepNext = 0;
      this.deepDiffer = 0;
      this.deepFirst = -1;
      this.deepVersion = this.rules.version;
      if (changed) this.rows.clear();
    }
    const t0 = performance.now();
    while (this.deepNext < this.length) {
      if (this.deepNext % PREFETCH_ROWS === 0) this.prefetch.at(this.deepNext);
      const i = this.deepNext++;
      if (this.m.rowKind[i] === 0) {
        const row = this.rowAt(i);
        if (this.idmap) this.bindTreeIds!(this.idmap, i);
        const same = opsTreesEqual(this.a, row.a, this.b, row.b, {
          rules: this.rules,
          idmap: this.idmap,
          row: i,
        });
        const differ = !same && this.fieldDiff(i).count > 0;
        this.deep[i] = differ ? 2 : 1;
        if (differ) {
          this.deepDiffer++;
          if (this.deepFirst < 0) this.deepFirst = i;
          this.rows.delete(i);
          changed = true;
        }
      }
      if ((this.deepNext & 7) === 0 && performance.now() - t0 >= budgetMs) break;
    }
    return { done: this.deepNext >= this.length, changed };
  }

  row(i: number): Row {
    let r = this.rows.get(i);
    if (!r) {
      r = this.rowAt(i);
      this.rows.set(i, r);
    }
    return r;
  }

  /** Row i, built afresh (deepenStep walks every row: the cache is for the rows on screen). */
  private rowAt(i: number): Row {
    const ia = this.m.rowA[i]!;
    const ib = this.m.rowB[i]!;
    return {
      a: ia >= 0 ? opAt(this.m.opsA, ia) : undefined,
      b: ib >= 0 ? opAt(this.m.opsB, ib) : undefined,
      kind: this.kind(i),
    };
  }

  /** First packet index of each row's op on one side (-1 for none), for going from a packet to its row. */
  firstPacket(side: "a" | "b", i: number): number {
    const c = side === "a" ? this.m.opsA : this.m.opsB;
    const k = (side === "a" ? this.m.rowA : this.m.rowB)[i]!;
    if (k < 0) return -1;
    return c.reqPkt[k]! >= 0 ? c.reqPkt[k]! : c.respPkt[k]!;
  }

  /** The field differences of row `i` under the current rules (cached per rules version). */
  fieldDiff(i: number): PairDiff {
    const hit = this.cache.get(i);
    if (hit && hit.version === this.rules.version) return hit.d;
    const d: PairDiff = { parts: [], count: 0 };
    const row = this.row(i);
    if (this.idmap) this.bindTreeIds!(this.idmap, i);
    const tree = (t: Trace, r: MsgRef | undefined): FieldNode[] => (r ? messageTree(t, r) : []);
    const frame = (t: Trace, r: MsgRef | undefined) => (r ? frameOf(t.packets, r.pkt) : undefined);
    try {
      const part = (role: Part["role"], x: MsgRef | undefined, y: MsgRef | undefined) => {
        if (!x && !y) return;
        const nodes = diffTrees(tree(this.a, x), tree(this.b, y), {
          rules: this.rules,
          idmap: this.idmap,
          row: i,
        });
        // An interim response on one side only depends on server timing: shown, as noise.
        if (role === "interim" && (!x || !y)) markIgnored(nodes);
        d.parts.push({ role, aFrame: frame(this.a, x), bFrame: frame(this.b, y), nodes, aRef: x, bRef: y });
        d.count += countDiffs(nodes);
      };
      part("request", row.a?.req, row.b?.req);
      const ia = row.a?.interim ?? [];
      const ib = row.b?.interim ?? [];
      for (let k = 0; k < Math.max(ia.length, ib.length); k++) part("interim", ia[k], ib[k]);
      part("response", row.a?.resp, row.b?.resp);
    } catch (e) {
      d.error = e instanceof Error ? e.message : String(e);
    }
    this.cache.set(i, { version: this.rules.version, d });
    return d;
  }
}
