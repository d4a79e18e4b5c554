/**
 * The bin users run (package.json "bin": dist/bundle/main.mjs, made by scripts/bundle.mjs), for the
 * tests that run smbcmp as a subprocess: the bundle and its worker threads are what they test. It is
 * rebuilt first when anything under src/ (or the bundling) is newer, so `npm test` after an edit
 * never runs a stale bundle.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { dirname, join } from "node:path";

export const ROOT = join(import.meta.dirname, "../..");
const PKG = join(ROOT, "package.json");

/** The newest modification time of `path` and, for a folder, of everything below it. */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const n of readdirSync(path)) t = Math.max(t, newest(join(path, n)));
  return t;
}

function run(args: string[], what: string): void {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr}`);
}

let bin: string | undefined;
let web = false;

/**
 * The path of the bin, built if stale (once per test process). `web`: also the UI page that
 * `smbcmp web` serves from the package (dist/web/index.html, tools/build-web.ts).
 */
export function smbcmpBin(opts: { web?: boolean } = {}): string {
  if (!bin) {
    const pkg = JSON.parse(readFileSync(PKG, "utf8")) as { bin: { smbcmp: string } };
    const path = join(ROOT, pkg.bin.smbcmp);
    const inputs = Math.max(newest(join(ROOT, "src")), newest(PKG), newest(join(ROOT, "scripts/bundle.mjs")));
    if (!existsSync(path) || statSync(path).mtimeMs <= inputs)
      run(["scripts/bundle.mjs"], "scripts/bundle.mjs");
    bin = path;
  }
  if (opts.web && !web) {
    const page = join(ROOT, "dist/web/index.html");
    const inputs = Math.max(newest(join(ROOT, "src")), newest(join(ROOT, "tools/build-web.ts")));
    if (!existsSync(page) || statSync(page).mtimeMs <= inputs) {
      // Built aside, then renamed: a concurrent test's server may be reading the page.
      const tmp = mkdtempSync(join(ROOT, "dist/.web-"));
      try {
        run(["--import", "tsx", "tools/build-web.ts", tmp], "tools/build-web.ts");
        mkdirSync(dirname(page), { recursive: true });
        renameSync(join(tmp, "index.html"), page);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    web = true;
  }
  return bin;
}
