import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { buildConf, freePort, listenerIsOurs } from "../../tools/harness/run.js";
import { loadScenario, withServer } from "../../tools/harness/scenario.js";

test("buildConf: loopback-only private config with scenario overrides", () => {
  const sc = withServer(loadScenario("file-ops-311"), "x", {
    global: { "server signing": "mandatory", "smb2 leases": false },
    share: { "read only": true },
  });
  const conf = buildConf("/tmp/smbcmp-harness-T", 40001, sc);
  assert.match(conf, /^\[global\]\n/);
  for (const line of [
    "interfaces = lo",
    "bind interfaces only = yes",
    "smb ports = 40001",
    "passdb backend = tdbsam",
    "server role = standalone",
    "private dir = /tmp/smbcmp-harness-T/private",
    "server signing = mandatory",
    "smb2 leases = no",
    "path = /tmp/smbcmp-harness-T/share",
    "read only = yes",
  ]) {
    assert.ok(conf.includes(`\t${line}\n`), line);
  }
  assert.equal(conf.match(/read only/g)?.length, 1, "override replaces the default");
});

test("freePort / listenerIsOurs: only a listener held by the given pid counts", async () => {
  const port = await freePort();
  assert.ok(port > 1024);
  assert.equal(listenerIsOurs(port, process.pid), false, "nothing listens yet");
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(port, "127.0.0.1", r));
  try {
    assert.equal(listenerIsOurs(port, process.pid), true);
    assert.equal(listenerIsOurs(port, 1), false);
  } finally {
    await new Promise((r) => srv.close(r));
  }
});
