// Run one scenario: private smbd on loopback, tcpdump on lo, client steps, keys, cleanup.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { formatKeyFile, type KeyEntry, parseKeys } from "./keys.js";
import { rewritePort } from "./pcap.js";
import { RunResources, registerRun, type Tracked, unregisterRun } from "./procs.js";
import {
  type ConfValue,
  type FileSpec,
  isImpacket,
  isSmbclient,
  loadScenario,
  SCENARIO_DIR,
  type Scenario,
  type Step,
  validateScenario,
} from "./scenario.js";

export interface CaptureResult {
  /** Path of the pcap file (outDir/<scenario>.pcap). */
  pcap: string;
  /** Keys of every session the clients set up (also written to outDir/<scenario>.keys). */
  keys: KeyEntry[];
  /** Path of the run log (outDir/<scenario>.log): smb.conf, client commands and output, smbd output. */
  log: string;
  /** Server TCP port as it appears in the pcap: 445 (rewritten) unless `keepPort` was set. */
  port: number;
  /** The free high port the private smbd really listened on. */
  smbdPort: number;
  /** Packets tcpdump reported as dropped by the kernel (0 = the capture is complete). */
  dropped: number;
}

export interface RunOptions {
  outDir: string;
  /** Whole-run timeout, default 120000 ms. */
  timeoutMs?: number;
  /** Called with the temp dir and pids as soon as they exist (used by tests and the CLI's --verbose). */
  onStart?: (info: { tmpDir: string; pids: number[] }) => void;
  /** Keep the real high port in the pcap instead of rewriting it to 445. */
  keepPort?: boolean;
}

export const USER = "smbtest";
export const PASSWORD = "Smbcmp-test-1";
const PY = "/usr/bin/python3";

/** A loopback port that is free on both 127.0.0.1 and ::1 right now. */
export async function freePort(): Promise<number> {
  const listen = (host: string, port: number) =>
    new Promise<number>((res, rej) => {
      const s = createServer();
      s.once("error", rej);
      s.listen({ host, port, exclusive: true }, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
  for (let i = 0; i < 20; i++) {
    const p = await listen("127.0.0.1", 0);
    if (p < 1024) continue;
    try {
      await listen("::1", p);
      return p;
    } catch {
      // taken on ::1, try another
    }
  }
  throw new Error("no free port found");
}

function userIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, USER], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/** Create the unix account if missing (Samba maps the SMB user onto it). */
export function ensureUser(): { uid: number; gid: number } {
  try {
    return userIds();
  } catch {
    try {
      execFileSync("useradd", ["-M", "-s", "/usr/sbin/nologin", USER], { stdio: "ignore" });
    } catch {
      // a concurrent run may have created it first; userIds() below decides
    }
    return userIds();
  }
}

function confValue(v: ConfValue): string {
  return typeof v === "boolean" ? (v ? "yes" : "no") : String(v);
}

export function buildConf(dir: string, port: number, sc: Scenario): string {
  const global: Record<string, ConfValue> = {
    "netbios name": "SMBCMP-HARNESS",
    workgroup: "WORKGROUP",
    "server role": "standalone",
    interfaces: "lo",
    "bind interfaces only": "yes",
    "smb ports": port,
    "disable netbios": "yes",
    "private dir": join(dir, "private"),
    "lock directory": join(dir, "lock"),
    "state directory": join(dir, "state"),
    "cache directory": join(dir, "cache"),
    "pid directory": join(dir, "pid"),
    "ncalrpc dir": join(dir, "ncalrpc"),
    "binddns dir": join(dir, "bind-dns"),
    "passdb backend": "tdbsam",
    "log file": join(dir, "log", "log.%m"),
    "log level": 1,
    "load printers": "no",
    printing: "bsd",
    "printcap name": "/dev/null",
    "disable spoolss": "yes",
    "map to guest": "never",
    "obey pam restrictions": "no",
    "unix password sync": "no",
    ...sc.server?.global,
  };
  const share: Record<string, ConfValue> = {
    path: join(dir, "share"),
    "read only": "no",
    "guest ok": "no",
    ...sc.server?.share,
  };
  const section = (name: string, o: Record<string, ConfValue>) =>
    `[${name}]\n${Object.entries(o)
      .map(([k, v]) => `\t${k} = ${confValue(v)}`)
      .join("\n")}\n`;
  return `${section("global", global)}\n${section("share", share)}`;
}

/** Deterministic filler so runs are reproducible and the content is recognisable in a hex view. */
function filler(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = 0x41 + ((i * 7 + (i >> 10)) % 26);
  return b;
}

function createFiles(root: string, files: FileSpec[] | undefined, ids: { uid: number; gid: number }): void {
  for (const f of files ?? []) {
    const p = join(root, f.path);
    mkdirSync(dirname(p), { recursive: true });
    if (f.dir) mkdirSync(p, { recursive: true });
    else writeFileSync(p, f.size !== undefined ? filler(f.size) : (f.content ?? ""));
    if (f.owner !== "root") chownSync(p, ids.uid, ids.gid);
    if (f.mode) chmodSync(p, Number.parseInt(f.mode, 8));
  }
}

/** True when the TCP listener on 127.0.0.1:port is a socket held by process `pid` (Linux /proc). */
export function listenerIsOurs(port: number, pid: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let inode = "";
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    // local_address 0100007F:PORT, state 0A = LISTEN, inode in column 10
    if (f[1] === `0100007F:${hexPort}` && f[3] === "0A") inode = f[9];
  }
  if (!inode) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

async function waitForPort(port: number, smbd: Tracked, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (smbd.done) throw new Error(`smbd exited early (code ${smbd.code})`);
    const ok = await new Promise<boolean>((res) => {
      const s = connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        res(true);
      });
      s.once("error", () => res(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`smbd did not listen on port ${port}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A process's output: stdout, then stderr. Kept apart so that a multi-line key dump on one stream
 * is never cut by chunks of the other (interleaving depends on scheduling, so it broke under load).
 */
function collect(t: Tracked): { text: () => string; ended: Promise<unknown> } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  t.child.stdout?.on("data", (d: Buffer) => out.push(d));
  t.child.stderr?.on("data", (d: Buffer) => err.push(d));
  // A process's 'exit' can come before its pipes are drained: under load the end of a debug-level-10
  // output (with the session key dump) was still unread, and the run had no keys.
  const ended = Promise.all(
    [t.child.stdout, t.child.stderr].map((s) =>
      s && !s.readableEnded
        ? new Promise<void>((r) => {
            s.once("end", r);
            s.once("close", r);
            s.once("error", () => r());
          })
        : undefined,
    ),
  );
  return {
    text: () => `${Buffer.concat(out).toString("utf8")}\n${Buffer.concat(err).toString("utf8")}`,
    ended,
  };
}

async function startTcpdump(
  res: RunResources,
  pcap: string,
  port: number,
  deadline: number,
): Promise<{ t: Tracked; stderr: () => string }> {
  const t = res.spawn("tcpdump", "tcpdump", [
    "-i",
    "lo",
    "-s",
    "0",
    "-B",
    // 64 MiB: loopback carries 64 KiB segments back to back; 4 MiB lost data on multi-MB transfers.
    "65536",
    "-U",
    "--immediate-mode",
    "-w",
    pcap,
    `tcp port ${port}`,
  ]);
  let err = "";
  const ready = new Promise<void>((resolveReady, rejectReady) => {
    t.child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.includes("listening on")) resolveReady();
    });
    t.exited.then(() => rejectReady(new Error(`tcpdump exited: ${err.trim()}`)));
  });
  const timeout = sleep(Math.max(0, deadline - Date.now())).then(() => {
    throw new Error("tcpdump did not start");
  });
  await Promise.race([ready, timeout]);
  return { t, stderr: () => err };
}

/** Command line of one client step. Keys are dumped with debugencryption at debug level 10. */
export function stepCommand(step: Step, port: number): { cmd: string; args: string[] } {
  const opts = (o?: Record<string, ConfValue>) =>
    Object.entries(o ?? {}).map(([k, v]) => `--option=${k}=${confValue(v)}`);
  const keyDump = ["--option=debugencryption=yes", "-d", "10", "--debug-stdout"];
  if (isSmbclient(step)) {
    const args = [`//127.0.0.1/${step.share ?? "share"}`, "-p", String(port), "-U", `${USER}%${PASSWORD}`];
    if (step.maxProtocol) args.push("-m", step.maxProtocol);
    if (step.protection) args.push(`--client-protection=${step.protection}`);
    args.push(...opts(step.options), ...keyDump, "-c", step.smbclient.join("; "));
    return { cmd: "smbclient", args };
  }
  if (isImpacket(step)) {
    const script = isAbsolute(step.impacket) ? step.impacket : join(SCENARIO_DIR, "impacket", step.impacket);
    return {
      cmd: PY,
      args: [script, "127.0.0.1", String(port), USER, PASSWORD, "share", ...(step.args ?? [])],
    };
  }
  const args = ["//127.0.0.1/share", "-p", String(port), "-U", `${USER}%${PASSWORD}`];
  args.push(...opts(step.options), ...keyDump, ...step.smbtorture);
  return { cmd: "smbtorture", args };
}

class StepError extends Error {}

/** Run a scenario end to end; always tears down its smbd/tcpdump/temp dir, even on failure. */
export async function runScenario(scenario: Scenario | string, opts: RunOptions): Promise<CaptureResult> {
  const sc = typeof scenario === "string" ? loadScenario(scenario) : validateScenario(scenario);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const pcap = join(outDir, `${sc.name}.pcap`);
  const keyFile = join(outDir, `${sc.name}.keys`);
  const logFile = join(outDir, `${sc.name}.log`);
  const logParts: string[] = [];
  const t0 = Date.now();
  const log = (s: string) => logParts.push(s);
  const phase = (what: string) => logParts.push(`# +${Date.now() - t0} ms ${what}`);

  let smbdPort = 0;
  let smbdOut: { text: () => string } | undefined;
  const res = new RunResources();
  let finished = false;
  // Runs once, after the processes are gone: on success, on failure, and from the SIGINT/SIGTERM
  // handler (which exits before this function's finally could run).
  const finish = () => {
    if (finished) return;
    finished = true;
    if (smbdOut) log(`\n# smbd output\n${smbdOut.text()}`);
    // Also on failure: the partial capture is what one wants to look at.
    if (!opts.keepPort && smbdPort && existsSync(pcap)) {
      try {
        rewritePort(pcap, smbdPort, 445);
      } catch {
        // an empty/garbled capture is left as is
      }
    }
    // Write what we have even on failure: it is the first thing to read when a scenario breaks.
    try {
      writeFileSync(logFile, logParts.join("\n"));
    } catch {
      // outDir may be gone
    }
  };
  res.finalizers.push(finish);
  registerRun(res);
  const tmp = mkdtempSync(join(tmpdir(), "smbcmp-harness-"));
  res.dirs.add(tmp);
  let overall: NodeJS.Timeout | undefined;
  try {
    // smbd serves the share as smbtest, who must be able to traverse the temp dir.
    chmodSync(tmp, 0o755);
    const ids = ensureUser();
    for (const d of ["private", "lock", "state", "cache", "pid", "ncalrpc", "log", "bind-dns", "local"]) {
      mkdirSync(join(tmp, d), { mode: 0o755 });
    }
    chmodSync(join(tmp, "private"), 0o700);
    const share = join(tmp, "share");
    mkdirSync(share);
    chownSync(share, ids.uid, ids.gid);
    chmodSync(share, 0o755);
    createFiles(share, sc.setup, ids);
    createFiles(join(tmp, "local"), sc.local, { uid: 0, gid: 0 });

    // The port is free when chosen but could be taken before smbd binds it: retry with a new one,
    // and never talk to a listener that is not our smbd.
    const conf = join(tmp, "smb.conf");
    let port = 0;
    let smbd: Tracked | undefined;
    for (let attempt = 1; !smbd; attempt++) {
      port = await freePort();
      smbdPort = port;
      const confText = buildConf(tmp, port, sc);
      writeFileSync(conf, confText);
      log(`# scenario ${sc.name}\n# port ${port}\n# smb.conf\n${confText}`);
      execFileSync("smbpasswd", ["-c", conf, "-s", "-a", USER], {
        input: `${PASSWORD}\n${PASSWORD}\n`,
        env: { ...process.env, _NO_WINBINDD: "1" },
        stdio: ["pipe", "ignore", "pipe"],
      });
      // _NO_WINBINDD keeps this standalone server away from any winbindd on the machine (nsswitch
      // may list winbind): SID->uid mapping must come from our own passdb only.
      const t = res.spawn("smbd", "smbd", ["-s", conf, "-F", "--no-process-group", "--debug-stdout"], {
        env: { ...process.env, _NO_WINBINDD: "1" },
      });
      smbdOut = collect(t);
      try {
        await waitForPort(port, t, Math.min(deadline, Date.now() + 15_000));
        if (!listenerIsOurs(port, t.pid)) throw new Error(`port ${port} is served by another process`);
        smbd = t;
      } catch (e) {
        await res.stop(t, "SIGTERM", 2000);
        log(`# smbd attempt ${attempt} failed: ${(e as Error).message}\n${smbdOut.text()}`);
        smbdOut = undefined;
        if (attempt >= 3) throw e;
      }
    }
    phase("smbd listening");

    const { t: tcpdump, stderr: tcpdumpErr } = await startTcpdump(
      res,
      pcap,
      port,
      Math.min(deadline, Date.now() + 10_000),
    );
    phase("tcpdump listening");
    opts.onStart?.({ tmpDir: tmp, pids: [smbd.pid, tcpdump.pid] });

    const timeoutPromise = new Promise<never>((_, rej) => {
      overall = setTimeout(() => rej(new Error(`scenario ${sc.name}: timed out`)), deadline - Date.now());
    });
    const keyTexts: string[] = [];
    const background: Promise<void>[] = [];
    const runStep = async (step: Step, i: number): Promise<void> => {
      if (step.delayMs) await sleep(step.delayMs);
      const { cmd, args } = stepCommand(step, port);
      const t = res.spawn(`step${i}`, cmd, args, { cwd: join(tmp, "local") });
      const out = collect(t);
      const stepTimeout = step.timeoutMs ?? 30_000;
      const timer = setTimeout(() => void res.stop(t, "SIGKILL", 100), stepTimeout);
      const code = await t.exited;
      // A child that outlives it could hold the pipes open: wait for their end a few seconds at most.
      await Promise.race([out.ended, sleep(5000)]);
      clearTimeout(timer);
      res.procs.delete(t);
      const text = out.text();
      keyTexts.push(text);
      log(`\n# step ${i}: ${cmd} ${args.map((a) => (/\s|;/.test(a) ? JSON.stringify(a) : a)).join(" ")}`);
      log(`# exit ${code}`);
      phase(`step ${i} done`);
      log(text);
      if (code !== 0 && !step.mayFail) {
        // The step's last line (an ImportError, a client's NT status) says why without the log.
        const why = text.trim().split("\n").pop()?.slice(0, 200);
        throw new StepError(
          `scenario ${sc.name}: step ${i} (${cmd}) exited with ${code}${why ? `: ${why}` : ""}`,
        );
      }
    };
    const steps = (async () => {
      for (const [i, step] of sc.steps.entries()) {
        if (step.background) {
          const p = runStep(step, i);
          p.catch(() => {}); // observed through Promise.all below; avoid an unhandled rejection meanwhile
          background.push(p);
        } else await runStep(step, i);
      }
      await Promise.all(background);
    })();
    steps.catch(() => {}); // if the timeout wins, a later step failure must not crash the process
    await Promise.race([steps, timeoutPromise]);

    // Let the last FIN/ACKs land, then stop tcpdump first so the file is complete and flushed.
    phase("steps done");
    await sleep(300);
    await res.stop(tcpdump, "SIGINT", 5000);
    phase("tcpdump stopped");
    log(`# tcpdump: ${tcpdumpErr().trim().replace(/\n/g, "; ")}`);
    const dropped = Number(/(\d+) packets? dropped by kernel/.exec(tcpdumpErr())?.[1] ?? 0);
    await res.stop(smbd, "SIGTERM", 3000);
    phase("smbd stopped");
    const pcapPort = opts.keepPort ? port : 445;

    const keys = parseKeys(keyTexts.join("\n"));
    writeFileSync(keyFile, formatKeyFile(keys, `scenario ${sc.name}, port ${port}`));
    return { pcap, keys, log: logFile, port: pcapPort, smbdPort: port, dropped };
  } finally {
    clearTimeout(overall);
    await res.stopAll();
    unregisterRun(res);
    finish();
  }
}
