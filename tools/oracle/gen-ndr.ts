/**
 * Writes test/dcerpc/tshark-ndr.json: tshark's fields (two passes) of the calls smbcmp decodes from
 * NDR, for the frames below, in tree order (as the conformance tool, without hidden and _ws fields).
 * The test compares our trees with it field for field.
 *
 *   node --import tsx tools/oracle/gen-ndr.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DECODED_PROTOS } from "../../src/dcerpc/stubs.js";
import { pdmlFields } from "./pdml.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures");
/** Captures (under test/fixtures) and frames: requests and responses, single and joined stubs. */
const CASES: Record<string, number[]> = {
  "smb2/dcerpc-pipe.pcap": [25, 30],
  "smb1/dcerpc-pipe.pcap": [23, 29, 30, 35],
  "smb2/dcerpc-smallreads.pcap": [40, 56],
  "smb2/dcerpc-srvsvc-admin.pcap": [25, 28, 29, 32, 33, 36, 37, 40, 41, 44, 45, 48, 49, 52, 53, 56],
  "smb2/dcerpc-share-levels.pcap": [26, 29, 30, 33, 34, 37, 38, 41, 42, 45],
  "smb2/dcerpc-lsa-lookups.pcap": [25, 28, 29, 32, 33, 36, 37, 40, 41, 44, 45, 48, 49, 52, 53, 56, 57, 60],
  "smb2/dcerpc-lsa-samr.pcap": [
    25, 28, 29, 32, 33, 36, 37, 40, 41, 44, 45, 48, 59, 62, 63, 66, 67, 70, 71, 74, 75, 78, 79, 82, 83, 86,
  ],
  "corpus/OISF__suricata-verify/tests/filestore-filecontainer-smb/filecontainer-smb.pcap": [
    1754, 1755, 3001, 3002,
    // winreg: the root keys, OpenKey, QueryValue (1294: 1096 bytes of data), EnumValue, GetVersion, CloseKey.
    1286, 1288, 1289, 1290, 1291, 1294, 1295, 1296, 1765, 1766, 1767, 1768, 1769, 1770, 1771, 1772, 1773,
    1774, 1775, 1776, 1779, 1780, 3041, 3042, 3043, 3044,
    // svcctl: EnumServicesStatusW, QueryServiceConfigW, OpenSCManagerA.
    1791, 1792, 1793, 1813, 1814, 7206, 7207,
  ],
  // svcctl against Samba (impacket): an enumeration, a service's status and config, an error.
  "smb2/dcerpc-svcctl.pcap": [
    25, 28, 29, 33, 35, 39, 41, 45, 47, 50, 51, 54, 55, 58, 59, 62, 63, 66, 67, 71, 74,
  ],
  // svcctl: psexec's calls over SMB2 (with an unknown opnum) and SMB1 (CreateServiceW, an error).
  "corpus/OISF__suricata-verify/tests/dcerpc-smb-test-01/input.pcap": [
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37,
  ],
  "corpus/OISF__suricata-verify/tests/filestore-filecontainer-smb1-data-offset/input.pcap": [
    782, 785, 786, 789, 790, 794, 795, 799, 800, 803, 804, 807,
  ],
  "corpus/zeek__zeek/testing/btest/Traces/krb/smb2_krb.pcap": [30, 31],
  "corpus/zeek__zeek/testing/btest/Traces/smb/raw_ntlm_in_smb.pcap": [34, 35, 57, 58, 60, 61, 63, 64, 66, 67],
  "corpus/zeek__zeek/testing/btest/Traces/dce-rpc/20-fids.pcap": [
    32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 75, 77, 79, 81, 83, 85, 87, 89, 91, 93, 107, 109,
    110, 112, 113, 115, 116, 118, 119, 121, 133, 135, 136, 138, 139, 141,
  ],
  "corpus/zeek__zeek/testing/btest/Traces/dce-rpc/mapi.pcap": [
    426, 427, 428, 429, 430, 431, 432, 433, 440, 441, 442, 444, 445, 446, 447, 448, 449, 450, 457, 458, 459,
    460, 461, 462, 463, 464, 476, 477, 478, 479, 480, 481, 482, 484, 485, 486, 726, 727, 728, 729, 730, 731,
    732, 733, 740, 741, 742, 743, 744, 745, 746, 747, 748, 749, 756, 757, 758, 759, 760, 761, 762, 763, 770,
    771, 772, 773, 774, 775, 776, 777, 778, 779,
  ],
  "corpus/zeek__zeek/testing/btest/Traces/smb/dssetup_DsRoleGetPrimaryDomainInformation_standalone_workstation.cap":
    [7, 8],
  "corpus/zeek__zeek/testing/btest/Traces/smb/smb2-zero-byte-error-ioctl.pcapng": [
    104, 106, 113, 114, 119, 120, 125, 126, 131, 132, 137, 138, 143, 144,
  ],
};

const out: Record<string, Record<string, [string, string][]>> = {};
for (const [path, frames] of Object.entries(CASES)) {
  const got = await pdmlFields(
    join(FIXTURES, path),
    [...DECODED_PROTOS],
    ["-Y", frames.map((n) => `frame.number == ${n}`).join(" || ")],
  );
  out[path] = {};
  for (const n of frames)
    out[path][n] = (got.get(n) ?? [])
      .filter((f) => !f.hidden && !f.name.startsWith("_ws."))
      .map((f) => [f.name, f.show]);
}
writeFileSync(
  join(import.meta.dirname, "../../test/dcerpc/tshark-ndr.json"),
  `${JSON.stringify(out, null, 1)}\n`,
);
