/**
 * Conversation state shared by the indexing pass and later tree building: request records (so a
 * response knows what it answers), FileId → name, TreeId → share, sessions. The indexing pass fills
 * it in capture order; trees built later read the completed state, which is how Wireshark's second
 * pass knows e.g. the frame a handle is closed in.
 */

export interface RequestRecord {
  frame: number;
  time: number;
  cmd: number;
  responseFrame?: number;
  /** File name (create path, or the name known for the FileId). */
  path?: string;
  /** FileId as 32 hex digits. */
  fileId?: string;
  /** Command-specific values a response needs: info type/class, ioctl code, find level, pattern... */
  infoType?: number;
  infoClass?: number;
  ioctl?: number;
  level?: number;
  pattern?: string;
  /** Anything else a command module wants to remember (keep small). */
  extra?: Record<string, unknown>;
}

/**
 * A request record with every field present from the start: records are kept for the whole
 * capture (hundreds of thousands), and fields added later would give each one a second object.
 */
export function newRequest(frame: number, time: number, cmd: number): RequestRecord {
  return {
    frame,
    time,
    cmd,
    responseFrame: undefined,
    path: undefined,
    fileId: undefined,
    infoType: undefined,
    infoClass: undefined,
    ioctl: undefined,
    level: undefined,
    pattern: undefined,
    extra: undefined,
  };
}

/**
 * One lifetime of a handle value: the frames it was opened (create response) and closed (close
 * request) in, and the last frame it covers (its close, or the frame of a new open of the same value).
 */
export interface HandleUse {
  open?: number;
  close?: number;
  last?: number;
}

/**
 * A FileId value: the name of its latest open and its lifetimes (a streamed pass keeps no
 * lifetimes). One object per value, the first lifetime inline: most values have only one, and a
 * 900k-packet capture opens 150k of them.
 */
export class FileHandle implements HandleUse {
  name: string | undefined = undefined;
  /** Where the create response that named it last came: connection * 2^32 + tree id (-1: unknown). */
  scope = -1;
  /** The inline lifetime is set. */
  used = false;
  open: number | undefined = undefined;
  close: number | undefined = undefined;
  last: number | undefined = undefined;
  /** Later lifetimes of the same value, in capture order. */
  more: HandleUse[] | undefined = undefined;
  /** oneShot: its close request was seen (see Smb2State.retireFile). */
  closed = false;
}

export interface SessionRecord {
  sesId: string;
  dialect?: number;
  user?: string;
  domain?: string;
  host?: string;
  /** Encryption cipher id from the negotiate context (3.1.1) or implied by the dialect. */
  cipher?: number;
  /** Frame numbers of this session's setup messages. */
  setupFrames: number[];
}

export interface ConnectionRecord {
  dialect?: number;
  cipher?: number;
  signingAlgo?: number;
  compression?: number[];
}

/** One connection's requests: MessageIds mostly count up from the first one seen. */
interface ConnRequests {
  base: number;
  /** Records (see Slot) by `msgId - base`; empty slots are falsy. */
  dense: (Slot | undefined)[];
  /** Slots below this are empty (records are deleted in a one-shot pass). */
  lo: number;
  /** Ids outside the dense run (below the first, far ahead, or 2^53 and above as text). */
  sparse?: Map<number | string, Slot>;
}

/** A kept record: a row of the table's columns (an index), or the record itself (a one-shot pass). */
type Slot = number | RequestRecord;

/** How far past the dense run an id may land and still extend it (with empty slots). */
const DENSE_GAP = 4096;
/** A one-shot pass keeps a request this many ids behind the newest in the sparse map instead. */
const MAX_BEHIND = 65536;

/**
 * The fields of an index's request records, in columns: a million requests keep no object each
 * (objects, promoted by the scavenger, cost indexing 10% more time and 20% more memory). Rows sit
 * in chunks of CHUNK, never copied as they grow: copying and touching fresh memory twice cost more
 * than the objects did. Row r's integers are ints[c][o*INTS + field], its time and ioctl code
 * nums[c][o*2 + 0|1] (c = r >> CHUNK_BITS, o = r & CHUNK_MASK). Unset optional numbers are UNSET
 * (wire values of at most 16 bits, or frame numbers), an unset ioctl code (32 bits) NaN. Row 0 is
 * never used: in ConnRequests.dense it would read as an empty slot.
 */
class RequestRows {
  n = 1;
  ints: Int32Array[] = [];
  nums: Float64Array[] = [];
  /** Holey chunks (a hole reads as undefined). */
  path: (string | undefined)[][] = [];
  fileId: (string | undefined)[][] = [];
  /** Rare fields. */
  pattern = new Map<number, string>();
  extra = new Map<number, Record<string, unknown>>();
  constructor() {
    this.chunk();
  }

  add(frame: number, time: number, cmd: number): number {
    const i = this.n++;
    if ((i & CHUNK_MASK) === 0) this.chunk();
    const ints = this.ints[i >> CHUNK_BITS]!;
    const k = (i & CHUNK_MASK) * INTS;
    ints[k] = frame;
    ints[k + CMD] = cmd;
    ints[k + RESPONSE] = ints[k + INFO_TYPE] = ints[k + INFO_CLASS] = ints[k + LEVEL] = UNSET;
    const nums = this.nums[i >> CHUNK_BITS]!;
    nums[(i & CHUNK_MASK) * 2] = time;
    nums[(i & CHUNK_MASK) * 2 + 1] = Number.NaN;
    return i;
  }

  private chunk(): void {
    this.ints.push(new Int32Array(CHUNK * INTS));
    this.nums.push(new Float64Array(CHUNK * 2));
    this.path.push(new Array(CHUNK));
    this.fileId.push(new Array(CHUNK));
  }
}

const CHUNK_BITS = 13;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
// RequestRows.ints fields.
const CMD = 1;
const RESPONSE = 2;
const INFO_TYPE = 3;
const INFO_CLASS = 4;
const LEVEL = 5;
const INTS = 6;
const UNSET = -0x80000000;
const opt = (v: number): number | undefined => (v === UNSET ? undefined : v);
const unopt = (v: number | undefined): number => (v === undefined ? UNSET : v);

/** A request record that is a row of a RequestTable (a view: made per lookup, the row holds the data). */
class RowRecord implements RequestRecord {
  /** The row's chunk and its offset in it. */
  private readonly c: number;
  private readonly o: number;
  private readonly ints: Int32Array;
  private readonly at: number;
  constructor(
    readonly rows: RequestRows,
    readonly row: number,
  ) {
    this.c = row >> CHUNK_BITS;
    this.o = row & CHUNK_MASK;
    this.ints = rows.ints[this.c]!;
    this.at = this.o * INTS;
  }
  get frame(): number {
    return this.ints[this.at]!;
  }
  set frame(v: number) {
    this.ints[this.at] = v;
  }
  get cmd(): number {
    return this.ints[this.at + CMD]!;
  }
  set cmd(v: number) {
    this.ints[this.at + CMD] = v;
  }
  get responseFrame(): number | undefined {
    return opt(this.ints[this.at + RESPONSE]!);
  }
  set responseFrame(v: number | undefined) {
    this.ints[this.at + RESPONSE] = unopt(v);
  }
  get infoType(): number | undefined {
    return opt(this.ints[this.at + INFO_TYPE]!);
  }
  set infoType(v: number | undefined) {
    this.ints[this.at + INFO_TYPE] = unopt(v);
  }
  get infoClass(): number | undefined {
    return opt(this.ints[this.at + INFO_CLASS]!);
  }
  set infoClass(v: number | undefined) {
    this.ints[this.at + INFO_CLASS] = unopt(v);
  }
  get level(): number | undefined {
    return opt(this.ints[this.at + LEVEL]!);
  }
  set level(v: number | undefined) {
    this.ints[this.at + LEVEL] = unopt(v);
  }
  get time(): number {
    return this.rows.nums[this.c]![this.o * 2]!;
  }
  set time(v: number) {
    this.rows.nums[this.c]![this.o * 2] = v;
  }
  get ioctl(): number | undefined {
    const v = this.rows.nums[this.c]![this.o * 2 + 1]!;
    return Number.isNaN(v) ? undefined : v;
  }
  set ioctl(v: number | undefined) {
    this.rows.nums[this.c]![this.o * 2 + 1] = v ?? Number.NaN;
  }
  get path(): string | undefined {
    return this.rows.path[this.c]![this.o];
  }
  set path(v: string | undefined) {
    this.rows.path[this.c]![this.o] = v;
  }
  get fileId(): string | undefined {
    return this.rows.fileId[this.c]![this.o];
  }
  set fileId(v: string | undefined) {
    this.rows.fileId[this.c]![this.o] = v;
  }
  get pattern(): string | undefined {
    return this.rows.pattern.get(this.row);
  }
  set pattern(v: string | undefined) {
    if (v === undefined) this.rows.pattern.delete(this.row);
    else this.rows.pattern.set(this.row, v);
  }
  get extra(): Record<string, unknown> | undefined {
    return this.rows.extra.get(this.row);
  }
  set extra(v: Record<string, unknown> | undefined) {
    if (v === undefined) this.rows.extra.delete(this.row);
    else this.rows.extra.set(this.row, v);
  }
}

/**
 * Request records by connection and MessageId. SMB2 MessageIds on a connection count up (credits
 * grant the next ones), so a connection's records sit in an array indexed from its first id: no
 * `conn:id` string to build and hash for each of a million messages, no hash table to grow.
 */
export class RequestTable {
  private readonly byConn = new Map<number, ConnRequests>();
  private rows: RequestRows | undefined;

  /**
   * `columns`: records live in the table's columns (an index, which keeps them all); otherwise
   * they are plain objects (a one-shot pass deletes each once answered: they die young, and
   * objects cost less than column views while the code is still cold).
   */
  constructor(columns = true) {
    if (columns) this.rows = new RequestRows();
  }

  /** A new record (`set` it to find it again by its MessageId). */
  create(frame: number, time: number, cmd: number): RequestRecord {
    return this.rows
      ? new RowRecord(this.rows, this.rows.add(frame, time, cmd))
      : newRequest(frame, time, cmd);
  }

  private slotOf(rec: RequestRecord): Slot {
    return this.rows ? this.rowOf(this.rows, rec) : rec;
  }

  private recordOf(slot: Slot): RequestRecord {
    return typeof slot === "number" ? new RowRecord(this.rows!, slot) : slot;
  }

  /** The row holding `rec`: its own, or a new one with a copy of its fields. */
  private rowOf(rows: RequestRows, rec: RequestRecord): number {
    if (rec instanceof RowRecord && rec.rows === rows) return rec.row;
    const r = new RowRecord(rows, rows.add(rec.frame, rec.time, rec.cmd));
    r.responseFrame = rec.responseFrame;
    r.path = rec.path;
    r.fileId = rec.fileId;
    r.infoType = rec.infoType;
    r.infoClass = rec.infoClass;
    r.ioctl = rec.ioctl;
    r.level = rec.level;
    r.pattern = rec.pattern;
    r.extra = rec.extra;
    return r.row;
  }

  /** Records kept (a count for tests and diagnostics: walks every connection). */
  get size(): number {
    let n = 0;
    for (const c of this.byConn.values()) {
      for (const r of c.dense) if (r) n++;
      n += c.sparse?.size ?? 0;
    }
    return n;
  }
  get(conn: number, msgId: number | string): RequestRecord | undefined {
    const c = this.byConn.get(conn);
    if (!c) return undefined;
    let slot: Slot | undefined;
    if (typeof msgId === "number") slot = c.dense[msgId - c.base];
    if (!slot) slot = c.sparse?.get(msgId);
    return slot ? this.recordOf(slot) : undefined;
  }
  set(conn: number, msgId: number | string, rec: RequestRecord): void {
    const row = this.slotOf(rec);
    let c = this.byConn.get(conn);
    if (!c) {
      c = { base: typeof msgId === "number" ? msgId : 0, dense: [], lo: 0 };
      this.byConn.set(conn, c);
    }
    const k = typeof msgId === "number" ? msgId - c.base : -1;
    // Below `lo` the run may be cut off at any time: such an id (sent late, out of order) goes aside.
    if (k >= c.lo && k <= c.dense.length + DENSE_GAP) {
      while (c.dense.length < k) c.dense.push(undefined);
      // An id kept aside earlier and now reached by the dense run lives in one place only.
      if (!c.dense[k]) c.sparse?.delete(msgId);
      c.dense[k] = row;
      return;
    }
    c.sparse ??= new Map();
    c.sparse.set(msgId, row);
  }
  /**
   * Forgets a record (a one-shot pass, once a request is answered). The dense run then drops its
   * empty start, and a request left unanswered far behind moves aside, so that a connection's
   * slots stay about as many as its requests in flight, not as its whole history.
   */
  delete(conn: number, msgId: number | string): void {
    const c = this.byConn.get(conn);
    if (!c) return;
    const k = typeof msgId === "number" ? msgId - c.base : -1;
    if (!(k >= 0 && k < c.dense.length && c.dense[k])) {
      c.sparse?.delete(msgId);
      return;
    }
    c.dense[k] = undefined;
    const d = c.dense;
    while (c.lo < d.length && (!d[c.lo] || d.length - c.lo > MAX_BEHIND)) {
      const r = d[c.lo];
      if (r) {
        c.sparse ??= new Map();
        c.sparse.set(c.base + c.lo, r);
      }
      c.lo++;
    }
    if (c.lo >= DENSE_GAP && c.lo * 2 >= d.length) {
      c.dense = d.slice(c.lo);
      c.base += c.lo;
      c.lo = 0;
    }
  }
  /** Dense slots held, all connections (for tests and diagnostics). */
  get slots(): number {
    let n = 0;
    for (const c of this.byConn.values()) n += c.dense.length - c.lo;
    return n;
  }
  clear(): void {
    this.byConn.clear();
    if (this.rows) this.rows = new RequestRows();
  }
}

/** Slots of Smb2State.fileIdText's cache (a power of two). */
const FID_CACHE = 256;

/** See Smb2State.retireFile. */
const FILE_GENERATION = 32768;

export class Smb2State {
  /**
   * One pass that builds no trees (a streamed listing): what only trees read is not kept, so the
   * state stops growing with the capture. Handle lifetimes are not tracked, and a request's record
   * is dropped once its final response is dissected (a repeated response then shows no request
   * data, as in tshark's single pass).
   */
  readonly requests: RequestTable;
  constructor(readonly oneShot = false) {
    this.requests = new RequestTable(!oneShot);
  }
  /** FileId → its name and lifetimes (oneShot: the handles opened lately; see retireFile). */
  private files = new Map<string, FileHandle>();
  /** oneShot: the previous generation of `files`, where recently closed handles are still found. */
  private filesBefore = new Map<string, FileHandle>();
  /** oneShot: `files` starts a new generation at this size. */
  private rotateAt = FILE_GENERATION;
  readonly trees = new Map<string, { name: string; shareType?: number }>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly connections = new Map<number, ConnectionRecord>();

  /** fileIdText's cache: four words of each id, and its text. */
  private readonly idWords = new Int32Array(4 * FID_CACHE);
  private readonly idTexts: (string | undefined)[] = new Array(FID_CACHE).fill(undefined);

  /**
   * The hex text of the FileId at b[at, at+16). An id seen lately gets the very same string, so
   * no text is built and the maps keyed by it find its hash already computed: building and hashing
   * a fresh text per message was a tenth of a streamed listing.
   */
  fileIdText(b: Buffer, at: number): string {
    const w0 = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
    const w1 = b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24);
    const w2 = b[at + 8]! | (b[at + 9]! << 8) | (b[at + 10]! << 16) | (b[at + 11]! << 24);
    const w3 = b[at + 12]! | (b[at + 13]! << 8) | (b[at + 14]! << 16) | (b[at + 15]! << 24);
    const slot = (w0 ^ w1 ^ w2 ^ w3 ^ (w0 >>> 7) ^ (w2 >>> 13)) & (FID_CACHE - 1);
    const k = slot * 4;
    const words = this.idWords;
    const known = this.idTexts[slot];
    if (
      known !== undefined &&
      words[k] === w0 &&
      words[k + 1] === w1 &&
      words[k + 2] === w2 &&
      words[k + 3] === w3
    )
      return known;
    const hex = b.toString("hex", at, at + 16);
    words[k] = w0;
    words[k + 1] = w1;
    words[k + 2] = w2;
    words[k + 3] = w3;
    this.idTexts[slot] = hex;
    return hex;
  }

  /** FileId values tracked (tests and diagnostics). */
  get fileCount(): number {
    return this.files.size + this.filesBefore.size;
  }

  /** What FileId `hex` names, when its open was seen. */
  file(hex: string): string | undefined {
    return this.named(hex)?.name;
  }

  /** The record of FileId `hex`; in a streamed pass, also one left in the previous generation. */
  private named(hex: string): FileHandle | undefined {
    const h = this.files.get(hex);
    return h !== undefined || !this.oneShot ? h : this.filesBefore.get(hex);
  }

  /** A create response opened `hex` on `name`, on the tree `scope` (see handleScope). */
  nameFile(hex: string, name: string, scope = -1): void {
    const h = this.entry(hex);
    h.name = name;
    h.scope = scope;
  }

  /** The tree (handleScope) whose create response named `hex` last (-1: none). */
  fileScope(hex: string): number {
    return this.named(hex)?.scope ?? -1;
  }

  /**
   * A close request for `hex` was dissected. In a streamed pass the handle is only marked: when
   * `files` reaches its next generation size, the handles still open move to a new map and the
   * old one is kept for lookups one generation more, then dropped. Memory then follows the handles
   * open rather than all handles ever opened, a use after close still finds the name for at least
   * FILE_GENERATION opens, and a close costs no map operation (a move to a map of closed names
   * did: 8% of a streamed listing of a real smbtorture capture).
   */
  retireFile(hex: string): void {
    if (!this.oneShot) return;
    const h = this.files.get(hex);
    if (h) h.closed = true;
  }

  private rotate(): void {
    const open = new Map<string, FileHandle>();
    for (const [k, h] of this.files) if (!h.closed) open.set(k, h);
    this.filesBefore = this.files;
    this.files = open;
    // Many handles left open: the next generation is as long anyway (no rotation at every open).
    this.rotateAt = open.size + FILE_GENERATION;
  }

  /**
   * The lifetime of handle `hex` that frame `frame` belongs to: the first one not ended before it
   * (as Wireshark's "Frame handle opened/closed": a use before any open, or the all-ones id of
   * related compounds, shows the next close).
   */
  handleAt(hex: string, frame: number): HandleUse | undefined {
    const h = this.files.get(hex);
    if (!h?.used) return undefined;
    if (h.last === undefined || frame <= h.last) return h;
    if (h.more) for (const u of h.more) if (u.last === undefined || frame <= u.last) return u;
    return undefined;
  }

  /** Records an open (first pass, capture order); opening a live handle again starts a new lifetime. */
  openHandle(hex: string, frame: number): void {
    if (this.oneShot || isNullHandle(hex)) return;
    const u = this.handleAt(hex, frame);
    if (u && u.open === undefined) u.open = frame;
    else {
      if (u) u.last = frame;
      this.addHandleUse(hex, frame, undefined, undefined);
    }
  }

  /** Records a close (first pass, capture order). */
  closeHandle(hex: string, frame: number): void {
    if (this.oneShot || isNullHandle(hex)) return;
    const u = this.handleAt(hex, frame);
    if (u) {
      u.close ??= frame;
      u.last ??= frame;
    } else this.addHandleUse(hex, undefined, frame, frame);
  }

  private addHandleUse(
    hex: string,
    open: number | undefined,
    close: number | undefined,
    last: number | undefined,
  ): void {
    const h = this.entry(hex);
    if (h.used) {
      h.more ??= [];
      h.more.push({ open, close, last });
      return;
    }
    h.used = true;
    h.open = open;
    h.close = close;
    h.last = last;
  }

  private entry(hex: string): FileHandle {
    let h = this.files.get(hex);
    if (!h) {
      if (this.oneShot && this.files.size >= this.rotateAt) this.rotate();
      h = new FileHandle();
      this.files.set(hex, h);
    } else h.closed = false;
    return h;
  }

  connection(conn: number): ConnectionRecord {
    let c = this.connections.get(conn);
    if (!c) {
      c = {};
      this.connections.set(conn, c);
    }
    return c;
  }

  session(sesId: string): SessionRecord {
    let s = this.sessions.get(sesId);
    if (!s) {
      s = { sesId, setupFrames: [] };
      this.sessions.set(sesId, s);
    }
    return s;
  }

  treeKey(conn: number, sesId: bigint, tid: number): string {
    return `${conn}:${sesId}:${tid}`;
  }
}

/** A tree connect of a connection, as one number: the scope Wireshark's Info names a handle in. */
export function handleScope(conn: number, tid: number): number {
  return conn * 2 ** 32 + tid;
}

/** The all-zero handle is never tracked. */
function isNullHandle(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 0x30) return false;
  return true;
}
