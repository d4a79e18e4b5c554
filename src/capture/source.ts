/**
 * The byte source of a capture: a plain file, or a gzip file decompressed once into a temp file
 * (so random access by file offset keeps working), read in large chunks.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";

export class CaptureError extends Error {
  override name = "CaptureError";
}

const tempFiles = new Set<string>();
let exitHook = false;

function removeTemp(p: string): void {
  tempFiles.delete(p);
  try {
    fs.unlinkSync(p);
  } catch {
    // already gone
  }
  try {
    fs.rmdirSync(path.dirname(p));
  } catch {
    // not empty or gone
  }
}

function registerTemp(p: string): void {
  tempFiles.add(p);
  if (!exitHook) {
    exitHook = true;
    const cleanup = () => {
      for (const t of [...tempFiles]) removeTemp(t);
    };
    process.on("exit", cleanup);
    // Signals skip "exit": clean up, then die as the signal would have unless someone else handles it.
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(sig, () => {
        cleanup();
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      });
    }
  }
}

export interface Source {
  /** The file actually read (the temp file for gzip input). */
  file: string;
  fd: number;
  size: number;
  gzip: boolean;
  /** Set when the gzip stream was cut short (data up to the cut is usable). */
  gzipError?: string;
  close(): void;
}

/** Opens `p`; gzip input (detected by magic) is stream-decompressed into a temp file first. */
export async function openSource(p: string): Promise<Source> {
  let fd: number;
  try {
    fd = fs.openSync(p, "r");
  } catch (e) {
    throw new CaptureError(`cannot open ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const st = fs.fstatSync(fd);
  if (st.isDirectory()) {
    fs.closeSync(fd);
    throw new CaptureError(`${p}: is a directory, not a capture file`);
  }
  const magic = Buffer.alloc(2);
  const n = fs.readSync(fd, magic, 0, 2, 0);
  if (n === 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
    fs.closeSync(fd);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smbcmp-gunzip-"));
    const tmp = path.join(dir, "capture");
    registerTemp(tmp);
    let gzipError: string | undefined;
    try {
      await pipeline(
        fs.createReadStream(p, { highWaterMark: 1 << 20 }),
        zlib.createGunzip({ chunkSize: 1 << 20 }),
        fs.createWriteStream(tmp),
      );
    } catch (e) {
      // A truncated or corrupt gzip stream: keep what was decompressed.
      gzipError = (e as Error).message;
    }
    const tfd = fs.openSync(tmp, "r");
    // Unlinking early is not portable to Windows; remove on close/exit instead.
    const size = fs.fstatSync(tfd).size;
    return {
      file: tmp,
      fd: tfd,
      size,
      gzip: true,
      gzipError,
      close() {
        try {
          fs.closeSync(tfd);
        } catch {
          // closed
        }
        removeTemp(tmp);
      },
    };
  }
  return {
    file: p,
    fd,
    size: st.size,
    gzip: false,
    close() {
      try {
        fs.closeSync(fd);
      } catch {
        // closed
      }
    },
  };
}
