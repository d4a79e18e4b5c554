/**
 * Starting a worker thread whose entry module `name` sits next to the module that starts it
 * (`from`, that module's import.meta.url): compiled .js (dist/src), the bundle (dist/bundle/*.mjs,
 * where scripts/bundle.mjs puts every worker entry next to the code that spawns it) or, in tests
 * (`node --import tsx`), .ts.
 */
import { type ResourceLimits, type TransferListItem, Worker } from "node:worker_threads";

export function spawnWorker(
  from: string,
  name: string,
  workerData: unknown,
  transferList: TransferListItem[] = [],
  resourceLimits?: ResourceLimits,
): Worker {
  const opts = { workerData, transferList, resourceLimits };
  // Under tsx the worker must register the TypeScript loader itself.
  const w = from.endsWith(".ts")
    ? new Worker(
        `import("tsx/esm/api").then((m) => m.register()).then(() => import(${JSON.stringify(new URL(`./${name}.ts`, from).href)}))`,
        { ...opts, eval: true },
      )
    : new Worker(new URL(`./${name}${from.slice(from.lastIndexOf("."))}`, from), opts);
  w.unref();
  return w;
}
