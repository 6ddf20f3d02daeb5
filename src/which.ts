/** Finding the helper programs tsrun runs (criu, newuidmap/newgidmap) on PATH. */
import { accessSync, constants } from "node:fs";
import { join } from "node:path";

/** podman runs runtimes with no PATH at all: then the usual directories are searched */
export const FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function isExecutable(path: string): boolean {
  try { accessSync(path, constants.X_OK); return true; } catch { return false; }
}

/**
 * The first executable `name` in PATH's absolute directories (a relative entry would depend on the
 * caller's cwd; FALLBACK_PATH when PATH is unset or empty), or undefined.
 */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path || FALLBACK_PATH).split(":").filter((d) => d.startsWith("/"))) {
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}
