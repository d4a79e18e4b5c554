/** `smbcmp stats F [G]`: command counts, error statuses, response times, sessions; two side by side. */
import { compareStats, type DeltaRow, StatsBuilder, type TraceStats, traceStats } from "../../stats/index.js";
import { streamTrace } from "../../trace/index.js";
import { type OptSpec, optionHelp, parseArgs } from "../args.js";
import {
  CliError,
  COMMON_OPTS,
  colorOf,
  FILTER_OPT,
  loadOpts,
  loadTrace,
  openOptions,
  out,
  parseFilterOpt,
} from "../common.js";

export const STATS_OPTS: OptSpec[] = [...COMMON_OPTS, FILTER_OPT];

export const STATS_HELP = `usage: smbcmp stats CAPFILE [CAPFILE2] [options]

Per-command request/response counts, error statuses by count, service response times per
command (p50/p90/p99/max in milliseconds, like tshark -z smb2,srt), RPC calls on named pipes by
operation (calls, faults, response times, like tshark -z dcerpc,srt), sessions, tree connects and
dialects. With two captures: both side by side with the differences (B - A).

options:
%OPTIONS%

Examples:
  smbcmp stats examples/good.pcap
  smbcmp stats examples/good.pcap examples/bad.pcap
  smbcmp stats big.pcapng --json | jq '.traces[0].srt'
  smbcmp stats trace.pcap -Y 'smb2.cmd == 8'`;

export const statsHelp = () => STATS_HELP.replace("%OPTIONS%", optionHelp(STATS_OPTS));

const ms = (s: number) => (s * 1000).toFixed(3);

function table(head: string[], rows: string[][], right: Set<number>): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!)))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

function one(s: TraceStats, paint: (t: string, c: string) => string): string {
  const parts: string[] = [];
  parts.push(
    `${s.path}: ${s.packets} SMB packets, ${s.messages} messages, ${s.connections} connection${s.connections === 1 ? "" : "s"}, ${s.duration.toFixed(3)} s${s.unanswered ? `, ${s.unanswered} requests without response` : ""}`,
  );
  parts.push(
    `\nCommands\n${table(
      ["command", "requests", "responses", "errors"],
      s.commands.map((c) => [
        c.name,
        String(c.requests),
        String(c.responses),
        c.errors ? paint(String(c.errors), "31") : "0",
      ]),
      new Set([1, 2, 3]),
    )}`,
  );
  parts.push(
    `\nStatuses (non-success)\n${
      s.statuses.length
        ? table(
            ["count", "status", "name", "commands"],
            s.statuses.map((x) => [String(x.count), x.hex, x.name, x.commands.join(", ")]),
            new Set([0]),
          )
        : "  none"
    }`,
  );
  parts.push(
    `\nService response time (ms)\n${table(
      ["command", "count", "min", "p50", "p90", "p99", "max", "avg"],
      s.srt.map((x) => [
        x.name,
        String(x.count),
        ms(x.min),
        ms(x.p50),
        ms(x.p90),
        ms(x.p99),
        ms(x.max),
        ms(x.avg),
      ]),
      new Set([1, 2, 3, 4, 5, 6, 7]),
    )}`,
  );
  if (s.rpc.length)
    parts.push(
      `\nRPC calls on named pipes (ms from request to response)\n${table(
        ["operation", "calls", "answered", "faults", "min", "p50", "p90", "max"],
        s.rpc.map((x) => [
          x.operation,
          String(x.calls),
          String(x.answered),
          x.faults ? paint(String(x.faults), "31") : "0",
          ms(x.min),
          ms(x.p50),
          ms(x.p90),
          ms(x.max),
        ]),
        new Set([1, 2, 3, 4, 5, 6, 7]),
      )}`,
    );
  parts.push(
    `\nDialects: ${s.dialects.map((d) => `${d.dialect} (${d.connections})`).join(", ") || "-"}` +
      `\nSessions: ${s.sessions.map((x) => `${x.session_id}${x.user ? ` ${x.user}` : ""}${x.dialect ? ` ${x.dialect}` : ""}`).join(", ") || "-"}` +
      `\nTree connects: ${s.trees.map((t) => `${t.tree_id} ${t.share}`).join(", ") || "-"}`,
  );
  return `${parts.join("\n")}\n`;
}

function deltaTable(
  title: string,
  rows: DeltaRow[],
  fmt: (n: number) => string,
  paint: (t: string, c: string) => string,
): string {
  if (!rows.length) return `\n${title}\n  none\n`;
  const sign = (n: number) => (n > 0 ? `+${fmt(n)}` : n < 0 ? `-${fmt(-n)}` : "0");
  return `\n${title}\n${table(
    ["", "A", "B", "B-A"],
    rows.map((r) => [
      r.name,
      fmt(r.a),
      fmt(r.b),
      r.delta ? paint(sign(r.delta), r.delta > 0 ? "33" : "36") : "0",
    ]),
    new Set([1, 2, 3]),
  )}\n`;
}

export async function statsCommand(argv: string[]): Promise<number> {
  const { opts, rest } = parseArgs(argv, STATS_OPTS);
  if (opts.help) {
    out(`${statsHelp()}\n`);
    return 0;
  }
  if (rest.length < 1 || rest.length > 2)
    throw new CliError("stats needs one or two CAPFILEs (see smbcmp stats -h)");
  const color = colorOf(opts);
  const paint = (t: string, c: string) => (color ? `\x1b[${c}m${t}\x1b[0m` : t);
  const filter = parseFilterOpt(opts["display-filter"] as string | undefined);
  const lo = { ...loadOpts(opts), filter };
  const stats: TraceStats[] = [];
  const none = (path: string) =>
    new CliError(filter ? `no packet of ${path} matches the filter` : `No SMB packet in ${path}`);
  for (const path of rest) {
    if (!filter?.needsTree && lo.engine !== "tshark") {
      // Statistics need each packet once: streamed, no index is built.
      const b = new StatsBuilder();
      const { smb2, rpc } = await streamTrace(path, openOptions(path, lo), (p) => {
        if (!filter || filter.matchesPacket(p)) b.add(p);
      });
      if (!b.packets) throw none(path);
      stats.push(b.result(path, smb2, rpc));
      continue;
    }
    const t = await loadTrace(path, lo);
    try {
      if (!t.packets.length) throw none(path);
      stats.push(traceStats(t));
    } finally {
      t.close();
    }
  }
  const cmp = stats.length === 2 ? compareStats(stats[0]!, stats[1]!) : undefined;
  if (opts.json) {
    out(
      `${JSON.stringify({ version: 1, type: "stats", traces: stats, ...(cmp ? { comparison: cmp } : {}) })}\n`,
    );
    return 0;
  }
  if (!cmp) {
    out(one(stats[0]!, paint));
    return 0;
  }
  out(`A: ${one(stats[0]!, paint)}\nB: ${one(stats[1]!, paint)}`);
  out(deltaTable("Commands (requests + responses)", cmp.commands, String, paint));
  out(deltaTable("Statuses", cmp.statuses, String, paint));
  out(deltaTable("Median response time (ms)", cmp.srt_p50, ms, paint));
  if (cmp.rpc.length) out(deltaTable("RPC calls on named pipes", cmp.rpc, String, paint));
  return 0;
}
