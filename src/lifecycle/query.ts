/** Reading containers: the OCI state, the list, the pids, the cgroup stats and the event stream. */
import { TsrunError } from "../errors.js";
import { CorruptState } from "../state/store.js";
import type { Ctx } from "../context.js";
import { load, loadCg, ociState, statusOf } from "./container.js";
import type { CgroupStats } from "../cgroup/stats.js";

/** The OCI state object (runtime-spec "state"), keys in runc's order. */
export type OciState = Record<string, unknown> & { ociVersion: string; id: string; pid: number; status: string; bundle: string };

export function containerState(ctx: Ctx, id: string): OciState {
  const { h, st, status } = load(ctx, id, "none");
  h.close();
  return ociState(st, status) as OciState;
}

/** The name of the state dirs' owner (always the caller: store.open checks it), as runc's list shows it. */
function ownerName(): string {
  try { return process.getBuiltinModule("node:os").userInfo().username; } catch { return `#${process.geteuid!()}`; }
}

/** Every container under the root, as `tsrun list` sees them (owner: the user, "root" as root). */
export function listContainers(ctx: Ctx): OciState[] {
  const store = ctx.store();
  const items: OciState[] = [];
  let owner: string | undefined;
  for (const id of store.list()) {
    let h;
    try { h = store.open(id, "none"); } catch (e) { if (e instanceof TsrunError) continue; throw e; }
    try {
      const st = h.read();
      const s = ociState(st, statusOf(ctx, h, st)) as OciState;
      s.owner = owner ??= ownerName();
      items.push(s);
    } catch (e) {
      // a half-written or foreign entry is not a container; a corrupt one is, and the caller is told how to remove it
      if (e instanceof CorruptState) ctx.log.warn(`container ${id}: ${e.message} (tsrun delete --force ${id} removes it)`);
    } finally { h.close(); }
  }
  return items;
}

/** The pids in the container's cgroups (host pid namespace). */
export function containerPids(ctx: Ctx, id: string): number[] {
  const { h, st } = load(ctx, id);
  try {
    return loadCg(ctx, st).pids();
  } finally {
    h.close();
  }
}

export function containerStats(ctx: Ctx, id: string): CgroupStats {
  const { h, st, status } = load(ctx, id);
  h.close();
  if (status === "stopped") throw new TsrunError(`container with id ${id} is not running`);
  return loadCg(ctx, st).stats();
}

export type ContainerEvent = { type: "stats"; id: string; stats: CgroupStats } | { type: "oom"; id: string };

const OOM_POLL_MS = 100;

/** Stopped or already deleted. */
function stopped(ctx: Ctx, id: string): boolean {
  let hh;
  try { hh = ctx.store().open(id, "sh"); } catch { return true; }
  try { return statusOf(ctx, hh, hh.read()) === "stopped"; } catch { return true; } finally { hh.close(); }
}

/**
 * Stats every `intervalMs` (the first at once) and an `oom` event whenever the cgroup's OOM-kill
 * count grows, until the container stops. A stats read that fails is reported through `warn` and skipped.
 */
export async function* containerEvents(ctx: Ctx, id: string, intervalMs: number): AsyncGenerator<ContainerEvent> {
  const { h, st, status } = load(ctx, id);
  h.close();
  if (status === "stopped") throw new TsrunError(`container with id ${id} is not running`);
  const cg = loadCg(ctx, st);
  let ooms = cg.oomCount();
  let next = Date.now();
  for (;;) {
    const n = cg.oomCount();
    if (n > ooms) yield { type: "oom", id };
    ooms = n;
    if (stopped(ctx, id)) {
      if (cg.oomCount() > ooms) yield { type: "oom", id };
      return;
    }
    if (Date.now() >= next) {
      let stats: CgroupStats | undefined;
      try { stats = cg.stats(); } catch (e) { ctx.log.warn(`events: stats: ${(e as Error).message}`); }
      if (stats) yield { type: "stats", id, stats };
      next += intervalMs;
    }
    await new Promise((r) => setTimeout(r, Math.min(OOM_POLL_MS, Math.max(1, next - Date.now()))));
  }
}
