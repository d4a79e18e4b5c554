/** The diff engine's public API (UI-free). */
export {
  type AlignResult,
  type AlignRow,
  alignOps,
  DEEP_LIMIT,
  type DiffOptions,
  diffPackets,
  diffPacketsText,
  diffTraces,
  type FieldDiffPart,
  matchConnections,
  messageTree,
  type OpDiff,
  type OpRef,
  opFrames,
  type PacketDiff,
  type RowKind,
  type Summary,
  slideMatches,
} from "./align.js";
export { configPath, formatProfile, loadConfig, parseConfig, type SmbcmpConfig } from "./config.js";
export { type ExitCode, exitCodeFor } from "./exit.js";
export { canonicalId, IDENTITY_FIELDS, IdentityMap, type IdKind, identityKind } from "./identity.js";
export {
  formatRule,
  type IgnoreRule,
  IgnoreRules,
  matchesNoField,
  noFieldWarning,
  type Predicate,
  parseRule,
  RuleSyntaxError,
  splitRules,
} from "./ignore.js";
export { DEFAULT_MAX_COST, Interner, myersMatches } from "./myers.js";
export { buildOps, fullSig, type MsgRef, normalizePath, type Op, type OpKind } from "./ops.js";
export { BUILTIN_PROFILES, IDENTITY_RULES, profileNames, profileRules } from "./profiles.js";
export { esc, renderAlignHtml, renderPacketHtml } from "./render/html.js";
export { alignToJson, JSON_SCHEMA_VERSION, packetToJson, renderJson } from "./render/json.js";
export { renderAlign, renderPacketDiff, renderTreeDiff, summaryText } from "./render/text.js";
export {
  countDiffs,
  type DiffKind,
  type DiffNode,
  diffLines,
  diffText,
  diffTrees,
  treesEqual,
  walkDiff,
} from "./tree-diff.js";
