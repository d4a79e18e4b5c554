/**
 * Key sources: everything that can tell smbcmp an SMB session's keys, each parsed into KeyEntry[]
 * (`{ sesId: "000048009400003d" (the number, as Wireshark displays smb2.sesid), sessionKey?,
 * serverIn? (client→server), serverOut? (server→client), signingKey?, source }`).
 *
 *   parseKeyArg("3d00009400480000,28f2...")      -k SESSID,KEY[,SERVERIN,SERVEROUT]; the id as the 8
 *                                                 wire bytes (Wireshark uat form), a 0x-number, or decimal
 *   parseKeyFile(text, name?)                     smbcmp key file: `sesid key [serverin serverout]`, # comments
 *   parseSambaLog(text, name?)                    smbclient/smbd `debug encryption = yes` output (whole log ok)
 *   parseKernelLog(text, name?)                   Linux cifs CONFIG_CIFS_DEBUG_DUMP_KEYS / ksmbd dmesg lines
 *   parseWiresharkUat(text, name?)                Wireshark's smb2_seskey_list file (2 or 4 quoted fields)
 *   detectAndParse(text, name?) / detectFormat    picks one of the above
 *   readDmesg()                                   runs dmesg (throws KeyParseError when not permitted)
 *   mergeEntries(entries)                         one entry per session
 *   normalizeSesId(text), sesIdToBigInt(id), sesIdToWireHex(id), sesIdFromWire(bytes)
 * Parsers of user-written formats throw KeyParseError (with file:line); log parsers skip noise.
 * With only a session key, keys come from deriveKeys() in src/smb2/crypto once the dialect (and for
 * 3.1.1 the preauth hash) is known from the capture.
 */
export { detectAndParse, detectFormat, type KeyFormat, readDmesg } from "./detect.js";
export { parseKernelLog } from "./kernel.js";
export { parseSambaLog } from "./samba.js";
export { parseKeyArg, parseKeyFile } from "./simple.js";
export {
  type KeyEntry,
  KeyParseError,
  mergeEntries,
  normalizeSesId,
  parseHexKey,
  sesIdFromWire,
  sesIdToBigInt,
  sesIdToWireHex,
} from "./types.js";
export { parseWiresharkUat } from "./wireshark.js";
