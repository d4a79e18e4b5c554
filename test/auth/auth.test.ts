/** DER reader, OID names, SPNEGO/NTLMSSP/Kerberos parsing of real tokens (from corpus captures). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { children, intValue, oidString, readTlv } from "../../src/auth/asn1.js";
import { ntlmSummary, ntlmssp } from "../../src/auth/ntlmssp.js";
import { oidName } from "../../src/auth/oids.js";
import { securityBlob } from "../../src/auth/spnego.js";
import { Cursor, Fields } from "../../src/dissect/fields.js";
import { find, findAll } from "../../src/dissect/tree.js";

interface Fixture {
  group: string;
  frame: number;
  hex: string;
}
const fixtures: Fixture[] = JSON.parse(
  readFileSync(new URL("../fixtures/smb2/session/messages.json", import.meta.url), "utf8"),
);

/** The security blob of a SESSION_SETUP message (request or response). */
function blobOf(group: string, frame: number): Buffer {
  const fx = fixtures.find((f) => f.group === group && f.frame === frame)!;
  const m = Buffer.from(fx.hex, "hex");
  const isResp = (m.readUInt32LE(16) & 1) === 1;
  const off = m.readUInt16LE(64 + (isResp ? 4 : 12));
  const len = m.readUInt16LE(64 + (isResp ? 6 : 14));
  return m.subarray(off, off + len);
}

function dissect(b: Buffer, light = false) {
  const f = new Fields(new Cursor(b), [], light);
  const res = securityBlob(f);
  return { res, nodes: f.nodes };
}

describe("asn1", () => {
  it("reads long-form lengths and nested values", () => {
    const b = Buffer.from("3082000506032a8648", "hex");
    const t = readTlv(b, 0, b.length)!;
    assert.equal(t.tag, 16);
    assert.equal(t.constructed, true);
    assert.equal(t.start, 4);
    assert.equal(t.end, 9);
    const [oid] = children(b, t);
    assert.equal(oidString(b.subarray(oid!.start, oid!.end)), "1.2.840");
  });
  it("clamps and flags lengths past the end", () => {
    const b = Buffer.from("0405aabb", "hex");
    const t = readTlv(b, 0, b.length)!;
    assert.equal(t.short, true);
    assert.equal(t.end, 4);
    assert.equal(readTlv(Buffer.from("30"), 0, 1), undefined);
  });
  it("integers and OID names", () => {
    assert.equal(intValue(Buffer.from([0x01, 0x00])), 256);
    assert.equal(intValue(Buffer.from([0xff])), -1);
    assert.equal(oidName("1.3.6.1.4.1.311.2.2.10"), "NTLMSSP - Microsoft NTLM Security Support Provider");
    assert.equal(oidName("1.3.6.1.5.2.5"), "iso.3.6.1.5.2.5");
  });
});

describe("SPNEGO + NTLMSSP", () => {
  it("negTokenInit with NTLMSSP_NEGOTIATE", () => {
    const { res, nodes } = dissect(blobOf("ntlm", 9));
    assert.equal(res.ntlm?.type, 1);
    assert.equal(find(nodes, "gss-api.OID")?.show, "1.3.6.1.5.5.2");
    assert.equal(find(nodes, "spnego.mechTypes")?.label, "mechTypes: 1 item");
    assert.equal(find(nodes, "ntlmssp.negotiate.domain")?.show, "NULL");
    assert.equal(
      find(nodes, "ntlmssp.version")?.label,
      "Version 10.0 (Build 17763); NTLM Current Revision 15",
    );
    assert.equal(ntlmSummary(res.ntlm!), ", NTLMSSP_NEGOTIATE");
  });
  it("negTokenResp with NTLMSSP_CHALLENGE and target info", () => {
    const { res, nodes } = dissect(blobOf("ntlm", 10));
    assert.equal(res.negResult, 1);
    assert.equal(res.ntlm?.challenge, "b890b7337195e293");
    assert.equal(find(nodes, "ntlmssp.challenge.target_name")?.show, "SVV");
    assert.equal(
      find(nodes, "ntlmssp.challenge.target_info.timestamp")?.show,
      "Dec 25, 2024 06:52:20.737828500 UTC",
    );
    assert.equal(findAll(nodes, "ntlmssp.challenge.target_info.item.type").length, 7);
  });
  it("NTLMSSP_AUTH: identity, NTLMv2 response, MIC, verifier", () => {
    const { res, nodes } = dissect(blobOf("ntlm", 11));
    assert.deepEqual(
      [res.ntlm?.domain, res.ntlm?.user, res.ntlm?.host],
      ["WIN-I82B81NSLLJ", "Administrator", "WIN-I82B81NSLLJ"],
    );
    assert.equal(ntlmSummary(res.ntlm!), ", NTLMSSP_AUTH, User: WIN-I82B81NSLLJ\\Administrator");
    assert.equal(
      find(nodes, "ntlmssp.ntlmv2_response.ntproofstr")?.show,
      "ab:00:b4:a0:a1:3a:e0:c7:d7:ca:bd:58:84:79:d0:fe",
    );
    assert.equal(find(nodes, "ntlmssp.ntlmv2_response.target_name")?.show, "cifs/172.31.112.16");
    assert.equal(
      find(nodes, "ntlmssp.authenticate.mic")?.show,
      "63:ba:a6:25:4f:07:1c:25:f5:ef:43:17:9c:7b:0e:c9",
    );
    assert.equal(find(nodes, "ntlmssp.verf.vers")?.show, "1");
  });
  it("light mode returns the same result without nodes", () => {
    const { res, nodes } = dissect(blobOf("ntlm", 11), true);
    assert.equal(res.ntlm?.user, "Administrator");
    assert.equal(nodes.length, 0);
  });
  it("bad NTLMSSP offsets are flagged, not thrown", () => {
    const tok = Buffer.from(blobOf("ntlm", 11).subarray(21));
    assert.equal(tok.subarray(0, 7).toString(), "NTLMSSP");
    tok.writeUInt32LE(0xfffff, 28 + 4); // DomainNameFields.BufferOffset far out
    const f = new Fields(new Cursor(tok));
    const r = ntlmssp(f);
    assert.equal(r.domain, "");
    assert.ok(find(f.nodes, "_ws.malformed"));
  });
});

describe("Kerberos", () => {
  it("AP-REQ in SPNEGO mechToken", () => {
    const { res, nodes } = dissect(blobOf("krb", 12));
    assert.equal(res.krb?.msgType, 14);
    assert.equal(res.krb?.realm, "DS.SUSQ.COM");
    assert.deepEqual(res.krb?.sname, ["cifs", "phxlabbal821.techlab.susq.com"]);
    assert.equal(find(nodes, "spnego.krb5.tok_id")?.label, "krb5_tok_id: KRB5_AP_REQ (0x0001)");
    assert.equal(find(nodes, "kerberos.etype")?.label, "etype: eTYPE-AES256-CTS-HMAC-SHA1-96 (18)");
    assert.equal(find(nodes, "kerberos.kvno")?.show, "2");
    assert.equal(find(nodes, "kerberos.ap_options")?.show, "20:00:00:00");
  });
  it("AP-REP in negTokenResp", () => {
    const { res, nodes } = dissect(blobOf("krb", 14));
    assert.equal(res.krb?.msgType, 15);
    assert.equal(find(nodes, "spnego.supportedMech")?.show, "1.2.840.48018.1.2.2");
    assert.equal(find(nodes, "kerberos.msg_type")?.label, "msg-type: krb-ap-rep (15)");
  });
  it("truncated tokens never throw", () => {
    const b = blobOf("krb", 12);
    for (let n = 0; n < b.length; n += 37) assert.doesNotThrow(() => dissect(b.subarray(0, n)));
  });
});
