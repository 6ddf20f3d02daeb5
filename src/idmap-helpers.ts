/**
 * User namespaces for idmapped mounts. For each mount that asks for an idmap, a helper is
 * spawned through the executor into a new user namespace (plan: NEW_USERNS, then it waits at
 * OP_HOOK_SYNC); the parent writes the mount's maps, and the container's child opens
 * /proc/<helper>/ns/user for mount_setattr(MOUNT_ATTR_IDMAP). Closing the sync socket ends them.
 */
import * as fs from "node:fs";
import type { Ctx } from "./context.js";
import type { Spec } from "./spec/schema.js";
import { PlanBuilder } from "./plan/builder.js";
import { Op, PlanFlag, NAMESPACES } from "./plan/ops.js";
import { drive, planFlags } from "./sync/driver.js";
import { mapText } from "./userns.js";
import { sysError } from "./errors.js";
import type { Plan } from "./plan/builder.js";
import { idmapOf } from "./plan/idmap.js";

export interface IdmapHelpers { paths: Map<number, string>; close(): void }

export function startIdmapHelpers(ctx: Ctx, spec: Spec): IdmapHelpers {
  const helpers: Array<{ pid: number; fd: number }> = [];
  const paths = new Map<number, string>();
  const close = (): void => {
    for (const h of helpers.splice(0)) {
      try { fs.closeSync(h.fd); } catch { /* closed */ }
      try { process.kill(h.pid, "SIGKILL"); } catch { /* gone */ }
      void ctx.sys().waitpid(h.pid).catch(() => undefined);
    }
  };
  try {
    (spec.mounts ?? []).forEach((m, i) => {
      const maps = idmapOf(spec, m, i);
      if (!maps) return;
      const b = new PlanBuilder();
      b.cloneFlags = BigInt(NAMESPACES.user);
      b.flags = PlanFlag.NEW_USERNS;
      b.op(Op.HOOK_SYNC, "idmap helper: wait", { a: 0 });
      const plan = b.build();
      const r = ctx.sys().spawn({ plan: plan.buffer, cgroupFd: -1, stateDirFd: -1, consoleFd: -1, preserveFds: 0 });
      if (r.pidfd >= 0) fs.closeSync(r.pidfd);
      helpers.push({ pid: r.pid, fd: r.syncFd });
      // maps request -> write the mount's maps -> GO -> it waits at its hook point, unanswered
      drive(ctx.sys().syncChannel(r.syncFd), {
        pid: r.pid, flags: planFlags(plan.buffer), end: "first-hook",
        wording: { who: `mounts[${i}]: idmap helper`, describe: (op) => `mounts[${i}]: idmap helper: ${plan.describe(op)}` },
        steps: {
          writeMaps: (pid) => {
            for (const [file, list] of [["uid_map", maps.uid], ["gid_map", maps.gid]] as const) {
              const path = `/proc/${pid}/${file}`;
              try { fs.writeFileSync(path, mapText(list)); } catch (e) { throw sysError("write", path, e); }
            }
          },
        },
      });
      paths.set(i, `/proc/${r.pid}/ns/user`);
    });
  } catch (e) {
    close();
    throw e;
  }
  return { paths, close };
}

/** Runs a helper plan (src/plan/compile.ts idmapPlan) to its end; its failure is one line. */
export function runHelperPlan(ctx: Ctx, plan: Plan): void {
  const r = ctx.sys().spawn({ plan: plan.buffer, cgroupFd: -1, stateDirFd: -1, consoleFd: -1, preserveFds: 0 });
  if (r.pidfd >= 0) fs.closeSync(r.pidfd);
  try {
    drive(ctx.sys().syncChannel(r.syncFd), { pid: r.pid, flags: planFlags(plan.buffer), end: "exit", wording: { who: "idmap helper", describe: plan.describe, explain: plan.explain }, steps: {} });
  } finally {
    fs.closeSync(r.syncFd);
    void ctx.sys().waitpid(r.pid).catch(() => undefined);
  }
}
