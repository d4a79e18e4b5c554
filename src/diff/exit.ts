/**
 * Exit codes like diff(1): 0 same, 1 different, 2 trouble. For `git bisect run`, `--bisect` turns
 * trouble into 125 ("skip this commit") so a broken capture never marks a commit good or bad.
 */
import type { AlignResult, PacketDiff } from "./align.js";

export type ExitCode = 0 | 1 | 2 | 125;

export function exitCodeFor(
  result: AlignResult | PacketDiff | Error | null | undefined,
  opts: { bisect?: boolean } = {},
): ExitCode {
  const trouble: ExitCode = opts.bisect ? 125 : 2;
  if (!result || result instanceof Error) return trouble;
  if ("rows" in result) {
    if (result.errors.length) return trouble;
    return result.firstDivergence >= 0 ? 1 : 0;
  }
  if (result.error) return trouble;
  return result.count > 0 ? 1 : 0;
}
