/**
 * A self-contained HTML report: one file, inline CSS, no script, no network resource. The aligned
 * operations side by side; differing rows open into collapsible field trees (<details>).
 * Every piece of text goes through `esc`.
 */
import type { AlignResult, AlignRow, PacketDiff } from "../align.js";
import type { DiffNode } from "../tree-diff.js";
import { framesText, opText } from "./common.js";
import { summaryText } from "./text.js";

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface HtmlOptions {
  title?: string;
  /** Field details for at most this many differing rows (default 1000). */
  maxDetails?: number;
  /** Include SAME rows (default true) and SAME fields (default false). */
  sameRows?: boolean;
  sameNodes?: boolean;
}

const CSS = `
body{font:13px/1.35 ui-monospace,Menlo,Consolas,monospace;margin:1em;color:#222;background:#fff}
h1{font-size:16px} .sum{margin:.5em 0 1em}
table{border-collapse:collapse;width:100%} td{vertical-align:top;padding:1px 6px;border-bottom:1px solid #eee}
td.n{color:#888;text-align:right;width:3em} td.f{color:#666;white-space:nowrap;width:7em}
tr.differ td.o{background:#fff6d5} tr.only-a td.oa{background:#fde2e2} tr.only-b td.ob{background:#e0f5e0}
tr.first td{border-top:2px solid #c60}
.tree{margin:.2em 0 .6em 2em} .tree details{margin-left:1.2em} .tree summary{cursor:pointer}
.tree div{margin-left:1.2em;white-space:pre-wrap}
.modified{color:#8a6d00} .added{color:#177a17} .removed{color:#b31b1b} .ignored{color:#999}
.same{color:#444} del{color:#b31b1b;text-decoration:none} ins{color:#177a17;text-decoration:none}
.ignored del,.ignored ins{color:inherit}
`;

function cls(n: DiffNode): string {
  return n.ignored && n.kind !== "same" ? `${n.kind} ignored` : n.kind;
}

function nodeLine(n: DiffNode): string {
  if (n.kind === "modified" && n.a !== undefined && !n.lines) {
    const k = n.label.indexOf(": ");
    const title = k >= 0 ? n.label.slice(0, k) : n.name;
    return `${esc(title)}: <del>${esc(n.a)}</del> → <ins>${esc(n.b ?? "")}</ins>`;
  }
  const mark = n.kind === "added" ? "+ " : n.kind === "removed" ? "- " : "";
  return esc(mark + (n.kind === "added" ? (n.bLabel ?? n.label) : n.label));
}

function treeHtml(nodes: readonly DiffNode[], sameNodes: boolean): string {
  let s = "";
  for (const n of nodes) {
    if (!sameNodes && n.kind === "same") continue;
    const title = `<span class="${cls(n)}" title="${esc(n.name)}">${nodeLine(n)}</span>`;
    let body = "";
    if (n.lines)
      body += n.lines
        .map(
          (l) =>
            `<div class="${l.op === "-" ? "removed" : l.op === "+" ? "added" : "same"}">${esc(l.op + " " + l.text)}</div>`,
        )
        .join("");
    if (n.children?.length)
      body += treeHtml(n.children, sameNodes || n.kind === "added" || n.kind === "removed");
    s += body
      ? `<details${n.kind !== "same" && !n.ignored ? " open" : ""}><summary>${title}</summary>${body}</details>`
      : `<div>${title}</div>`;
  }
  return s;
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>${body}</body></html>
`;
}

export function renderAlignHtml(r: AlignResult, o: HtmlOptions = {}): string {
  const title = o.title ?? `smbcmp: ${r.a.path} vs ${r.b.path}`;
  const maxDetails = o.maxDetails ?? 1000;
  let details = 0;
  const rows: string[] = [];
  r.rows.forEach((row: AlignRow, i) => {
    if (o.sameRows === false && row.kind === "same") return;
    const a = row.a ? opText(r.a, row.a) : "";
    const b = row.b ? opText(r.b, row.b) : "";
    const fa = row.a ? framesText(r.a, row.a) : "";
    const fb = row.b ? framesText(r.b, row.b) : "";
    const first = i === r.firstDivergence ? " first" : "";
    rows.push(
      `<tr class="${row.kind}${first}" id="r${i}"><td class="n">${i}</td><td class="f">${esc(fa)}</td><td class="o oa">${esc(a)}</td><td class="f">${esc(fb)}</td><td class="o ob">${esc(b)}</td></tr>`,
    );
    if (row.kind === "differ" && details < maxDetails) {
      details++;
      const d = r.fieldDiff(i);
      let inner = d.error ? `<div class="removed">error: ${esc(d.error)}</div>` : "";
      for (const p of d.parts) {
        if (!p.nodes.some((n) => n.kind !== "same")) continue;
        inner += `<details open><summary>${esc(`${p.role} (A ${p.aFrame ?? "-"}, B ${p.bFrame ?? "-"})`)}</summary>${treeHtml(p.nodes, o.sameNodes ?? false)}</details>`;
      }
      if (inner)
        rows.push(`<tr class="fields"><td></td><td colspan="4"><div class="tree">${inner}</div></td></tr>`);
    }
  });
  const body = `<h1>${esc(title)}</h1>
<div class="sum">${esc(summaryText(r))}${r.firstDivergence >= 0 ? ` — <a href="#r${r.firstDivergence}">jump</a>` : ""}</div>
<details class="sum"><summary>ignore rules (${r.rules.rules.length})</summary>${esc(r.rules.toString() || "(none)")}</details>
<table><thead><tr><th>#</th><th>A frames</th><th>${esc(r.a.path)}</th><th>B frames</th><th>${esc(r.b.path)}</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table>`;
  return page(title, body);
}

export function renderPacketHtml(
  d: PacketDiff,
  o: HtmlOptions & { aName?: string; bName?: string } = {},
): string {
  const title = o.title ?? `smbcmp: ${o.aName ?? "A"}:${d.aFrame} vs ${o.bName ?? "B"}:${d.bFrame}`;
  const body = `<h1>${esc(title)}</h1>
<div class="sum">${esc(d.error ? `error: ${d.error}` : `${d.count} difference${d.count === 1 ? "" : "s"}`)}</div>
<div class="tree">${treeHtml(d.nodes, o.sameNodes ?? true)}</div>`;
  return page(title, body);
}
