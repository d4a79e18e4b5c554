import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { configPath, formatProfile, loadConfig, parseConfig } from "../../src/diff/config.js";
import {
  IgnoreRules,
  matchesNoField,
  noFieldWarning,
  parseRule,
  RuleSyntaxError,
} from "../../src/diff/ignore.js";
import { BUILTIN_PROFILES, profileRules } from "../../src/diff/profiles.js";

describe("ignore rules", () => {
  it("parses every rule form and writes it back", () => {
    for (const t of [
      "smb2.msg_id",
      "smb2.*time*",
      "!smb2.tid",
      "smb2.credits.granted=within:8",
      "smb2.nt_status=both-success",
    ])
      assert.equal(new IgnoreRules([t]).serialize()[0], t);
    assert.deepEqual(parseRule(" smb2.x = always "), {
      pattern: "smb2.x",
      pred: { kind: "always" },
      negate: false,
    });
    assert.throws(() => parseRule("smb2.x=sometimes"), RuleSyntaxError);
    assert.throws(() => parseRule("smb2 x"), RuleSyntaxError);
    assert.throws(() => parseRule("!"), RuleSyntaxError);
  });

  it("globs: * matches within and across dots, ? one character", () => {
    const r = new IgnoreRules(["smb2.*time*", "ntlmssp.*", "smb2.fid?"]);
    for (const n of [
      "smb2.create.time",
      "smb2.boot_time",
      "smb2.fsctl.wait.timeout",
      "ntlmssp.ntlmv2_response.timestamp",
      "smb2.fid2",
    ])
      assert.ok(r.ignores(n), n);
    for (const n of ["smb2.cmd", "ntlmssp", "smb2.fid", "smb2.fid.persistent", "xsmb2.create.time"])
      assert.ok(!r.ignores(n), n);
  });

  it("later rules win; ! un-ignores", () => {
    const r = new IgnoreRules(["smb2.*", "!smb2.nt_status"]);
    assert.ok(r.ignores("smb2.cmd"));
    assert.ok(!r.ignores("smb2.nt_status"));
    r.add("smb2.nt_status=both-success");
    assert.ok(r.ignores("smb2.nt_status", 0, 0));
    assert.ok(!r.ignores("smb2.nt_status", 0, 0xc0000022));
  });

  it("within:N compares numbers and numeric strings; never a one-sided field", () => {
    const r = new IgnoreRules(["smb2.credits.*=within:8"]);
    assert.ok(r.ignores("smb2.credits.granted", 10, 18));
    assert.ok(r.ignores("smb2.credits.granted", "10", "2"));
    assert.ok(!r.ignores("smb2.credits.granted", 10, 19));
    assert.ok(!r.ignores("smb2.credits.granted", "x", "y"));
    assert.ok(!r.ignores("smb2.credits.granted", 10, undefined));
  });

  it("toggle flips a field and toggling twice restores the rules", () => {
    const r = profileRules("default");
    const before = r.serialize();
    const v0 = r.version;
    assert.ok(r.ignores("smb2.msg_id"));
    assert.equal(r.toggle("smb2.msg_id"), false);
    assert.ok(!r.ignores("smb2.msg_id"));
    assert.ok(r.version > v0);
    assert.equal(r.toggle("smb2.msg_id"), true);
    assert.deepEqual(r.serialize(), before);
    assert.equal(r.toggle("smb2.filename"), true);
    assert.ok(r.ignores("smb2.filename"));
    // Serialized rules rebuild an equivalent set (what "save" writes to the config).
    const again = new IgnoreRules(r.serialize());
    for (const n of ["smb2.filename", "smb2.cmd", "smb2.create.time", "frame.time"])
      assert.equal(again.ignores(n), r.ignores(n), n);
  });

  it("remove() drops a rule by its text", () => {
    const r = new IgnoreRules(["a.b", "c.*"]);
    assert.ok(r.remove("c.*"));
    assert.ok(!r.ignores("c.d"));
    assert.ok(!r.remove("nope"));
  });
});

describe("profiles", () => {
  const tsv = ["smb", "ndr"]
    .map((p) =>
      readFileSync(new URL(`../fixtures/corpus/tshark-4.0.17-fields-${p}.tsv`, import.meta.url), "utf8"),
    )
    .join("\n");
  const known = new Set(tsv.split("\n").map((l) => l.split("\t")[0]!));

  it("the default profile's exact names are real Wireshark fields (or ours)", () => {
    const ours = new Set(["smb2.async_id", "ntlmssp.ntlmv2_response.mic", "smb2.fid.*", "nbss.length"]);
    for (const rule of BUILTIN_PROFILES.default!) {
      const p = parseRule(rule).pattern;
      if (p.includes("*") || ours.has(p)) continue;
      if (/^(frame|eth|sll|ip|ipv6|tcp|smbcmp|dcerpc)\./.test(p)) continue;
      assert.ok(known.has(p), `${p} is not in the tshark 4.0.17 field list`);
    }
  });

  it("default makes per-run noise equal and keeps real fields", () => {
    const r = profileRules("default");
    for (const n of [
      "smb2.msg_id",
      "smb2.sesid",
      "smb2.tid",
      "smb2.fid",
      "smb2.create.time",
      "smb2.boot_time",
      "smb2.signature",
      "ntlmssp.ntlmserverchallenge",
      "ntlmssp.ntlmv2_response.timestamp",
      "ntlmssp.auth.sesskey",
      "smb2.negotiate_context.salt",
      "smb2.lease.lease_key",
      "smb2.client_guid",
      "smb2.server_guid",
      "frame.time_relative",
      "tcp.seq",
      "smb2.response_in",
    ])
      assert.ok(r.ignores(n), n);
    assert.ok(r.ignores("smb2.credit.charge", 1, 4));
    assert.ok(!r.ignores("smb2.credit.charge", 1, 16));
    for (const n of [
      "smb2.cmd",
      "smb2.nt_status",
      "smb2.filename",
      "smb2.create.disposition",
      "smb2.ioctl.function",
      "smb2.fsctl.wait.timeout",
    ])
      assert.ok(!r.ignores(n), n);
    assert.deepEqual(profileRules("none").serialize(), []);
    assert.throws(() => profileRules("nope"), /unknown profile/);
  });

  it("user profiles include others with @name and may override built-ins", () => {
    const user = { mine: ["@default", "!smb2.tid", "smb2.filename"], loop: ["@loop"] };
    const r = profileRules("mine", user);
    assert.ok(r.ignores("smb2.msg_id"));
    assert.ok(!r.ignores("smb2.tid"));
    assert.ok(r.ignores("smb2.filename"));
    assert.throws(() => profileRules("loop", user), /includes itself/);
  });
});

describe("rules that match no field", () => {
  const no = (t: string) => matchesNoField(parseRule(t));
  it("a name or glob of a protocol we know every field of must match one", () => {
    for (const t of [
      "smb2.create.tme",
      "!smb2.fidd",
      "smb2.*tme*",
      "ntlmssp.ntlmv2_respons.*",
      "smb.fidd=always",
    ])
      assert.ok(no(t), t);
    for (const t of [
      "smb2.create.time",
      "smb2.*time*",
      "ntlmssp.*",
      "smb2.nt_status=both-success",
      "smb2",
      "smb.fid",
    ])
      assert.ok(!no(t), t);
  });
  it("other protocols, our own smbcmp.* nodes and globbed protocols are never judged", () => {
    for (const t of [
      "tcp.nosuch",
      "frame.nosuch",
      "smbcmp.nosuch",
      "smb*.nosuch",
      "*.nosuch",
      "spoolss.nosuch",
    ])
      assert.ok(!no(t), t);
  });
  it("the warning names the nearest field when one is near", () => {
    assert.equal(
      noFieldWarning(parseRule("smb2.nt_stauts=both-success")),
      "no field is named smb2.nt_stauts (did you mean smb2.nt_status?)",
    );
    assert.equal(noFieldWarning(parseRule("smb2.zzzzzzzzzz")), "no field is named smb2.zzzzzzzzzz");
    assert.equal(noFieldWarning(parseRule("smb2.*tme*")), "no field matches smb2.*tme*");
  });
});

describe("config", () => {
  const ini = `# original smbcmp keys
[global]
vsplit_ratio = 0.4
tshark_path = /opt/ws/bin/tshark
key_lwin_next = x
key_toggle_ignore: i

[diff]
profile = quiet

[profile quiet]
ignore = @default, smb2.credit.charge,
  !smb2.tid
ignore = smb2.nt_status=both-success
  smb2.x=oops
  smb2.credit.chrage

[profile  loud ]
ignore =
junk line without section?
`;

  it("accepts the original [global] keys and returns them", () => {
    const c = parseConfig(ini, "t.ini");
    assert.equal(c.global.vsplit_ratio, "0.4");
    assert.equal(c.vsplitRatio, 0.4);
    assert.equal(c.tsharkPath, "/opt/ws/bin/tshark");
    assert.deepEqual(c.keys, { lwin_next: "x", toggle_ignore: "i" });
    assert.equal(c.defaultProfile, "quiet");
  });

  it("reads profiles with continued and repeated ignore lines, warning on bad rules", () => {
    const c = parseConfig(ini, "t.ini");
    assert.ok(c.profiles.quiet!.includes("@default"));
    assert.ok(c.profiles.quiet!.includes("!smb2.tid"));
    assert.ok(c.profiles.quiet!.includes("smb2.nt_status=both-success"));
    assert.deepEqual(c.profiles.loud, []);
    assert.ok(
      c.warnings.some((w) => w.includes("smb2.x=oops")),
      c.warnings.join("|"),
    );
    assert.ok(
      c.warnings.includes(
        "[profile quiet]: no field is named smb2.credit.chrage (did you mean smb2.credit.charge?)",
      ),
      c.warnings.join("|"),
    );
    assert.equal(c.warnings.length, 3, "a bad rule, a misspelt name and the junk line; real names pass");
    const r = profileRules("quiet", c.profiles);
    assert.ok(r.ignores("smb2.msg_id") && !r.ignores("smb2.tid") && r.ignores("smb2.credit.charge", 1, 100));
  });

  it("loads from $SMBCMP_CONFIG; a missing file is an empty config", () => {
    const dir = mkdtempSync(join(tmpdir(), "smbcmp-cfg-"));
    const p = join(dir, "cfg");
    writeFileSync(p, ini + formatProfile("saved", ["smb2.msg_id", "!smb2.tid"]));
    const old = process.env.SMBCMP_CONFIG;
    process.env.SMBCMP_CONFIG = p;
    try {
      assert.equal(configPath(), p);
      const c = loadConfig();
      assert.equal(c.path, p);
      assert.deepEqual(c.profiles.saved, ["smb2.msg_id", "!smb2.tid"]);
      const missing = loadConfig(join(dir, "nope"));
      assert.deepEqual(missing.profiles, {});
      assert.deepEqual(missing.warnings, []);
    } finally {
      if (old === undefined) delete process.env.SMBCMP_CONFIG;
      else process.env.SMBCMP_CONFIG = old;
    }
  });
});
