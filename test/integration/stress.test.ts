// A short stress run (40 sequential lifecycles; npm run stress does 1000; 40 keeps this tier near half a
// minute here): no growth in cgroups, mounts, <root> entries or zombies left to us.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { Harness, requireRoot } from "../helpers/harness.js";
import { stress } from "../stress/lifecycles.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

/** Zombies whose parent is this test process. */
function ourZombies(): number {
  let n = 0;
  for (const p of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const s = readFileSync(`/proc/${p}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      if (f[0] === "Z" && Number(f[1]) === process.pid) n++;
    } catch { /* gone */ }
  }
  return n;
}

test("40 sequential lifecycles leave no cgroup, mount, state entry or zombie behind", async (t) => {
  const pause = h.bundle({ process: { args: [H, "pause"] } });
  const exit = h.bundle({ process: { args: [H, "exit", "0"] } });
  const r = await stress(h.root, { pause, exit }, Number(process.env.TSRUN_STRESS_N ?? 40), `s${process.pid}`);
  t.diagnostic(`${r.n} lifecycles in ${r.ms} ms; before ${JSON.stringify(r.before)}, after ${JSON.stringify(r.after)}`);
  assert.deepEqual(r.failures, []);
  assert.ok(r.after.cgroups <= r.before.cgroups, `cgroups of these lifecycles grew: ${r.before.cgroups} → ${r.after.cgroups}`);
  assert.ok(r.after.mounts <= r.before.mounts, `mounts grew: ${r.before.mounts} → ${r.after.mounts}`);
  assert.equal(r.after.rootEntries, 0);
  assert.equal(ourZombies(), 0);
});
