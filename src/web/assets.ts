/**
 * The UI page for the server: the static build (dist/web/index.html) found at fixed locations next
 * to this module; in a source checkout without a build, bundled on the fly by tools/build-web.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CANDIDATES = ["../../web/index.html", "../../dist/web/index.html"];

export async function loadUiHtml(): Promise<string> {
  for (const c of CANDIDATES) {
    const p = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(p)) return readFileSync(p, "utf8");
  }
  const tool = new URL("../../tools/build-web.ts", import.meta.url);
  if (existsSync(fileURLToPath(tool))) {
    const m = (await import(tool.href)) as { buildWeb(): Promise<string> };
    return m.buildWeb();
  }
  throw new Error("web UI not built: run 'node --import tsx tools/build-web.ts'");
}
