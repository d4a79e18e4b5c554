import { spawn } from "node:child_process";

for (const mode of ["worker", "inline"]) {
  const child = spawn(process.execPath, ["--import", "tsx", "test/web/.probe-server.mts", mode], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const info = await new Promise<{ port: number; token: string; open: number }>((r) =>
    child.stdout.once("data", (d) => r(JSON.parse(String(d)))),
  );
  const call = (m: string, p: object) =>
    fetch(`http://127.0.0.1:${info.port}/api/call/${m}`, {
      method: "POST",
      headers: { "x-smbcmp-token": info.token },
      body: JSON.stringify(p),
    });
  const t1 = Date.now();
  const rows = call("rows", { limit: 10 }).then(() => Date.now() - t1);
  await new Promise((r) => setTimeout(r, 100));
  const lat: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = Date.now();
    await call("packets", { offset: i * 1000, limit: 100 });
    lat.push(Date.now() - s);
  }
  console.log(
    `${mode}: open ${info.open} ms, first rows ${await rows} ms, packet pages meanwhile: ${lat.join(",")} ms`,
  );
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}
