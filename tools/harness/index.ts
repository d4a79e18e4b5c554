// Library API of the Samba capture harness (used by tests and the `smbcmp capture` subcommand).
export {
  formatKeyFile,
  type KeyEntry,
  parseKeyFile,
  parseKeys,
  sesIdFromWire,
  sesIdToWire,
  tsharkKeyArgs,
} from "./keys.js";
export {
  getPair,
  loadPairs,
  type PairResult,
  type PairSide,
  type PairSpec,
  runPair,
  verifyPair,
} from "./pairs.js";
export { rewritePort } from "./pcap.js";
export { type CaptureResult, PASSWORD, type RunOptions, runScenario, USER } from "./run.js";
export {
  listScenarios,
  loadScenario,
  SCENARIO_DIR,
  type Scenario,
  type ServerConfig,
  type Step,
  validateScenario,
} from "./scenario.js";
export {
  type CaptureSummary,
  check,
  type Expectation,
  type Smb2Row,
  STATUS_NAMES,
  summarise,
  tsharkFields,
} from "./verify.js";
