#!/usr/bin/env node
/**
 * Bundles the CLI and its worker threads with esbuild into dist/bundle/, the package's bin: a start
 * then reads a few files instead of resolving and compiling ~150 ESM modules.
 *
 *   node scripts/bundle.mjs [OUTDIR]        (default dist/bundle; part of `npm run build`)
 *
 * The entry points keep their names, side by side: main.mjs (the bin), load-worker.mjs and
 * align-worker.mjs (TUI), compute-worker.mjs (web server); src/worker/spawn.ts and src/web/compute.ts
 * find a worker next to their own module, with their own extension. Code splitting puts shared code
 * and each lazily imported command in content-hashed chunks in the same folder, so `--version`, `-h`
 * and usage errors parse none of the engine. Files are replaced atomically (tests build concurrently).
 */
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Files of earlier builds stay this long: a process started from one may still import its chunks. */
const STALE_MS = 10 * 60 * 1000;

/** Builds the bundle into `outdir`; returns the path of the bin. */
export async function bundleCli(outdir = join(ROOT, "dist/bundle")) {
  const started = new Date();
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const r = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: {
      main: "src/cli/main.ts",
      "load-worker": "src/worker/load-worker.ts",
      "align-worker": "src/tui/align-worker.ts",
      "compute-worker": "src/web/compute-worker.ts",
    },
    outdir,
    entryNames: "[name]",
    chunkNames: "[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Less to read and parse at every start; identifiers stay, so stack traces remain readable.
    minifyWhitespace: true,
    minifySyntax: true,
    // `smbcmp --debug` maps stack traces back to src/ (main.ts enables source maps).
    sourcemap: "linked",
    sourcesContent: false,
    define: { SMBCMP_VERSION: JSON.stringify(pkg.version) },
    write: false,
    logLevel: "warning",
  });
  mkdirSync(outdir, { recursive: true });
  const bin = join(outdir, "main.mjs");
  const fresh = new Set();
  for (const f of r.outputFiles) {
    fresh.add(basename(f.path));
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    // `npx smbcmp` and `npm link` run the bin directly: it needs the execute bit (and the shebang,
    // which esbuild keeps from src/cli/main.ts).
    if (f.path === bin) chmodSync(tmp, 0o755);
    renameSync(tmp, f.path);
  }
  // The bin's time is when the sources were read: a source saved during the build is newer, and
  // test/cli/bin.ts then rebuilds.
  utimesSync(bin, started, started);
  for (const n of readdirSync(outdir)) {
    const p = join(outdir, n);
    if (!fresh.has(n) && Date.now() - statSync(p).mtimeMs > STALE_MS) rmSync(p, { force: true });
  }
  return bin;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const bin = await bundleCli(process.argv[2] && resolve(process.argv[2]));
  process.stdout.write(`${bin}: bundled in ${Date.now() - t0} ms\n`);
}
