/** Names Wireshark gives to the security mechanism OIDs seen in SMB session setup. */
const NAMES: Readonly<Record<string, string>> = {
  "1.3.6.1.5.5.2": "SPNEGO - Simple Protected Negotiation",
  "1.3.6.1.4.1.311.2.2.10": "NTLMSSP - Microsoft NTLM Security Support Provider",
  "1.3.6.1.4.1.311.2.2.30": "NEGOEX - SPNEGO Extended Negotiation Security Mechanism",
  "1.2.840.113554.1.2.2": "KRB5 - Kerberos 5",
  "1.2.840.113554.1.2.2.3": "KRB5 - Kerberos 5 - User to User",
  "1.2.840.48018.1.2.2": "MS KRB5 - Microsoft Kerberos 5",
};

export const OID = {
  SPNEGO: "1.3.6.1.5.5.2",
  NTLMSSP: "1.3.6.1.4.1.311.2.2.10",
  KRB5: "1.2.840.113554.1.2.2",
  MS_KRB5: "1.2.840.48018.1.2.2",
  KRB5_U2U: "1.2.840.113554.1.2.2.3",
} as const;

const ROOTS = ["itu-t", "iso", "joint-iso-itu-t"];

/** `KRB5 - Kerberos 5`, or Wireshark's fallback `iso.3.6.1.5.2.5` for unnamed OIDs. */
export function oidName(oid: string): string {
  const n = NAMES[oid];
  if (n) return n;
  const [a, ...rest] = oid.split(".");
  const root = ROOTS[Number(a)];
  return root ? [root, ...rest].join(".") : oid;
}

export function isKerberos(oid: string): boolean {
  return oid === OID.KRB5 || oid === OID.MS_KRB5 || oid === OID.KRB5_U2U;
}
