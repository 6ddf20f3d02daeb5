// The words a client or a person reads when a config or a state does not fit this host: runc's phrase first, then
// tsrun's detail. This host is hybrid (cgroup v1 controllers, cgroup2 holding none of them).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";
import { ownCgroups } from "../helpers/cgpath.js";

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

test("unified resources on cgroup v1: runc's 'invalid configuration' words, the keys named; nothing left", () => {
  const id = h.id("unified");
  const r = h.run(["create", "--bundle", h.bundle({ linux: { resources: { unified: { "memory.high": "1000000" } } } }), id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.equal(r.stderr, 'invalid configuration: cannot use unified on cgroup v1 (linux.resources.unified sets "memory.high": the memory controller is not on cgroup2 here)\n');
  h.assertGone(id);
});

test("a memory limit the init cannot live in: runc's OOM words with the limit and the peak usage; nothing left", () => {
  const id = h.id("oom");
  const r = h.run(["run", "--bundle", h.bundle({ process: { args: ["/bin/tsrun-testhelper", "true"] }, linux: { resources: { memory: { limit: 100_000 } } } }), id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /^container init was OOM-killed \(memory limit too low\?\): memory limit 100000, peak usage \d+\n$/);
  h.assertGone(id);
});

test("update --memory below the current usage: runc's words with the limit and the usages; the old limit stays", () => {
  const id = h.id("below");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: ["/bin/sleep", "1000"] } }, { busybox: true }), id]);
  h.ok(["exec", id, "sh", "-c", "head -c 20000000 /dev/zero > /dev/shm/fill"]);   // tmpfs pages count as usage
  const file = join("/sys/fs/cgroup/memory", ownCgroups(h.state(id).pid).get("memory")!, "memory.limit_in_bytes");
  const before = readFileSync(file, "utf8");
  const r = h.run(["update", "--memory", "1000000", id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /^unable to set memory limit to 1000000 \(current usage: \d{8,}, peak usage: \d{8,}\): write `[^`]+\/memory\.limit_in_bytes`: EBUSY/);
  assert.equal(readFileSync(file, "utf8"), before);
  assert.equal(h.state(id).status, "running");
  h.ok(["delete", "--force", id]);
});

test("list warns about a corrupt state.json, naming the container; delete --force removes it", () => {
  const good = h.id("good");
  h.ok(["create", "--bundle", h.bundle(), good]);
  const bad = h.id("corrupt");
  mkdirSync(join(h.root, bad), { mode: 0o700 });
  writeFileSync(join(h.root, bad, "state.json"), '{"id": "half', { mode: 0o600 });
  const l = h.ok(["list", "-q"]);
  assert.equal(l.stdout, `${good}\n`);
  assert.match(l.stderr, new RegExp(`^time="[^"]+" level=warning msg="container ${bad}: read \`[^\`]+/state\\.json\`: corrupt state file \\(tsrun delete --force ${bad} removes it\\)"\n$`));
  const s = h.run(["state", bad]);
  assert.ok(oneLineError(s), s.stderr);
  assert.match(s.stderr, /corrupt state file/);
  const d = h.run(["delete", "--force", bad]);
  assert.equal(d.status, 0, d.stderr);
  assert.match(d.stderr, new RegExp(`level=warning msg="container ${bad}: corrupt state file removed`));
  assert.ok(!existsSync(join(h.root, bad)));
  assert.equal(h.ok(["list", "-q"]).stderr, "");
  h.ok(["delete", "--force", good]);
});
