/**
 * node:fs for the browser build: files are byte arrays registered by the page (dropped captures);
 * the synchronous, descriptor-based calls the capture layer makes work on them. Anything else throws.
 */
const files = new Map<string, Uint8Array>();
const fds = new Map<number, Uint8Array>();
let nextFd = 3;

function enoent(p: string): Error {
  return Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: "ENOENT" });
}

export function registerFile(path: string, data: Uint8Array): void {
  files.set(path, data);
}

export function unregisterFile(path: string): void {
  files.delete(path);
}

export function openSync(p: string): number {
  const f = files.get(p);
  if (!f) throw enoent(p);
  fds.set(nextFd, f);
  return nextFd++;
}

export function closeSync(fd: number): void {
  fds.delete(fd);
}

export function fstatSync(fd: number): { size: number; isDirectory(): boolean; isFile(): boolean } {
  const f = fds.get(fd);
  if (!f) throw Object.assign(new Error("EBADF"), { code: "EBADF" });
  return { size: f.length, isDirectory: () => false, isFile: () => true };
}

export function statSync(p: string): { size: number; isDirectory(): boolean; isFile(): boolean } {
  const f = files.get(p);
  if (!f) throw enoent(p);
  return { size: f.length, isDirectory: () => false, isFile: () => true };
}

export function readSync(fd: number, buf: Uint8Array, off: number, len: number, pos: number | null): number {
  const f = fds.get(fd);
  if (!f) throw Object.assign(new Error("EBADF"), { code: "EBADF" });
  const start = pos ?? 0;
  const n = Math.max(0, Math.min(len, f.length - start, buf.length - off));
  if (n > 0) buf.set(f.subarray(start, start + n), off);
  return n;
}

export function existsSync(p: string): boolean {
  return files.has(p);
}

function unsupported(name: string): () => never {
  return () => {
    throw new Error(`${name} is not available in the browser build`);
  };
}

export const readFileSync = unsupported("readFileSync");
export const writeFileSync = unsupported("writeFileSync");
export const mkdtempSync = unsupported("gzip captures (decompress first)");
export const createReadStream = unsupported("createReadStream");
export const createWriteStream = unsupported("createWriteStream");
export const unlinkSync = unsupported("unlinkSync");
export const rmdirSync = unsupported("rmdirSync");
export const rmSync = unsupported("rmSync");
