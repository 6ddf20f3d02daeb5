// The e2e tier fails, never skips, when a client it drives is not installed: a missing
// program is named with the Debian package that has it (.ci/run installs them all).
import { accessSync, constants } from "node:fs";
import { join } from "node:path";

const PACKAGE: Record<string, string> = {
  containerd: "containerd", ctr: "containerd", "containerd-shim-runc-v2": "containerd",
  podman: "podman", conmon: "conmon", script: "bsdutils", busybox: "busybox-static",
};

function onPath(name: string, path = process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"): boolean {
  return path.split(":").some((d) => { try { accessSync(join(d, name), constants.X_OK); return true; } catch { return false; } });
}

/** Throws one line naming every missing program and its package. */
export function requirePrograms(...names: string[]): void {
  const missing = names.filter((n) => !onPath(n));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((n) => PACKAGE[n] ?? n))];
    throw new Error(`e2e: ${missing.join(", ")} not found in PATH: apt-get install ${pkgs.join(" ")} (bash .ci/run installs them)`);
  }
}
