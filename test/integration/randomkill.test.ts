// Random kill -9 (the maintainer's check): tsrun SIGKILLed by a timer during create, start, exec, kill,
// delete or run, with a fixed seed; `delete --force` afterwards leaves no state dir, cgroup, process or
// mount. More iterations, other seeds: `npm run stress -- --random-kill N [SEED]`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireRoot } from "../helpers/harness.js";
import { randomKills, OPS } from "../stress/randomkill.js";

let tmp: string;
before(() => { requireRoot(); tmp = mkdtempSync(join(tmpdir(), "tsrun-rk-")); });
after(() => rmSync(tmp, { recursive: true, force: true }));

test("36 random SIGKILLs of tsrun (seed 9), each followed by delete --force: nothing is left behind", async (t) => {
  const r = await randomKills(tmp, Number(process.env.TSRUN_RANDOM_KILL_N ?? 36), Number(process.env.TSRUN_RANDOM_KILL_SEED ?? 9), `rk${process.pid}`);
  t.diagnostic(`${r.n} iterations in ${r.ms} ms; unkilled ms ${JSON.stringify(r.typical)}; ${JSON.stringify(r.byOp)}`);
  assert.deepEqual(r.failures, []);
  const killed = OPS.reduce((n, o) => n + r.byOp[o].killed, 0);
  assert.ok(killed >= r.n / 3, `the timer killed tsrun in many iterations (${killed} of ${r.n})`);
});
