/** `runTui`: starts the terminal UI on one capture (packet + detail) or two (aligned diff). */
import { existsSync, statSync } from "node:fs";
import type { LoadOpts } from "../cli/common.js";
import { loadConfig } from "../diff/config.js";
import { Alignment, AlignWorker } from "./alignment.js";
import { App } from "./app.js";
import { WorkerTrace } from "./loader.js";
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
      restore();
      process.off("exit", restore);
      process.off("uncaughtException", crash);
      stdout.off("resize", onResize);
      stdin.off("data", onData);
      // Quitting cancels loading and an alignment still running.
      aligner?.close();
      a.close();
      b?.close();
      resolve(code);
    };
    const crash = (e: Error) => {
      restore();
      process.stderr.write(`smbcmp: internal error: ${e.message}\n`);
      process.exit(2);
    };
    const ev = {
      onProgress: () => app.onProgress(),
      onDone: () => app.onLoaded(),
      onError: () => app.onError(),
    };
    const delay = Number(process.env.SMBCMP_TEST_ALIGN_DELAY_MS) || undefined;
    const aligner = o.pathB
      ? new AlignWorker(
          {
            onAligning: () => app.onAligning(),
            onDone: (m) => app.onAligned(new Alignment(a, b!, m)),
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
  });
}
