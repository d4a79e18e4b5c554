/**
 * `smbcmp web` server: node:http on loopback, a random token (URL query once, then an HttpOnly
 * cookie), static assets from a fixed in-memory map (no file-serving route at all), a JSON API over
 * Session, and uploads into a private temp dir with a size cap. Captures are indexed by one load
 * worker each (WorkerTrace); this thread never indexes, so it keeps answering while they load.
 */

import { execFile } from "node:child_process";
import { randomBytes, timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { detectAndParse, type KeyEntry } from "../keys/index.js";
import { LEAN_LOADER, WorkerTrace } from "../worker/trace.js";
import { Compute, type ComputeState, HEAVY, Superseded, sidesOf } from "./compute.js";
import { Session, type Side } from "./session.js";

export interface ServerOptions {
  host?: string;
  port?: number;
  /** index.html of the UI (the static build); served with the mode switched to "server". */
  html: string;
  ports?: number[];
  keys?: KeyEntry[];
  /** List non-message NBSS PDUs too (--nbss). */
  nbss?: boolean;
  /** Largest JSON request body (bytes). */
  maxBody?: number;
  /** Largest uploaded capture (bytes). */
  maxUpload?: number;
  token?: string;
  /** Run alignment and stats in a worker thread (default true; false computes inline). */
  worker?: boolean;
  /** Dissection engine at start ("native" by default); the UI can switch when tshark runs. */
  engine?: Engine;
  /** tshark program (config tshark_path); default "tshark" from PATH. */
  tshark?: string;
  /** Tests: see ComputeState.gate. */
  computeGate?: Int32Array;
  /** Tests: load workers of this file wait for the gate before their last report (WorkerInit.gate). */
  loadGate?: { file: string; gate: Int32Array };
}

export interface WebServer {
  url: string;
  token: string;
  port: number;
  session: Session;
  /** The compute worker (undefined with `worker: false`). */
  compute?: Compute;
  /** Where uploads are stored (created on the first upload). */
  uploadDir(): string | undefined;
  /**
   * Starts indexing `file` for `side` in a load worker; resolves once the capture opened (its first
   * report), rejects if it cannot be opened (the side then keeps what it had).
   */
  open(side: Side, file: string, name?: string): Promise<void>;
  /** Resolves when the open captures are loaded (rejects with a load error). */
  ready(): Promise<void>;
  /** Load workers started so far: one per capture and state (tests check nothing indexes twice). */
  loads(): number;
  close(): Promise<void>;
}

/** 127.0.0.0/8, ::1, localhost: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return (
    h === "localhost" ||
    h === "::1" ||
    h === "::ffff:127.0.0.1" ||
    /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(h)
  );
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const COOKIE = "smbcmp_token";

export type Engine = "native" | "tshark";

/** Whether `tshark -v` runs (the engine choice is only offered then). */
function tsharkRuns(prog: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(prog, ["-v"], { timeout: 20_000 }, (e) => resolve(!e));
  });
}

/** A result that is already JSON text (from the compute worker). */
class RawJson {
  constructor(readonly text: string) {}
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: http.IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, v] = part.trim().split("=");
    if (k === COOKIE) return v;
  }
  return undefined;
}

/** Reads a request body up to `max` bytes (413 beyond, without buffering the rest). */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const len = Number(req.headers["content-length"] ?? 0);
    if (len > max) return reject(new HttpError(413, `request body over ${max} bytes`));
    const chunks: Buffer[] = [];
    let got = 0;
    req.on("data", (c: Buffer) => {
      got += c.length;
      if (got > max) {
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpError(413, `request body over ${max} bytes`));
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Bytes of a refused body read and dropped before the connection is cut instead. */
const DRAIN_MAX = 8 * 1024 * 1024;

/**
 * Discards the rest of a refused request body so the client can read the response (cutting the
 * connection while it still sends often loses the response to a TCP reset), up to DRAIN_MAX.
 */
function discard(req: http.IncomingMessage): void {
  let n = 0;
  req.removeAllListeners("data");
  req.on("data", (c: Buffer) => {
    n += c.length;
    if (n > DRAIN_MAX) req.destroy();
  });
  req.resume();
}

/** Streams a body into `file` up to `max` bytes. */
function saveBody(req: http.IncomingMessage, file: string, max: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const len = Number(req.headers["content-length"] ?? 0);
    if (len > max) return reject(new HttpError(413, `upload over ${max} bytes`));
    // wx: never follow or overwrite anything already at that path (a planted symlink, say).
    const out = fs.createWriteStream(file, { mode: 0o600, flags: "wx" });
    let got = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      got += c.length;
      if (got > max && !failed) {
        failed = true;
        req.unpipe(out);
        out.destroy();
        req.resume();
        fs.rm(file, { force: true }, () => reject(new HttpError(413, `upload over ${max} bytes`)));
      }
    });
    req.pipe(out);
    out.on("finish", () => !failed && resolve());
    out.on("error", (e) => {
      if (failed) return;
      failed = true;
      req.unpipe(out);
      reject(
        new HttpError(500, `cannot store the upload: ${(e as NodeJS.ErrnoException).code ?? e.message}`),
      );
    });
    req.on("error", reject);
  });
}

export async function startServer(o: ServerOptions): Promise<WebServer> {
  const token = o.token ?? randomBytes(18).toString("base64url");
  const session = new Session();
  const maxBody = o.maxBody ?? 256 * 1024;
  const maxUpload = o.maxUpload ?? 1024 * 1024 * 1024;
  let keys: KeyEntry[] = [...(o.keys ?? [])];
  /** Per side: the capture's load worker (the Session holds the same WorkerTrace), serial id, file. */
  const slots: Partial<Record<Side, { id: number; trace: WorkerTrace; file: string; name: string }>> = {};
  /** Opens started per side: an open overtaken by a newer one for its side gives way. */
  const opens: Record<Side, number> = { a: 0, b: 0 };
  let serial = 0;
  let closed = false;
  let tmpDir: string | undefined;
  let uploads = 0;
  const state = (): ComputeState => ({
    sides: {
      a: slots.a && { id: slots.a.id, name: slots.a.name, file: slots.a.file },
      b: slots.b && { id: slots.b.id, name: slots.b.name, file: slots.b.file },
    },
    rules: session.rules.serialize(),
    gate: o.computeGate,
  });
  let engine: Engine = o.engine ?? "native";
  const tshark = o.tshark ?? "tshark";
  let tsharkOk: Promise<boolean> | undefined;
  const link = (id: number) =>
    (slots.a?.id === id ? slots.a : slots.b?.id === id ? slots.b : undefined)?.trace.attach();
  const compute = o.worker === false ? undefined : new Compute(state(), link);

  const html = o.html.replace(
    '<meta name="smbcmp-mode" content="static">',
    '<meta name="smbcmp-mode" content="server">',
  );
  // The only things ever served without the API: a fixed map, no file system lookups.
  const assets = new Map<string, [string, string]>([
    ["/", ["text/html; charset=utf-8", html]],
    ["/index.html", ["text/html; charset=utf-8", html]],
  ]);

  async function open(side: Side, file: string, name = path.basename(file)): Promise<void> {
    const gen = ++opens[side];
    const t = new WorkerTrace(file, {}, undefined, undefined, {
      spec: { ports: o.ports, keys, nbss: o.nbss, engine, tshark },
      gate: o.loadGate?.file === file ? o.loadGate.gate : undefined,
      resourceLimits: LEAN_LOADER,
    });
    const id = ++serial;
    try {
      await t.started;
      if (closed) throw new Error("server closed");
      if (gen !== opens[side]) throw new Superseded();
    } catch (e) {
      t.close();
      throw e;
    }
    // The Session closes the side's previous WorkerTrace: its worker ends, nothing else holds it.
    session.set(side, t, name);
    slots[side] = { id, trace: t, file, name };
    compute?.update(state());
  }

  /**
   * Waits (without blocking this thread) until the captures of `sides` are loaded, whichever
   * capture a side holds by then; a load error fails with its message.
   */
  async function settle(sides: readonly Side[]): Promise<void> {
    for (;;) {
      const loading = sides.flatMap((s) => {
        const t = slots[s]?.trace;
        if (t?.error) throw new Error(t.error);
        return t && !t.loaded ? [t] : [];
      });
      if (!loading.length) return;
      await Promise.all(loading.map((t) => t.ready.catch(() => {})));
    }
  }

  /** Reopens what is open (keys or engine changed) and waits for both to load. */
  async function reopen(): Promise<void> {
    for (const s of ["a", "b"] as const) {
      const f = slots[s];
      if (f) await open(s, f.file, f.name);
    }
    await settle(["a", "b"]);
  }

  async function handleApi(req: http.IncomingMessage, url: URL, res: http.ServerResponse): Promise<unknown> {
    if (req.method !== "POST") throw new HttpError(405, "POST only");
    const route = url.pathname.slice("/api/".length);
    if (route === "upload") {
      const side: Side = url.searchParams.get("side") === "b" ? "b" : "a";
      const name = (url.searchParams.get("name") ?? "upload").replace(/[^\w.\- ]/g, "_").slice(0, 100);
      if (!tmpDir) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smbcmp-web-"));
        tmpDir = dir;
        // Uploads are private copies: gone when the server stops, even on Ctrl-C (process.exit).
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
      }
      const file = path.join(tmpDir, `${++uploads}.cap`);
      await saveBody(req, file, maxUpload);
      await open(side, file, name);
      await settle(["a", "b"]);
      return session.info(false);
    }
    if (route === "keys") {
      const text = (await readBody(req, maxBody)).toString("utf8");
      keys = [...(o.keys ?? []), ...detectAndParse(text, "pasted keys")];
      // Keys change the dissection: reopen what is open.
      await reopen();
      return { keys: keys.length, info: session.info(false) };
    }
    const m = /^call\/(\w+)$/.exec(route);
    if (!m) throw new HttpError(404, "no such API");
    const body = await readBody(req, maxBody);
    let params: Record<string, unknown> = {};
    if (body.length) {
      let v: unknown;
      try {
        v = JSON.parse(body.toString("utf8"));
      } catch {
        throw new HttpError(400, "bad JSON");
      }
      if (typeof v !== "object" || v === null || Array.isArray(v))
        throw new HttpError(400, "JSON object expected");
      params = v as Record<string, unknown>;
    }
    const method = m[1]!;
    if (method === "engines") {
      tsharkOk ??= tsharkRuns(tshark);
      return { engine, engines: (await tsharkOk) ? ["native", "tshark"] : ["native"] };
    }
    if (method === "engine") {
      const want = params.engine;
      if (want !== "native" && want !== "tshark") throw new HttpError(400, "engine: native or tshark");
      tsharkOk ??= tsharkRuns(tshark);
      if (want === "tshark" && !(await tsharkOk))
        throw new HttpError(400, `tshark (${tshark}) does not run here`);
      const before = engine;
      engine = want;
      try {
        await reopen();
      } catch (e) {
        engine = before;
        await reopen();
        throw e;
      }
      return { engine, info: session.info(false) };
    }
    if (method === "report")
      res.setHeader("Content-Disposition", 'attachment; filename="smbcmp-report.html"');
    // Slow calls go to the worker (info only when it has to align: both captures, diff wanted),
    // which waits for the captures itself.
    const heavy =
      HEAVY.has(method) && !(method === "info" && (params.diff === false || !slots.a || !slots.b));
    if (compute && heavy) return new RawJson(await compute.call(method, params));
    if (method === "swap") {
      // At once (the order of state changes is the order of requests); the answer when loaded.
      session.swap();
      [slots.a, slots.b] = [slots.b, slots.a];
      compute?.update(state());
      await settle(["a", "b"]);
      return session.info(false);
    }
    // A capture still loading: wait for it (other requests are served meanwhile).
    await settle(sidesOf(method, params));
    if (compute && method === "packets") {
      const filter = String(params.filter ?? "");
      const side = params.side === "b" ? "b" : "a";
      if (session.needsFilter(side, filter)) {
        // A new filter runs over the whole list (a tree-field filter builds every tree): in the worker.
        const r = JSON.parse(await compute.call("filterIndex", { side, filter })) as {
          idx: number[] | null;
          note?: string;
        };
        session.setFilter(side, filter, r.idx ? Uint32Array.from(r.idx) : undefined, r.note);
      }
    }
    const v = session.call(method, params);
    if (method === "rules") compute?.update(state());
    return v;
  }

  const host = o.host ?? "127.0.0.1";
  const loopback = isLoopback(host);
  const allowedHosts = new Set<string>();
  const server = http.createServer((req, res) => {
    // No route serves files, but refuse dot segments, backslashes, encoded dots/slashes and NULs
    // outright rather than let URL parsing resolve them into some other route.
    const target = (req.url ?? "/").split("?")[0]!;
    if (!target.startsWith("/") || /(^|\/)\.\.?(\/|$)|\\|%2e|%2f|%5c|%00/i.test(target)) {
      discard(req);
      res.setHeader("Connection", "close");
      res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
      return res.end("bad request path\n");
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("Cache-Control", "no-store");
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "Content-Type": type });
      res.end(body);
    };
    // DNS rebinding: on loopback, only loopback names may address us (the token guards anyway).
    if (loopback && !allowedHosts.has((req.headers.host ?? "").toLowerCase())) {
      discard(req);
      res.setHeader("Connection", "close");
      return send(403, "text/plain; charset=utf-8", "forbidden: unexpected Host header\n");
    }
    const q = url.searchParams.get("token");
    const c = cookieToken(req);
    const h = req.headers["x-smbcmp-token"];
    const ok =
      (q !== null && sameToken(q, token)) ||
      (c !== undefined && sameToken(c, token)) ||
      (typeof h === "string" && sameToken(h, token));
    if (!ok) {
      discard(req);
      res.setHeader("Connection", "close");
      return send(
        403,
        "text/plain; charset=utf-8",
        "forbidden: open the URL with the token printed by smbcmp web\n",
      );
    }
    if (q !== null) res.setHeader("Set-Cookie", `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    if (url.pathname.startsWith("/api/")) {
      handleApi(req, url, res).then(
        (v) => send(200, "application/json", v instanceof RawJson ? v.text : JSON.stringify(v)),
        (e: unknown) => {
          const status = e instanceof HttpError ? e.status : e instanceof Superseded ? 409 : 400;
          if (!req.complete) {
            discard(req);
            if (!res.headersSent) res.setHeader("Connection", "close");
          }
          if (!res.headersSent)
            send(status, "application/json", JSON.stringify({ error: (e as Error).message }));
        },
      );
      return;
    }
    const a = req.method === "GET" || req.method === "HEAD" ? assets.get(url.pathname) : undefined;
    if (!a) return send(404, "text/plain; charset=utf-8", "not found\n");
    res.setHeader(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'self'",
    );
    send(200, a[0], a[1]);
  });
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, o.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  for (const h of ["127.0.0.1", "localhost", "[::1]", host.includes(":") ? `[${host}]` : host])
    allowedHosts.add(`${h}:${port}`.toLowerCase());
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    token,
    port,
    session,
    compute,
    uploadDir: () => tmpDir,
    open,
    ready: () => settle(["a", "b"]),
    loads: () => serial,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        void compute?.close();
        session.close();
        server.closeAllConnections();
        server.close(() => resolve());
        if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
      }),
  };
}
