/**
 * GSS-API (RFC 2743 3.1) and SPNEGO (RFC 4178, MS-SPNG) tokens in SMB security blobs: negTokenInit
 * (mechTypes, mechToken, negHints), negTokenResp (negResult, supportedMech, responseToken,
 * mechListMIC), with the inner NTLMSSP or Kerberos token dissected.
 */
import { type BitSpec, Fields } from "../dissect/fields.js";
import { node } from "../dissect/tree.js";
import { children, oidString, readTlv, type Tlv } from "./asn1.js";
import { type KrbResult, kerberos } from "./kerberos.js";
import { NTLMSSP_SIGNATURE, type NtlmResult, ntlmSummary, ntlmssp, ntlmVerifier } from "./ntlmssp.js";
import { isKerberos, OID, oidName } from "./oids.js";

export interface AuthResult {
  ntlm?: NtlmResult;
  krb?: KrbResult;
  negResult?: number;
}

const NEG_RESULTS: Readonly<Record<number, string>> = {
  0: "accept-completed",
  1: "accept-incomplete",
  2: "reject",
  3: "request-mic",
};

const KRB5_TOK_IDS: Readonly<Record<number, string>> = {
  1: "KRB5_AP_REQ",
  2: "KRB5_AP_REP",
  3: "KRB5_ERROR",
  257: "KRB5_GSS_GetMIC",
  513: "KRB5_GSS_Wrap",
  258: "KRB5_GSS_Delete_sec_context",
  1028: "KRB_TOKEN_CFX_GetMic",
  1284: "KRB_TOKEN_CFX_WRAP",
};

function ctx(list: Tlv[], tag: number): Tlv | undefined {
  return list.find((t) => t.cls === 2 && t.tag === tag);
}

function inner(b: Buffer, t: Tlv | undefined): Tlv | undefined {
  return t ? readTlv(b, t.start, t.end) : undefined;
}

/** An OID node: `label: 1.2.3 (Name)`. */
function oidNode(f: Fields, t: Tlv, name: string, label: string): string {
  const oid = oidString(f.c.buf.subarray(t.start, t.end));
  if (!f.light)
    f.within(t.start, t.end - t.start, () =>
      f.tree(name, `${label}: ${oid} (${oidName(oid)})`, () => {}, t.end - t.start, oid, oid),
    );
  return oid;
}

function bytesAt(f: Fields, t: Tlv, name: string, label: string): void {
  f.within(t.start, t.end - t.start, () => f.bytes(name, label, t.end - t.start));
}

/**
 * Dissects a security blob (the cursor's remaining bytes): GSS-API/SPNEGO, or a bare NTLMSSP token.
 */
export function securityBlob(f: Fields): AuthResult {
  const res: AuthResult = {};
  const b = f.c.buf;
  const start = f.c.pos;
  const end = f.c.end;
  if (f.c.has(8) && b.subarray(start, start + 8).equals(NTLMSSP_SIGNATURE)) {
    res.ntlm = ntlmssp(f);
    return res;
  }
  const top = readTlv(b, start, end);
  if (!top) return res;
  f.tree(
    "gss-api",
    "GSS-API Generic Security Service Application Program Interface",
    () => {
      if (top.cls === 1 && top.tag === 0) {
        // InitialContextToken: [APPLICATION 0] { thisMech OID, innerContextToken }
        const oidT = readTlv(b, top.start, top.end);
        if (oidT?.tag !== 6) return;
        const oid = oidNode(f, oidT, "gss-api.OID", "OID");
        const rest = readTlv(b, oidT.end, top.end);
        if (oid === OID.SPNEGO && rest) spnego(f, rest, res);
        else if (isKerberos(oid)) krb5Token(f, oidT.end, top.end, res);
      } else if (top.cls === 2 && (top.tag === 0 || top.tag === 1)) {
        spnego(f, top, res);
      }
    },
    end - start,
  );
  return res;
}

function spnego(f: Fields, t: Tlv, res: AuthResult): void {
  const b = f.c.buf;
  f.within(t.at, t.end - t.at, () =>
    f.tree(
      "spnego",
      "Simple Protected Negotiation",
      () => {
        const seq = inner(b, t);
        const list = seq?.constructed ? children(b, seq) : [];
        if (t.tag === 0) {
          f.within(t.at, t.end - t.at, () =>
            f.tree(
              "spnego.negTokenInit_element",
              "negTokenInit",
              () => negTokenInit(f, list, res),
              t.end - t.at,
            ),
          );
        } else {
          f.within(t.at, t.end - t.at, () =>
            f.tree(
              "spnego.negTokenTarg_element",
              "negTokenTarg",
              () => negTokenResp(f, list, res),
              t.end - t.at,
            ),
          );
        }
      },
      t.end - t.at,
    ),
  );
}

function mechTypes(f: Fields, t: Tlv): string[] {
  const b = f.c.buf;
  const seq = inner(b, t);
  if (!seq) return [];
  const oids = children(b, seq).filter((o) => o.tag === 6);
  const out: string[] = [];
  f.within(seq.at, seq.end - seq.at, () =>
    f.tree(
      "spnego.mechTypes",
      `mechTypes: ${oids.length} item${oids.length === 1 ? "" : "s"}`,
      () => {
        for (const o of oids) out.push(oidNode(f, o, "spnego.MechType", "MechType"));
      },
      seq.end - seq.at,
      String(oids.length),
      oids.length,
    ),
  );
  return out;
}

function negTokenInit(f: Fields, list: Tlv[], res: AuthResult): void {
  const b = f.c.buf;
  const mt = ctx(list, 0);
  if (mt) mechTypes(f, mt);
  const tok = inner(b, ctx(list, 2));
  if (tok) {
    if (!f.light) bytesAt(f, tok, "spnego.mechToken", "mechToken");
    innerToken(f, tok, res);
  }
  const hints = ctx(list, 3);
  const hseq = inner(b, hints);
  if (hints && hseq?.constructed && hseq.tag === 16 && !f.light) {
    // MS-SPNG negTokenInit2 carries negHints at [3].
    const hl = children(b, hseq);
    f.within(hints.at, hints.end - hints.at, () =>
      f.tree(
        "spnego.negHints_element",
        "negHints",
        () => {
          const name = inner(b, ctx(hl, 0));
          if (name) {
            const s = b.subarray(name.start, name.end).toString("latin1");
            f.within(name.start, name.end - name.start, () =>
              f.tree("spnego.hintName", `hintName: ${s}`, () => {}, name.end - name.start, s, s),
            );
          }
          const addr = inner(b, ctx(hl, 1));
          if (addr) bytesAt(f, addr, "spnego.hintAddress", "hintAddress");
        },
        hints.end - hints.at,
      ),
    );
  }
  const mic = inner(b, ctx(list, 4)) ?? (hseq && hseq.tag === 4 ? hseq : undefined);
  if (mic && !f.light) mechListMic(f, mic, res);
}

function negTokenResp(f: Fields, list: Tlv[], res: AuthResult): void {
  const b = f.c.buf;
  const st = inner(b, ctx(list, 0));
  if (st && st.end > st.start) {
    const v = b[st.start]!;
    res.negResult = v;
    if (!f.light)
      f.within(st.start, st.end - st.start, () =>
        f.tree(
          "spnego.negResult",
          `negResult: ${NEG_RESULTS[v] ?? "Unknown"} (${v})`,
          () => {},
          st.end - st.start,
          String(v),
          v,
        ),
      );
  }
  const mech = inner(b, ctx(list, 1));
  if (mech && mech.tag === 6) oidNode(f, mech, "spnego.supportedMech", "supportedMech");
  const tok = inner(b, ctx(list, 2));
  if (tok) {
    if (!f.light) bytesAt(f, tok, "spnego.responseToken", "responseToken");
    innerToken(f, tok, res);
  }
  const mic = inner(b, ctx(list, 3));
  if (mic && !f.light) mechListMic(f, mic, res);
}

const CFX_FLAG_BITS: readonly BitSpec[] = [
  { name: "spnego.krb5.acceptor_subkey", label: "AcceptorSubkey", mask: 0x4, t: "Set", f: "Not set" },
  { name: "spnego.krb5.sealed", label: "Sealed", mask: 0x2, t: "Set", f: "Not set" },
  { name: "spnego.krb5.send_by_acceptor", label: "SendByAcceptor", mask: 0x1, t: "Set", f: "Not set" },
];

/** RFC 4121 4.2.6.1 MIC token (TOK_ID 04 04), as in Kerberos mechListMICs. */
function cfxGetMic(f: Fields, t: Tlv): void {
  const b = f.c.buf;
  const raw = b.subarray(t.start, t.end);
  const n = Fields.bytesNode("spnego.krb5.blob", "krb5_blob", raw, t.start);
  f.within(t.start, raw.length, () =>
    f.tree(
      "spnego.krb5.blob",
      n.label,
      () => {
        f.uint("spnego.krb5.tok_id", "krb5_tok_id", 2, { base: "hex", vals: KRB5_TOK_IDS });
        f.bitmask("spnego.krb5.cfx_flags", "krb5_cfx_flags", 1, CFX_FLAG_BITS);
        f.opaque("spnego.krb5.filler", "krb5_filler", 5);
        const at = f.c.pos;
        const seq = f.c.bytes(8).readBigUInt64BE();
        f.add(node("spnego.krb5.cfx_seq", `krb5_cfx_seq: ${seq}`, String(seq), String(seq), at, 8));
        if (f.c.remaining) f.bytes("spnego.krb5.sgn_cksum", "krb5_sgn_cksum", f.c.remaining);
      },
      raw.length,
      n.show,
      n.value,
    ),
  );
}

function mechListMic(f: Fields, t: Tlv, res: AuthResult): void {
  bytesAt(f, t, "spnego.mechListMIC", "mechListMIC");
  const b = f.c.buf;
  const len = t.end - t.start;
  if (len >= 16 && b[t.start] === 0x04 && b[t.start + 1] === 0x04) {
    cfxGetMic(f, t);
    return;
  }
  // An NTLMSSP_MESSAGE_SIGNATURE (MS-NLMP 2.2.2.9): version 1 + 12 bytes.
  if (len === 16 && b.readUInt32LE(t.start) === 1 && !res.krb) {
    f.within(t.start, 16, () => ntlmVerifier(f));
  }
}

/** mechToken / responseToken contents: NTLMSSP or a GSS-API krb5 token. */
function innerToken(f: Fields, tok: Tlv, res: AuthResult): void {
  const b = f.c.buf;
  const len = tok.end - tok.start;
  if (len >= 8 && b.subarray(tok.start, tok.start + 8).equals(NTLMSSP_SIGNATURE)) {
    f.within(tok.start, len, () => {
      res.ntlm = ntlmssp(f);
    });
    return;
  }
  const app = readTlv(b, tok.start, tok.end);
  if (app && app.cls === 1 && app.tag === 0) {
    const oidT = readTlv(b, app.start, app.end);
    if (oidT?.tag !== 6) return;
    // Wireshark's krb5_blob ends after TOK_ID when it cannot dissect the token body.
    const tokId = oidT.end + 2 <= app.end ? b.readUInt16LE(oidT.end) : 0;
    const known = tokId >= 1 && tokId <= 3;
    const raw = b.subarray(tok.start, known ? tok.end : Math.min(tok.end, oidT.end + 2));
    const n = Fields.bytesNode("spnego.krb5.blob", "krb5_blob", raw, tok.start);
    f.within(tok.start, len, () =>
      f.tree(
        "spnego.krb5.blob",
        n.label,
        () => {
          oidNode(f, oidT, "spnego.krb5_oid", "KRB5 OID");
          krb5Token(f, oidT.end, app.end, res);
        },
        len,
        n.show,
        n.value,
      ),
    );
  }
}

/** krb5 GSS token body after the OID: TOK_ID then the Kerberos message. */
function krb5Token(f: Fields, at: number, end: number, res: AuthResult): void {
  if (at + 2 > end) return;
  f.within(at, end - at, () => {
    const id = f.uint("spnego.krb5.tok_id", "krb5_tok_id", 2, { base: "hex", vals: KRB5_TOK_IDS });
    if (id === 0x0001 || id === 0x0002 || id === 0x0003) res.krb = kerberos(f);
  });
}

/** Info-column text Wireshark appends for the blob (`, NTLMSSP_NEGOTIATE`, `, NTLMSSP_AUTH, User: D\u`). */
export function authSummary(r: AuthResult): string {
  return r.ntlm ? ntlmSummary(r.ntlm) : "";
}
