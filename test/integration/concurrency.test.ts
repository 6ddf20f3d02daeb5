// Concurrency: 50 lifecycles at once on distinct ids, and 10 racing commands on one id.
// Every command succeeds or fails with one clear line; state.json is never seen torn;
// nothing is left behind.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";
import { tsrunAsync, pool, type AsyncResult } from "../helpers/acli.js";
import { containerCgroupLeft, processesMatching, mounts } from "../helpers/leftovers.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness();  });
after(() => h.cleanup());

const call = (args: string[]): Promise<AsyncResult> => tsrunAsync(["--root", h.root, ...args], { timeoutMs: 120_000 });

/** Read every state.json under the root until stopped; returns how many reads were torn. */
function watchState(): { stop: () => Promise<{ reads: number; torn: string[] }> } {
  let running = true;
  let reads = 0;
  const torn: string[] = [];
  const loop = (async () => {
    while (running) {
      for (const id of existsSync(h.root) ? readdirSync(h.root) : []) {
        let text: string;
        try { text = readFileSync(join(h.root, id, "state.json"), "utf8"); } catch { continue; }
        reads++;
        try { JSON.parse(text); } catch { torn.push(id); }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return { stop: async () => { running = false; await loop; return { reads, torn }; } };
}

test("50 lifecycles in parallel on distinct ids: all succeed, no torn state, nothing left", async (t) => {
  const b = h.bundle({ process: { args: [H, "pause"] } });
  const ids = Array.from({ length: 50 }, () => h.id("par"));
  const w = watchState();
  const errors: string[] = [];
  await pool(ids, 50, async (id) => {
    // state and kill race in the next test; here: create, start, delete --force (kills) on 50 ids at once
    for (const args of [["create", "--bundle", b, id], ["start", id], ["delete", "--force", id]]) {
      const r = await call(args);
      if (r.status !== 0) { errors.push(`${args[0]} ${id}: ${r.stderr.trim()}`); break; }
    }
  });
  const { reads, torn } = await w.stop();
  t.diagnostic(`${reads} state.json reads during the run, ${torn.length} torn`);
  assert.deepEqual(errors, []);
  assert.deepEqual(torn, []);
  assert.deepEqual(h.stateDirs(), []);
  for (const id of ids) assert.deepEqual(containerCgroupLeft(id), [], `cgroup of ${id} left`);
  assert.deepEqual(processesMatching(b), []);
  assert.deepEqual(mounts(h.tmp), [], "no mount leaked onto the host");
});

// What a racing command may answer, besides success.
const EXPECTED = /container does not exist|container not running|cannot start a container that has stopped|cannot start an already running container|cannot delete container .* that is not stopped/;

test("10 concurrent kill/delete/state/start calls on one id, 3 rounds: each succeeds or says why in one line", async () => {
  const b = h.bundle({ process: { args: [H, "pause"] } });
  for (let round = 0; round < 3; round++) {
    const id = h.id("race");
    assert.equal((await call(["create", "--bundle", b, id])).status, 0);
    const calls = [["start", id], ["state", id], ["kill", id, "KILL"], ["delete", "--force", id], ["start", id],
      ["state", id], ["kill", id], ["delete", id], ["list", "-f", "json"], ["delete", "--force", id]];
    const w = watchState();
    const rs = await Promise.all(calls.map((a) => call(a)));
    const { torn } = await w.stop();
    assert.deepEqual(torn, []);
    rs.forEach((r, i) => {
      const what = `round ${round}: ${calls[i].join(" ")}`;
      assert.ok(!r.timedOut, `${what}: hung`);
      if (r.status === 0) {
        if (calls[i][0] === "state") assert.match(JSON.parse(r.stdout).status, /^(created|running|stopped)$/, what);
        if (calls[i][0] === "list") JSON.parse(r.stdout);
      } else {
        assert.ok(oneLineError(r), `${what}: ${r.status} ${JSON.stringify(r.stderr)}`);
        assert.match(r.stderr, EXPECTED, what);
      }
    });
    // at least one of the forced deletes ran; whatever order, the container is gone afterwards
    assert.equal((await call(["delete", "--force", id])).status, 0);
    assert.ok(!existsSync(join(h.root, id)));
    assert.deepEqual(containerCgroupLeft(id), []);
  }
  assert.deepEqual(processesMatching(b), []);
});
