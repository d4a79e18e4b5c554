/** node:os, node:path, node:zlib, node:stream/promises stand-ins for the browser build (unused paths). */
export const tmpdir = (): string => "/tmp";
export const homedir = (): string => "/";
export const join = (...p: string[]): string => p.join("/");
export const dirname = (p: string): string => p.replace(/\/[^/]*$/, "") || "/";
export const basename = (p: string): string => p.replace(/^.*\//, "");
export const sep = "/";
export const resolve = join;
export function createGunzip(): never {
  throw new Error("gzip captures are not supported in the browser build: decompress first");
}
export function pipeline(): Promise<never> {
  return Promise.reject(new Error("streams are not available in the browser build"));
}
export const platform = (): string => "browser";
export const EOL = "\n";
export default { tmpdir, homedir, join, dirname, basename, sep, resolve, platform, EOL };
export function execFileSync(): never {
  throw new Error("running programs is not available in the browser build");
}
export const spawnSync = execFileSync;
export const execSync = execFileSync;
