// npm run stress [-- N]: N (default 1000) sequential lifecycles; prints leftovers before/after.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle } from "../helpers/rootfs.js";
import { stress } from "./lifecycles.js";
import { snapshot } from "../helpers/leftovers.js";

const n = Number(process.argv[2] ?? process.env.TSRUN_STRESS_N ?? 1000);
const tmp = mkdtempSync(join(tmpdir(), "tsrun-stress-"));
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
