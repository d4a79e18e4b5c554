/** esbuild `inject`: makes the Buffer shim the bundle's global `Buffer`. */
import { Buffer as B } from "./buffer.js";

(globalThis as { Buffer?: unknown }).Buffer ??= B;

export { B as Buffer };
