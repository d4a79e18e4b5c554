// Helpers for the harness end-to-end tests.
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** Live (non-zombie) processes whose command line mentions `needle`. */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").replace(/\0/g, " ");
      const state = readFileSync(`/proc/${d}/stat`, "utf8").replace(/^.*\) /, "")[0];
      if (state !== "Z" && cmd.includes(needle)) out.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** True while the pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.replace(/^.*\) /, "")[0] !== "Z";
  } catch {
    return false;
  }
}

export function assertCleanedUp(info: { tmpDir: string; pids: number[] }): string[] {
  const problems: string[] = [];
  if (existsSync(info.tmpDir)) problems.push(`temp dir ${info.tmpDir} still exists`);
  for (const p of info.pids) if (alive(p)) problems.push(`pid ${p} still alive`);
  const left = processesMentioning(info.tmpDir);
  if (left.length) problems.push(`processes still using ${info.tmpDir}: ${left.join(",")}`);
  return problems;
}

/**
 * The end-to-end capture tests need root and Samba; scripts/ci.sh installs the tools, so a missing
 * one is a failure, never a skip. Returns false (do not skip) or throws with what is missing.
 */
export function captureSkipReason(): false {
  if (process.getuid?.() !== 0) throw new Error("harness tests need root (useradd, smbpasswd, tcpdump)");
  for (const tool of ["/usr/sbin/smbd", "/usr/bin/smbclient", "/usr/bin/tcpdump", "/usr/bin/tshark"]) {
    if (!existsSync(tool)) throw new Error(`${tool} not installed: run scripts/ci.sh`);
  }
  return false;
}
