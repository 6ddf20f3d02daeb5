// npm run stress [-- N]: N (default 1000) sequential lifecycles; prints leftovers before/after.
// npm run stress -- --random-kill [N] [SEED]: N (default 200) random SIGKILLs of tsrun (randomkill.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle } from "../helpers/rootfs.js";
import { stress } from "./lifecycles.js";
import { randomKills } from "./randomkill.js";
import { snapshot } from "../helpers/leftovers.js";

const argv = process.argv.slice(2);
const tmp = mkdtempSync(join(tmpdir(), "tsrun-stress-"));
if (argv[0] === "--random-kill") {
  const n = Number(argv[1] ?? 200);
  const seed = Number(argv[2] ?? Date.now() % 100000);
  const r = await randomKills(tmp, n, seed, `rks${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  console.log(JSON.stringify({ iterations: r.n, seed: r.seed, seconds: +(r.ms / 1000).toFixed(1), unkilledMs: r.typical, byOp: r.byOp, failures: r.failures.length }, null, 1));
  for (const f of r.failures.slice(0, 20)) console.log(`failure: ${f}`);
  process.exitCode = r.failures.length ? 1 : 0;
} else {
  const n = Number(argv[0] ?? process.env.TSRUN_STRESS_N ?? 1000);
  const b = makeBundle(join(tmp, "b"), { process: { args: ["/bin/tsrun-testhelper", "pause"] } });
  const bExit = makeBundle(join(tmp, "b2"), { process: { args: ["/bin/tsrun-testhelper", "exit", "0"] } });
  const prefix = `st${process.pid}`;
  const t0 = Date.now();
  const r = await stress(join(tmp, "state"), { pause: b, exit: bExit }, n, prefix, (i) => {
    if ((i + 1) % 100 === 0) process.stderr.write(`${i + 1}/${n} ${Math.round((Date.now() - t0) / 1000)}s ${JSON.stringify(snapshot(join(tmp, "state"), "/tsrun", prefix))}\n`);
  });
  rmSync(tmp, { recursive: true, force: true });
  const grow = (k: keyof typeof r.before) => r.after[k] - r.before[k];
  console.log(JSON.stringify({ lifecycles: r.n, seconds: +(r.ms / 1000).toFixed(1), perLifecycleMs: Math.round(r.ms / r.n), before: r.before, after: r.after, failures: r.failures.length }, null, 1));
  for (const f of r.failures.slice(0, 10)) console.log(`failure: ${f}`);
  const bad = r.failures.length > 0 || grow("cgroups") > 0 || grow("mounts") > 0 || r.after.rootEntries > 0;
  process.exitCode = bad ? 1 : 0;
}
