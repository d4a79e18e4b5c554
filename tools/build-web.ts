/**
 * Builds the web UI: bundles src/web/client/main.ts (the UI) and src/web/client/engine-worker.ts
 * (the engine, node built-ins replaced by src/web/shims) with esbuild and inlines both into one
 * self-contained dist/web/index.html, which is both the static in-browser app and what
 * `smbcmp web` serves.
 *   node --import tsx tools/build-web.ts [OUTDIR]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const shims = path.join(root, "src/web/shims");

const SHIM: Record<string, string> = {
  "node:fs": "fs.ts",
  "node:crypto": "crypto.ts",
  "node:os": "misc.ts",
  "node:path": "misc.ts",
  "node:zlib": "misc.ts",
  "node:stream/promises": "misc.ts",
  "node:child_process": "misc.ts",
};

async function bundle(entry: string): Promise<string> {
  const esbuild = await import("esbuild");
  const r = await esbuild.build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    logLevel: "error",
    inject: [path.join(shims, "buffer-global.ts")],
    define: { "process.env.NODE_ENV": '"production"' },
    plugins: [
      {
        name: "node-shims",
        setup(b) {
          b.onResolve({ filter: /^node:/ }, (a) => {
            const f = SHIM[a.path];
            if (!f)
              return { errors: [{ text: `${a.path} has no browser shim (imported by ${a.importer})` }] };
            return { path: path.join(shims, f) };
          });
        },
      },
    ],
  });
  // Inline in <script>: "</script" must not appear (as "<\/script" it means the same in JS).
  return r.outputFiles[0]!.text.replace(/<\/script/gi, "<\\/script");
}

/**
 * The page: the UI bundle, and the engine bundle as a text/plain script that the static mode turns
 * into a Web Worker (a Blob URL: works from file:// too, one file to share).
 */
export async function buildWeb(): Promise<string> {
  const [ui, engine] = await Promise.all([
    bundle("src/web/client/main.ts"),
    bundle("src/web/client/engine-worker.ts"),
  ]);
  const tpl = fs.readFileSync(path.join(root, "src/web/client/index.html"), "utf8");
  const i = tpl.indexOf("<!--APP-->");
  return `${tpl.slice(0, i)}<script id="smbcmp-engine" type="text/plain">${engine}</script><script>${ui}</script>${tpl.slice(i + "<!--APP-->".length)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const out = path.resolve(process.argv[2] ?? path.join(root, "dist/web"));
  const t0 = Date.now();
  const html = await buildWeb();
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "index.html"), html);
  process.stdout.write(
    `${path.join(out, "index.html")}: ${(html.length / 1024).toFixed(0)} KiB in ${Date.now() - t0} ms\n`,
  );
}
