/** Numeric identifiers shared by the SMB2 crypto helpers (MS-SMB2 2.2.3.1.2, 2.2.3.1.7). */

export const Dialect = {
  SMB202: 0x0202,
  SMB210: 0x0210,
  SMB300: 0x0300,
  SMB302: 0x0302,
  SMB311: 0x0311,
  Wildcard: 0x02ff,
} as const;

/** Cipher ids of the SMB2_ENCRYPTION_CAPABILITIES negotiate context. 0 = none negotiated. */
export const Cipher = {
  None: 0,
  AES128CCM: 1,
  AES128GCM: 2,
  AES256CCM: 3,
  AES256GCM: 4,
} as const;

/** Signing algorithm ids of the SMB2_SIGNING_CAPABILITIES negotiate context. */
export const SigningAlgo = {
  HMACSHA256: 0,
  AESCMAC: 1,
  AESGMAC: 2,
} as const;
export type SigningAlgoId = (typeof SigningAlgo)[keyof typeof SigningAlgo];

export const cipherNames: Record<number, string> = {
  1: "AES-128-CCM",
  2: "AES-128-GCM",
  3: "AES-256-CCM",
  4: "AES-256-GCM",
};

export function isCcm(cipher: number): boolean {
  return cipher === Cipher.AES128CCM || cipher === Cipher.AES256CCM;
}
export function is256(cipher: number): boolean {
  return cipher === Cipher.AES256CCM || cipher === Cipher.AES256GCM;
}

export const STATUS_SUCCESS = 0;
export const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;
