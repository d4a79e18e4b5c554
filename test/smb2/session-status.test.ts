import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  allStatusCodes,
  facility,
  isError,
  isWarning,
  Severity,
  severity,
  statusName,
  statusText,
} from "../../src/smb2/status.js";

describe("NTSTATUS table", () => {
  it("names codes as Wireshark does", () => {
    assert.equal(statusName(0), "STATUS_SUCCESS");
    assert.equal(statusName(0xc0000022), "STATUS_ACCESS_DENIED");
    assert.equal(statusName(0x80000006), "STATUS_NO_MORE_FILES");
    assert.equal(statusName(0xc000cf00), undefined);
    assert.equal(statusText(0xc000cf00), "Unknown (0xC000CF00)");
    assert.ok(allStatusCodes().length > 800);
  });
  it("severity and facility", () => {
    assert.equal(severity(0xc0000016), Severity.Error);
    assert.equal(severity(0x103), Severity.Success);
    assert.ok(isWarning(0x80000005));
    assert.ok(isError(0xc000009a));
    assert.equal(facility(0xc00d0001), 0x00d);
  });
});

describe("MS-ERREF names beyond Wireshark's", () => {
  it("statusNameFull falls back to MS-ERREF names; labels stay tshark's", async () => {
    const { statusNameFull } = await import("../../src/smb2/status.js");
    assert.equal(statusNameFull(0xc0000022), "STATUS_ACCESS_DENIED");
    assert.equal(statusNameFull(0x00000120), "STATUS_TRANSLATION_COMPLETE");
    assert.equal(statusName(0x00000120), undefined);
  });
});
