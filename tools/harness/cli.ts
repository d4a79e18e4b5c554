// Command line: node --import tsx tools/harness/cli.ts <list|run|pair|pairs> ...
import { makeExamples } from "./examples.js";
import { loadPairs, runPair, verifyPair } from "./pairs.js";
import { runScenario } from "./run.js";
import { listScenarios, loadScenario } from "./scenario.js";
import { check, summarise } from "./verify.js";

const USAGE = `usage:
  cli.ts list                                  scenarios and pairs
  cli.ts run <scenario|file.json>... [--out DIR] [--verify] [--keep-port] [--timeout MS]
  cli.ts pair <pair>... [--out DIR] [--verify]
  cli.ts pairs [--out DIR] [--verify]          run every pair
  cli.ts examples [--out DIR]                  regenerate the example captures (default DIR: examples)
Captures go to DIR (default ./captures): <name>.pcap, <name>.keys, <name>.log`;

function main(argv: string[]): Promise<number> | number {
  const flags = new Map<string, string | true>();
  const pos: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--verify" || a === "--keep-port" || a === "--verbose") flags.set(a, true);
    else if (a === "--out" || a === "--timeout") flags.set(a, argv[++i] ?? "");
    else if (a.startsWith("--")) {
      console.error(`unknown option ${a}\n${USAGE}`);
      return 2;
    } else pos.push(a);
  }
  const outDir = String(flags.get("--out") ?? "captures");
  const timeoutMs = flags.has("--timeout") ? Number(flags.get("--timeout")) : undefined;
  const verify = flags.has("--verify");
  const [cmd, ...names] = pos;
  const onStart = flags.has("--verbose")
    ? (i: { tmpDir: string; pids: number[] }) =>
        console.log(`started tmp=${i.tmpDir} pids=${i.pids.join(",")}`)
    : undefined;
  switch (cmd) {
    case "list": {
      for (const n of listScenarios())
        console.log(`scenario ${n.padEnd(24)} ${loadScenario(n).description ?? ""}`);
      for (const p of loadPairs()) console.log(`pair     ${p.name.padEnd(24)} ${p.difference}`);
      return 0;
    }
    case "run":
      if (names.length === 0) break;
      return (async () => {
        let bad = 0;
        for (const n of names) {
          const sc = loadScenario(n);
          const t0 = Date.now();
          let r: Awaited<ReturnType<typeof runScenario>>;
          try {
            r = await runScenario(sc, { outDir, timeoutMs, keepPort: flags.has("--keep-port"), onStart });
          } catch (e) {
            console.log(`${sc.name}: FAILED ${(e as Error).message}`);
            bad++;
            continue;
          }
          console.log(`${sc.name}: ${r.pcap} (${r.keys.length} key(s), ${Date.now() - t0} ms)`);
          if (r.dropped) console.log(`  WARNING tcpdump dropped ${r.dropped} packets`);
          if (verify && sc.expect) {
            const errs = check(summarise(r.pcap, r.keys), sc.expect);
            for (const e of errs) console.log(`  FAIL ${e}`);
            if (errs.length) bad++;
            else console.log("  verified");
          }
        }
        return bad ? 1 : 0;
      })();
    case "examples":
      return (async () => {
        const files = await makeExamples(String(flags.get("--out") ?? "examples"));
        for (const f of files)
          console.log(`${f.file}: ${f.bytes} bytes${f.frames ? `, ${f.frames} SMB2 PDUs` : ""}`);
        return 0;
      })();
    case "pair":
    case "pairs": {
      const all = loadPairs();
      const chosen = cmd === "pairs" ? all : names.map((n) => all.find((p) => p.name === n));
      if (chosen.length === 0) break;
      return (async () => {
        let bad = 0;
        for (const [i, p] of chosen.entries()) {
          if (!p) throw new Error(`pair not found: ${names[i]}`);
          const r = await runPair(p, outDir, { timeoutMs, onStart });
          console.log(`${p.name}: A=${r.a.pcap} B=${r.b.pcap}\n  difference: ${p.difference}`);
          if (verify) {
            const errs = verifyPair(p, r);
            for (const e of errs) console.log(`  FAIL ${e}`);
            if (errs.length) bad++;
            else console.log("  verified");
          }
        }
        return bad ? 1 : 0;
      })();
    }
  }
  console.error(USAGE);
  return 2;
}

Promise.resolve()
  .then(() => main(process.argv.slice(2)))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      console.error(`error: ${e.message}`);
      process.exitCode = 1;
    },
  );
