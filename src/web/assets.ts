/**
 * The UI page for the server: the static build (dist/web/index.html, made by `npm run build`) of
 * the package this module belongs to, whether it runs from src/ (tsx), dist/src/ or the bundle
 * (dist/bundle/); in a source checkout under tsx without a build, bundled on the fly by
 * tools/build-web.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The nearest folder above this module with smbcmp's package.json. */
function packageRoot(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    try {
      if (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name === "smbcmp") return dir;
    } catch {}
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export async function loadUiHtml(): Promise<string> {
  const root = packageRoot();
  const built = root && join(root, "dist/web/index.html");
  if (built && existsSync(built)) return readFileSync(built, "utf8");
  const tool = root && join(root, "tools/build-web.ts");
  // Only TypeScript-aware Node (tsx) can import the builder.
  if (tool && existsSync(tool) && import.meta.url.endsWith(".ts")) {
    const m = (await import(pathToFileURL(tool).href)) as { buildWeb(): Promise<string> };
    return m.buildWeb();
  }
  throw new Error("web UI not built: run 'npm run build' (or 'node --import tsx tools/build-web.ts')");
}
