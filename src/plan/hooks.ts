/**
 * Hooks in the plan. createRuntime and createContainer (and prestart, which runc runs at the same
 * moment) run in the parent while the child waits at OP_HOOK_SYNC: after every mount, before
 * pivot_root. startContainer hooks run inside the container (OP_HOOK_EXEC), after start, right
 * before the process; their stdin is START_STATE_FILE, written by create into the state dir.
 */
import type { Spec } from "../spec/schema.js";
import type { PlanBuilder } from "./builder.js";
import { Op } from "./ops.js";

export const HOOK_POINT_CREATE = 1;
/** HOOK_SYNC point HOOK_POINT_IDMAP + i: make the idmapped mount of mounts[i] */
export const HOOK_POINT_IDMAP = 0x100;
export const START_STATE_FILE = "start-state.json";

export function needsHookSync(spec: Spec): boolean {
  const h = spec.hooks ?? {};
  return [h.prestart, h.createRuntime, h.createContainer, h.startContainer].some((l) => (l?.length ?? 0) > 0);
}

export function planHookSync(b: PlanBuilder, spec: Spec): void {
  if (!needsHookSync(spec)) return;
  const file = spec.hooks?.startContainer?.length ? START_STATE_FILE : undefined;
  b.at("hooks", () => b.op(Op.HOOK_SYNC, "wait for the createRuntime/createContainer hooks", { a: HOOK_POINT_CREATE, s: [file] }));
}

/** An idmapped mount, in spec order: init waits while the runtime mounts mounts[i] from the host (idmapPlan). */
export function planIdmapSync(b: PlanBuilder, i: number, dest: string): void {
  b.op(Op.HOOK_SYNC, `wait for the idmapped mount of mounts[${i}] on "${dest}"`, { a: HOOK_POINT_IDMAP + i });
}

/** s3 is the label of the hook's error line (as runHooks words it), c its timeout in seconds (0: none) */
export function planStartContainer(b: PlanBuilder, spec: Spec): void {
  (spec.hooks?.startContainer ?? []).forEach((h, i) => {
    const args = h.args?.length ? h.args : [h.path];
    const env = h.env ?? [];
    b.at(`hooks.startContainer[${i}]`, () => b.op(Op.HOOK_EXEC, `startContainer hook #${i} "${h.path}"`, {
      a: args.length, b: env.length, c: h.timeout ?? 0, s: [h.path, { list: args }, { list: env }, `error running hook #${i} (startContainer) \`${h.path}\``],
    }));
  });
}
