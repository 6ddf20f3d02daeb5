// N sequential lifecycles, and what is left on the host before and after: cgroups named after
// these lifecycles (every hierarchy; other users share /tsrun), mounts, <root> entries, zombies. Used by `npm run stress` (1000) and, shorter,
// by the integration tier (test/integration/stress.test.ts).
import { tsrunAsync } from "../helpers/acli.js";
import { snapshot, type Snapshot } from "../helpers/leftovers.js";

export interface StressResult { n: number; ms: number; before: Snapshot; after: Snapshot; failures: string[] }

/**
 * Every 10th lifecycle is create/start/state/kill/delete; the others are one `run`
 * (create, start, wait, delete in one process), with a process that exits at once.
 */
export async function stress(root: string, bundles: { pause: string; exit: string }, n: number, idPrefix: string, onProgress?: (i: number) => void): Promise<StressResult> {
  const before = snapshot(root, "/tsrun", idPrefix);
  const t0 = Date.now();
  const failures: string[] = [];
  const call = (args: string[]) => tsrunAsync(["--root", root, ...args], { timeoutMs: 60_000 });
  for (let i = 0; i < n; i++) {
    const id = `${idPrefix}-${i}`;
    const steps = i % 10 === 0
      ? [["create", "--bundle", bundles.pause, id], ["start", id], ["state", id], ["kill", id, "KILL"], ["delete", "--force", id]]
      : [["run", "--bundle", bundles.exit, id]];
    for (const s of steps) {
      const r = await call(s);
      if (r.status !== 0) { failures.push(`${s.join(" ")}: ${r.status} ${r.stderr.trim()}`); await call(["delete", "--force", id]); break; }
    }
    onProgress?.(i);
  }
  return { n, ms: Date.now() - t0, before, after: snapshot(root, "/tsrun", idPrefix), failures };
}
