/** `runTui`: starts the terminal UI on one capture (packet + detail) or two (aligned diff). */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { LoadOpts } from "../cli/common.js";
import { loadConfig } from "../diff/config.js";
import { WorkerTrace } from "../worker/trace.js";
import { Alignment, AlignWorker } from "./alignment.js";
import { App } from "./app.js";
import { ENTER, LEAVE } from "./screen.js";

export interface TuiOptions {
  pathA: string;
  pathB?: string;
  startA?: number;
  startB?: number;
  load: LoadOpts;
  profile?: string;
  /** Initial list filter (display filter or substring). */
  filter?: string;
  /** Config file (default ~/.smbcmp or $SMBCMP_CONFIG). */
  configPath?: string;
}

/** Why a path cannot be opened, in one line, or undefined. */
export function checkPath(p: string): string | undefined {
  if (!existsSync(p)) return `${p}: no such file`;
  try {
    if (statSync(p).isDirectory()) return `${p}: is a directory`;
  } catch (e) {
    return `${p}: ${(e as Error).message}`;
  }
  return undefined;
}

/** Runs until the user quits; resolves with the exit code. The terminal is restored on every exit path. */
export function runTui(o: TuiOptions): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const config = loadConfig(o.configPath);
  // SMBCMP_TUI_STATS=FILE: milestones and the longest UI-thread stall, written as JSON on exit
  // (how the freeze numbers of the TUI are measured).
  const statsFile = process.env.SMBCMP_TUI_STATS;
  const t0 = performance.now();
  const stats: Record<string, number> = {};
  const mark = (k: string) => {
    stats[k] ??= Math.round(performance.now() - t0);
  };
  const lag = statsFile ? monitorEventLoopDelay({ resolution: 10 }) : undefined;
  lag?.enable();
  return new Promise((resolve) => {
    let restored = false;
    const restore = () => {
      if (restored) return;
      restored = true;
      stdout.write(LEAVE);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
    };
    const finish = (code: number) => {
      app.close();
      restore();
      process.off("exit", restore);
      process.off("uncaughtException", crash);
      stdout.off("resize", onResize);
      stdin.off("data", onData);
      // Quitting cancels loading and an alignment still running.
      aligner?.close();
      a.close();
      b?.close();
      if (statsFile && lag) {
        lag.disable();
        stats.maxStallMs = Math.round(lag.max / 1e6);
        stats.p99StallMs = Math.round(lag.percentile(99) / 1e6);
        writeFileSync(statsFile, `${JSON.stringify(stats)}\n`);
      }
      resolve(code);
    };
    const crash = (e: Error) => {
      app?.close();
      restore();
      process.stderr.write(`smbcmp: internal error: ${e.message}\n`);
      process.exit(2);
    };
    const ev = {
      onProgress: () => {
        mark("firstPacketsMs");
        app.onProgress();
      },
      onDone: () => {
        if (a.loaded && (!b || b.loaded)) mark("loadedMs");
        app.onLoaded();
      },
      onError: () => app.onError(),
    };
    const delay = Number(process.env.SMBCMP_TEST_ALIGN_DELAY_MS) || undefined;
    const aligner = o.pathB
      ? new AlignWorker(
          {
            onAligning: (na, nb) => {
              mark("aligningMs");
              app.onAligning(na + nb);
            },
            onDone: (m) => {
              mark("alignedMs");
              stats.alignWorkerMs = Math.round(m.ms);
              app.onAligned(new Alignment(a, b!, m));
              mark("alignShownMs");
            },
            onError: (m) => app.onAlignError(m),
          },
          delay,
        )
      : undefined;
    const a = new WorkerTrace(o.pathA, o.load, ev, aligner?.portA);
    const b = o.pathB ? new WorkerTrace(o.pathB, o.load, ev, aligner?.portB) : undefined;
    const app = new App({
      a,
      b,
      config,
      profile: o.profile,
      filter: o.filter,
      startA: o.startA,
      startB: o.startB,
      write: (s) => stdout.write(s),
      onQuit: () => finish(0),
    });
    const onData = (d: Buffer) => {
      try {
        app.onData(d.toString("utf8"));
      } catch (e) {
        crash(e as Error);
      }
    };
    const onResize = () => app.resize(stdout.columns || 80, stdout.rows || 24);
    process.on("exit", restore);
    process.on("uncaughtException", crash);
    stdout.write(ENTER);
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on("data", onData);
    stdin.resume();
    stdout.on("resize", onResize);
    onResize();
    mark("firstPaintMs");
  });
}
