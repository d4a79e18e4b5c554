/** `smbcmp web [A [B]]`: the browser UI on a local, token-protected HTTP server. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { loadConfig } from "../../diff/config.js";
import { loadUiHtml } from "../../web/assets.js";
import { isLoopback, startServer } from "../../web/server.js";
import { optionHelp, parseArgs } from "../args.js";
import { CliError, COMMON_OPTS, gatherKeys, loadOpts, out, parsePorts } from "../common.js";

export const WEB_OPTS = [
  ...COMMON_OPTS.filter((o) => o.name !== "json" && o.name !== "port"),
  { name: "smb-port", value: true, repeat: true, arg: "PORT", help: "also decode this TCP port as SMB" },
  { name: "port", value: true, arg: "PORT", help: "HTTP port to listen on (default: a random free port)" },
  {
    name: "host",
    value: true,
    arg: "ADDR",
    help: "address to listen on (default 127.0.0.1; anything else exposes your captures to the network)",
  },
  { name: "no-open", help: "do not open a browser" },
  { name: "max-upload", value: true, arg: "MB", help: "largest capture accepted by upload (default 1024)" },
];

export const WEB_HELP = `usage: smbcmp web [CAPFILE [CAPFILE]] [options]

Starts a local web UI (http://127.0.0.1:PORT/?token=...) on one capture or an aligned pair; more
captures can be dropped on the page. Requests without the printed token are refused (403).
Static, serverless build of the same UI: node --import tsx tools/build-web.ts (dist/web/index.html).

options:
${optionHelp(WEB_OPTS)}`;

function openBrowser(url: string): void {
  const xdg = ["/usr/bin/xdg-open", "/usr/local/bin/xdg-open", "/bin/xdg-open"].find(existsSync);
  if (!xdg || (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)) return;
  try {
    spawn(xdg, [url], { stdio: "ignore", detached: true })
      .on("error", () => {})
      .unref();
  } catch {
    // no browser: the URL is printed anyway
  }
}

export async function webCommand(argv: string[]): Promise<number> {
  const { opts, rest } = parseArgs(argv, WEB_OPTS);
  if (opts.help) {
    out(`${WEB_HELP}\n`);
    return 0;
  }
  if (rest.length > 2) throw new CliError("web takes at most two capture files (see smbcmp web -h)");
  const load = loadOpts({ ...opts, port: opts["smb-port"] ?? [] });
  const keys = gatherKeys(load);
  const ports = parsePorts(load.ports);
  let port = 0;
  if (opts.port !== undefined) {
    port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`bad port: ${opts.port}`);
  }
  const host = (opts.host as string | undefined) ?? "127.0.0.1";
  if (!isLoopback(host))
    process.stderr.write(
      `smbcmp: warning: listening on ${host}: anyone who can reach it and learns the token can read your captures\n`,
    );
  const maxMb = Number(opts["max-upload"] ?? 1024);
  if (!(maxMb > 0)) throw new CliError(`bad --max-upload: ${opts["max-upload"]}`);
  const html = await loadUiHtml();
  const srv = await startServer({
    host,
    port,
    html,
    ports,
    keys,
    maxUpload: maxMb * 1024 * 1024,
    nbss: load.nbss,
    engine: load.engine as "native" | "tshark" | undefined,
    tshark: loadConfig(load.config).tsharkPath,
  });
  try {
    if (rest[0]) await srv.open("a", rest[0]);
    if (rest[1]) await srv.open("b", rest[1]);
  } catch (e) {
    await srv.close();
    throw e;
  }
  out(`smbcmp web: ${srv.url}\n(Ctrl-C to stop)\n`);
  if (!opts["no-open"]) openBrowser(srv.url);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await srv.close();
  return 0;
}
