/**
 * Starting the TUI's worker threads: from compiled .js (dist/src), from the bundle (dist/bundle/*.mjs,
 * where scripts/bundle.mjs puts every worker entry next to the code that spawns it) or, in tests
 * (`node --import tsx`), from .ts.
 */
import { type ResourceLimits, type TransferListItem, Worker } from "node:worker_threads";

export function spawnWorker(
  name: string,
  workerData: unknown,
  transferList: TransferListItem[],
  resourceLimits?: ResourceLimits,
): Worker {
  const here = import.meta.url;
  const opts = { workerData, transferList, resourceLimits };
  // Under tsx the worker must register the TypeScript loader itself.
  const w = here.endsWith(".ts")
    ? new Worker(
        `import("tsx/esm/api").then((m) => m.register()).then(() => import(${JSON.stringify(new URL(`./${name}.ts`, here).href)}))`,
        { ...opts, eval: true },
      )
    : new Worker(new URL(`./${name}${here.slice(here.lastIndexOf("."))}`, here), opts);
  w.unref();
  return w;
}
