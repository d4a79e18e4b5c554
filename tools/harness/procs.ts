// Child process bookkeeping: every process we start gets its own process group (detached), so we can
// signal it and its forks (smbd forks one child per connection) without touching anything else.
// Active runs are registered so SIGINT/SIGTERM/exit tear them down.
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { rmSync } from "node:fs";

export interface Tracked {
  child: ChildProcess;
  pid: number;
  name: string;
  exited: Promise<number | null>;
  /** Exit code once exited (null while running, or if killed by a signal). */
  code: number | null;
  done: boolean;
}

export class RunResources {
  readonly procs = new Set<Tracked>();
  readonly dirs = new Set<string>();
  /** Run after an interrupt tore the processes down (write logs, fix up the partial capture). */
  readonly finalizers: (() => void)[] = [];

  spawn(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): Tracked {
    const child = spawn(cmd, args, {
      ...opts,
      detached: true,
      stdio: opts.stdio ?? ["ignore", "pipe", "pipe"],
    });
    if (child.pid === undefined) {
      // spawn failures (ENOENT) surface asynchronously through 'error'; make it synchronous for callers.
      throw new Error(`failed to start ${cmd}`);
    }
    const t: Tracked = {
      child,
      pid: child.pid,
      name,
      code: null,
      done: false,
      exited: new Promise((res) => {
        child.on("exit", (code) => {
          t.code = code;
          t.done = true;
          res(code);
        });
        child.on("error", () => {
          t.done = true;
          res(null);
        });
      }),
    };
    this.procs.add(t);
    return t;
  }

  /** Signal the process group, then wait up to `graceMs` and SIGKILL what is left. */
  async stop(t: Tracked, signal: NodeJS.Signals = "SIGTERM", graceMs = 3000): Promise<void> {
    if (!t.done) {
      signalGroup(t.pid, signal);
      const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
      if ((await Promise.race([t.exited, timer])) === "timeout") {
        signalGroup(t.pid, "SIGKILL");
        await t.exited;
      }
    }
    // Forked children (smbd per-connection processes) may outlive the leader briefly.
    signalGroup(t.pid, "SIGKILL");
    this.procs.delete(t);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.procs].map((t) => this.stop(t, "SIGTERM", 2000)));
    this.removeDirs();
  }

  /** Synchronous last-resort teardown (process 'exit' handler). */
  killAllSync(): void {
    for (const t of this.procs) signalGroup(t.pid, "SIGKILL");
    this.procs.clear();
    this.removeDirs();
  }

  private removeDirs(): void {
    for (const d of this.dirs) {
      try {
        rmSync(d, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // best effort; reported by the caller's checks
      }
      this.dirs.delete(d);
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

const active = new Set<RunResources>();
let handlersInstalled = false;

async function onSignal(sig: NodeJS.Signals): Promise<void> {
  uninstall();
  const hard = setTimeout(() => {
    for (const r of active) r.killAllSync();
    process.exit(sig === "SIGINT" ? 130 : 143);
  }, 5000);
  await Promise.all([...active].map((r) => r.stopAll()));
  for (const r of active) {
    for (const f of r.finalizers) {
      try {
        f();
      } catch {
        // finalizers are best effort
      }
    }
  }
  active.clear();
  clearTimeout(hard);
  // Re-raise with default disposition so the exit status reflects the signal.
  process.kill(process.pid, sig);
}
const onExit = () => {
  for (const r of active) r.killAllSync();
};

function install(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", onExit);
}
function uninstall(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  process.off("exit", onExit);
}

export function registerRun(r: RunResources): void {
  active.add(r);
  install();
}

export function unregisterRun(r: RunResources): void {
  active.delete(r);
  if (active.size === 0) uninstall();
}
