// Declarative scenario files (tools/scenarios/*.json): a server config, files to create, client steps.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Expectation } from "./verify.js";

export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "scenarios");

export type ConfValue = string | number | boolean;

export interface ServerConfig {
  /** Extra/overriding [global] parameters. */
  global?: Record<string, ConfValue>;
  /** Extra/overriding parameters of the [share] section. */
  share?: Record<string, ConfValue>;
}

export interface FileSpec {
  /** Path relative to the share (or the client's local dir for `local`). */
  path: string;
  /** Create a directory instead of a file. */
  dir?: boolean;
  /** Text content (default empty). */
  content?: string;
  /** Size in bytes of deterministic filler content (instead of `content`). */
  size?: number;
  /** Octal mode string, e.g. "0644". */
  mode?: string;
  /** "smbtest" (default) or "root". */
  owner?: "smbtest" | "root";
}

interface StepBase {
  /** Non-zero exit code is expected/allowed; otherwise it fails the scenario. */
  mayFail?: boolean;
  /** Per-step timeout (ms), default 30000. */
  timeoutMs?: number;
  /** Start it and go on with the next step; it is waited for before the capture stops. */
  background?: boolean;
  /** Wait this long (ms) before starting the step. */
  delayMs?: number;
}

export interface SmbclientStep extends StepBase {
  /** smbclient commands, joined with ";" and passed with -c. */
  smbclient: string[];
  /** -m: max protocol (NT1, SMB2_02, SMB2_10, SMB3_00, SMB3_02, SMB3_11). */
  maxProtocol?: string;
  /** --client-protection=sign|encrypt|off */
  protection?: "sign" | "encrypt" | "off";
  /** Extra --option=name=value. */
  options?: Record<string, ConfValue>;
  /** Share name (default "share"). */
  share?: string;
}

export interface SmbtortureStep extends StepBase {
  /** Test names, e.g. ["smb2.lock.rw-none"]. */
  smbtorture: string[];
  options?: Record<string, ConfValue>;
}

export interface ImpacketStep extends StepBase {
  /** Python script in tools/scenarios/impacket/ (or an absolute path) run with /usr/bin/python3. */
  impacket: string;
  /** Extra arguments after HOST PORT USER PASSWORD SHARE. */
  args?: string[];
}

export type Step = SmbclientStep | SmbtortureStep | ImpacketStep;

export interface Scenario {
  name: string;
  description?: string;
  server?: ServerConfig;
  /** Files/dirs created in the share before smbd starts. */
  setup?: FileSpec[];
  /** Files created in the client's local working directory (for `put`). */
  local?: FileSpec[];
  steps: Step[];
  /** What tshark must show in the capture (checked by `cli run --verify` and the tests). */
  expect?: Expectation;
}

export function isSmbclient(s: Step): s is SmbclientStep {
  return Array.isArray((s as SmbclientStep).smbclient);
}
export function isSmbtorture(s: Step): s is SmbtortureStep {
  return Array.isArray((s as SmbtortureStep).smbtorture);
}
export function isImpacket(s: Step): s is ImpacketStep {
  return typeof (s as ImpacketStep).impacket === "string";
}

function fail(where: string, msg: string): never {
  throw new Error(`scenario ${where}: ${msg}`);
}

function checkConf(where: string, o: unknown): void {
  if (o === undefined) return;
  if (typeof o !== "object" || o === null || Array.isArray(o)) fail(where, "must be an object");
  for (const [k, v] of Object.entries(o)) {
    if (!["string", "number", "boolean"].includes(typeof v)) fail(where, `${k} must be a scalar`);
    // A newline would let a value inject arbitrary smb.conf lines.
    if (/[\r\n]/.test(k + String(v))) fail(where, `${k}: newline not allowed`);
  }
}

function checkFiles(where: string, files: unknown): void {
  if (files === undefined) return;
  if (!Array.isArray(files)) fail(where, "must be an array");
  for (const f of files as FileSpec[]) {
    if (
      typeof f.path !== "string" ||
      f.path === "" ||
      f.path.startsWith("/") ||
      f.path.split("/").includes("..")
    )
      fail(where, `bad path ${JSON.stringify(f.path)}`);
    if (f.mode !== undefined && !/^0?[0-7]{3,4}$/.test(f.mode)) fail(where, `bad mode ${f.mode}`);
    if (f.owner !== undefined && f.owner !== "smbtest" && f.owner !== "root") fail(where, "bad owner");
  }
}

/** Validate a parsed scenario object; throws with a readable message. */
export function validateScenario(s: unknown, where = "<object>"): Scenario {
  if (typeof s !== "object" || s === null) fail(where, "not an object");
  const sc = s as Scenario;
  if (typeof sc.name !== "string" || !/^[A-Za-z0-9._-]+$/.test(sc.name))
    fail(where, "name must be [A-Za-z0-9._-]+");
  checkConf(`${where} server.global`, sc.server?.global);
  checkConf(`${where} server.share`, sc.server?.share);
  checkFiles(`${where} setup`, sc.setup);
  checkFiles(`${where} local`, sc.local);
  if (!Array.isArray(sc.steps) || sc.steps.length === 0) fail(where, "steps must be a non-empty array");
  sc.steps.forEach((st, i) => {
    const kinds = [isSmbclient(st), isSmbtorture(st), isImpacket(st)].filter(Boolean).length;
    if (kinds !== 1) fail(where, `step ${i}: needs exactly one of smbclient, smbtorture, impacket`);
    const strings = (a: unknown[]) => a.every((x) => typeof x === "string" && !/[\r\n]/.test(x));
    if (isSmbclient(st)) {
      checkConf(`${where} step ${i} options`, st.options);
      // commands are joined with ";" for -c, so one entry must not smuggle in another
      if (!strings(st.smbclient) || st.smbclient.some((c) => c.includes(";")))
        fail(where, `step ${i}: smbclient commands must be strings without ';' or newlines`);
    }
    if (isSmbtorture(st)) {
      checkConf(`${where} step ${i} options`, st.options);
      if (!st.smbtorture.every((t) => typeof t === "string" && /^[A-Za-z][A-Za-z0-9_.-]*$/.test(t)))
        fail(where, `step ${i}: smbtorture entries must be test names`);
    }
    if (isImpacket(st)) {
      if (st.impacket.split("/").includes("..") || (st.args !== undefined && !strings(st.args)))
        fail(where, `step ${i}: bad impacket script or args`);
    }
  });
  return sc;
}

/** Load a scenario by name (tools/scenarios/<name>.json) or by file path. */
export function loadScenario(nameOrPath: string): Scenario {
  const candidates = [nameOrPath, join(SCENARIO_DIR, nameOrPath), join(SCENARIO_DIR, `${nameOrPath}.json`)];
  const file = candidates.find((c) => c.endsWith(".json") && existsSync(c));
  if (!file) throw new Error(`scenario not found: ${nameOrPath}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`scenario ${file}: ${(e as Error).message}`);
  }
  return validateScenario(parsed, basename(file));
}

/** Names of all scenario files in tools/scenarios (pairs.json excluded). */
export function listScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".json") && f !== "pairs.json")
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Merge server overrides (b wins), keeping the rest of the scenario. */
export function withServer(sc: Scenario, name: string, server?: ServerConfig, setup?: FileSpec[]): Scenario {
  return {
    ...sc,
    name,
    server: {
      global: { ...sc.server?.global, ...server?.global },
      share: { ...sc.server?.share, ...server?.share },
    },
    setup: setup ? [...(sc.setup ?? []), ...setup] : sc.setup,
  };
}
