import { startServer } from "../../src/web/server.js";

const worker = process.argv[2] !== "inline";
const srv = await startServer({ html: "<!doctype html>", worker });
const t0 = Date.now();
await srv.open("a", "/tmp/smbcmp-w-a.pcap");
await srv.open("b", "/tmp/smbcmp-w-b.pcap");
console.log(JSON.stringify({ port: srv.port, token: srv.token, open: Date.now() - t0 }));
process.on("SIGTERM", () => srv.close().then(() => process.exit(0)));
