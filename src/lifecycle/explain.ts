/**
 * explain: the compiled plan of a bundle, op by op with the config member each came from, the
 * cgroup writes and the hooks (src/plan/explain.ts). It reads the bundle, stats bind sources and
 * reads /proc/self/mountinfo; it creates nothing: no state dir, no cgroup, no process.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Ctx } from "../context.js";
import { loadSpec } from "../spec/load.js";
import { compileSeccomp } from "../seccomp/compile.js";
import { explain, type Explained } from "../plan/explain.js";
import { hostView } from "../bind-reach.js";
import { hasOwnMountNs } from "../plan/no-mountns.js";
import { mountPointIn } from "../host-mounts.js";
import { parseMountinfo, cgroupMode } from "../cgroup/mountinfo.js";
import { usesSystemd } from "../cgroup/systemd-path.js";

const readOr = (f: string): string => { try { return readFileSync(f, "utf8"); } catch { return ""; } };

/** The driver create would pick: v2 on a cgroup2-only host, v1 on a hybrid or legacy one. */
function cgroupVersion(): "v1" | "v2" {
  let text = "";
  try { text = readFileSync("/proc/self/mountinfo", "utf8"); } catch { /* no /proc: say v2 */ }
  const mode = cgroupMode(parseMountinfo(text));
  return mode === "hybrid" || mode === "legacy" ? "v1" : "v2";
}

export function explainBundle(ctx: Ctx, bundleDir: string | undefined): Explained {
  const bundle = resolve(bundleDir ?? ".");
  const spec = loadSpec(bundle);
  const sc = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp) : undefined;
  return explain(spec, {
    bundle, rootfs: resolve(bundle, spec.root!.path), noPivot: false, host: hostView(spec), cgroupVersion: cgroupVersion(),
    systemd: usesSystemd(ctx.systemdCgroup, spec.linux?.cgroupsPath) ? { procDevices: readOr("/proc/devices") } : undefined,
    seccomp: sc ? { filter: sc.filter, flags: sc.flags, notify: sc.notify } : undefined,
    // without a mount namespace create binds the rootfs into the container's state dir: named, not made
    mountAt: hasOwnMountNs(spec) ? undefined : mountPointIn(join(ctx.root, "<container-id>")),
  });
}
