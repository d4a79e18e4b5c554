/**
 * Kerberos AP-REQ / AP-REP (RFC 4120 5.5) at the top level, as carried in GSS-API krb5 tokens:
 * pvno, msg-type, ap-options, ticket realm/sname/etype/kvno, encrypted parts (not decrypted).
 */
import type { Fields } from "../dissect/fields.js";
import { hexColons } from "../dissect/format.js";
import { children, intValue, readTlv, type Tlv } from "./asn1.js";

export const KRB_MSG_TYPES: Readonly<Record<number, string>> = {
  10: "krb-as-req",
  11: "krb-as-rep",
  12: "krb-tgs-req",
  13: "krb-tgs-rep",
  14: "krb-ap-req",
  15: "krb-ap-rep",
  20: "krb-safe",
  21: "krb-priv",
  22: "krb-cred",
  30: "krb-error",
};

export const ETYPES: Readonly<Record<number, string>> = {
  1: "eTYPE-DES-CBC-CRC",
  2: "eTYPE-DES-CBC-MD4",
  3: "eTYPE-DES-CBC-MD5",
  16: "eTYPE-DES3-CBC-SHA1",
  17: "eTYPE-AES128-CTS-HMAC-SHA1-96",
  18: "eTYPE-AES256-CTS-HMAC-SHA1-96",
  19: "eTYPE-AES128-CTS-HMAC-SHA256-128",
  20: "eTYPE-AES256-CTS-HMAC-SHA384-192",
  23: "eTYPE-ARCFOUR-HMAC-MD5",
  24: "eTYPE-ARCFOUR-HMAC-MD5-56",
};

const NAME_TYPES: Readonly<Record<number, string>> = {
  0: "kRB5-NT-UNKNOWN",
  1: "kRB5-NT-PRINCIPAL",
  2: "kRB5-NT-SRV-INST",
  3: "kRB5-NT-SRV-HST",
  4: "kRB5-NT-SRV-XHST",
  5: "kRB5-NT-UID",
  6: "kRB5-NT-X500-PRINCIPAL",
  7: "kRB5-NT-SMTP-NAME",
  10: "kRB5-NT-ENTERPRISE-PRINCIPAL",
};

export interface KrbResult {
  msgType?: number;
  realm?: string;
  sname?: string[];
}

function ctx(list: Tlv[], tag: number): Tlv | undefined {
  return list.find((t) => t.cls === 2 && t.tag === tag);
}

/** The single inner value of an explicit [n] tag. */
function inner(f: Fields, t: Tlv | undefined): Tlv | undefined {
  return t ? readTlv(f.c.buf, t.start, t.end) : undefined;
}

function intField(
  f: Fields,
  t: Tlv | undefined,
  name: string,
  label: string,
  vals?: Readonly<Record<number, string>>,
): number | undefined {
  const v = inner(f, t);
  if (!v) return undefined;
  const n = intValue(f.c.buf.subarray(v.start, v.end));
  f.within(v.at, v.end - v.at, () => {
    f.tree(
      name,
      vals ? `${label}: ${vals[n] ?? "Unknown"} (${n})` : `${label}: ${n}`,
      () => {},
      v.end - v.at,
      String(n),
      n,
    );
  });
  return n;
}

function strField(f: Fields, t: Tlv | undefined, name: string, label: string): string | undefined {
  const v = t && t.cls === 0 ? t : inner(f, t);
  if (!v) return undefined;
  const s = f.c.buf.subarray(v.start, v.end).toString("latin1");
  if (!f.light)
    f.within(v.at, v.end - v.at, () => f.tree(name, `${label}: ${s}`, () => {}, v.end - v.at, s, s));
  return s;
}

function bytesField(f: Fields, t: Tlv | undefined, name: string, label: string): void {
  const v = inner(f, t);
  if (!v || f.light) return;
  f.within(v.start, v.end - v.start, () => f.bytes(name, label, v.end - v.start));
}

function element(f: Fields, t: Tlv | undefined, name: string, label: string, fn: (seq: Tlv[]) => void): void {
  const seq = inner(f, t);
  if (!t || !seq) return;
  const list = seq.constructed ? children(f.c.buf, seq) : [];
  f.within(t.at, t.end - t.at, () => f.tree(name, label, () => fn(list), t.end - t.at));
}

function encryptedData(f: Fields, list: Tlv[]): void {
  intField(f, ctx(list, 0), "kerberos.etype", "etype", ETYPES);
  intField(f, ctx(list, 1), "kerberos.kvno", "kvno");
  bytesField(f, ctx(list, 2), "kerberos.cipher", "cipher");
}

function apOptions(f: Fields, t: Tlv | undefined): void {
  const v = inner(f, t);
  if (!v || v.end - v.start < 1 || f.light) return;
  const b = f.c.buf;
  f.within(v.start, v.end - v.start, () => {
    f.uint("ber.bitstring.padding", "Padding", 1);
    const bits = b.subarray(v.start + 1, v.end);
    const first = bits[0] ?? 0;
    const hex = bits.toString("hex");
    f.tree(
      "kerberos.ap_options",
      `ap-options: ${hex}`,
      () => {
        const bit = (mask: number, name: string, label: string) => {
          let pat = "";
          for (let i = 7; i >= 0; i--) {
            pat += (1 << i) & mask ? (first & mask ? "1" : "0") : ".";
            if (i === 4) pat += " ";
          }
          const on = (first & mask) !== 0;
          f.generated(name, label, on ? "1" : "0").label = `${pat} = ${label}: ${on ? "True" : "False"}`;
        };
        bit(0x80, "kerberos.APOptions.reserved", "reserved");
        bit(0x40, "kerberos.APOptions.use.session.key", "use-session-key");
        bit(0x20, "kerberos.APOptions.mutual.required", "mutual-required");
        f.c.skip(f.c.remaining);
      },
      bits.length,
      hexColons(bits),
      hex,
    );
  });
}

/** Dissects a KRB message at the cursor (AP-REQ, AP-REP or others by msg-type only). */
export function kerberos(f: Fields): KrbResult {
  const res: KrbResult = {};
  const b = f.c.buf;
  const app = readTlv(b, f.c.pos, f.c.end);
  if (app?.cls !== 1) return res;
  const seq = readTlv(b, app.start, app.end);
  const list = seq?.constructed ? children(b, seq) : [];
  f.tree(
    "kerberos",
    "Kerberos",
    () => {
      const el =
        app.tag === 14
          ? ["kerberos.ap_req_element", "ap-req"]
          : app.tag === 15
            ? ["kerberos.ap_rep_element", "ap-rep"]
            : undefined;
      const body = () => {
        intField(f, ctx(list, 0), "kerberos.pvno", "pvno");
        res.msgType = intField(f, ctx(list, 1), "kerberos.msg_type", "msg-type", KRB_MSG_TYPES);
        if (app.tag === 14) {
          apOptions(f, ctx(list, 2));
          element(f, ctx(list, 3), "kerberos.ticket_element", "ticket", (tk) => {
            // Ticket ::= [APPLICATION 1] SEQUENCE: `inner` gave the APPLICATION tag; unwrap once more.
            const t = tk[0] && tk[0].cls === 0 ? children(b, tk[0]) : tk;
            intField(f, ctx(t, 0), "kerberos.tkt_vno", "tkt-vno");
            res.realm = strField(f, ctx(t, 1), "kerberos.realm", "realm");
            element(f, ctx(t, 2), "kerberos.sname_element", "sname", (pn) => {
              intField(f, ctx(pn, 0), "kerberos.name_type", "name-type", NAME_TYPES);
              const names = inner(f, ctx(pn, 1));
              if (!names) return;
              const strs = children(b, names);
              res.sname = strs.map((s) => b.subarray(s.start, s.end).toString("latin1"));
              f.within(names.at, names.end - names.at, () =>
                f.tree(
                  "kerberos.sname_string",
                  `sname-string: ${strs.length} item${strs.length === 1 ? "" : "s"}`,
                  () => {
                    for (const s of strs) strField(f, s, "kerberos.SNameString", "SNameString");
                  },
                  names.end - names.at,
                  String(strs.length),
                  strs.length,
                ),
              );
            });
            element(f, ctx(t, 3), "kerberos.enc_part_element", "enc-part", (ed) => encryptedData(f, ed));
          });
          element(f, ctx(list, 4), "kerberos.authenticator_element", "authenticator", (ed) =>
            encryptedData(f, ed),
          );
        } else if (app.tag === 15) {
          element(f, ctx(list, 2), "kerberos.enc_part_element", "enc-part", (ed) => encryptedData(f, ed));
        }
      };
      if (el) f.tree(el[0]!, el[1]!, body, app.end - app.at);
      else body();
      f.c.seek(app.end);
    },
    app.end - app.at,
  );
  return res;
}
