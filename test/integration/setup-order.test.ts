// Setup order, as runc does it, where a user notices: a cgroup frozen before create is refused
// (not joined), createContainer hooks run from the container's root, read-only remounts come
// after every submount.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { markEnv, processesMatching } from "../helpers/leftovers.js";
import { oneLineError } from "../helpers/cli.js";

const V1 = "/sys/fs/cgroup";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

test("run -d into a cgroup frozen beforehand fails at once with runc's words and leaves nothing", (t) => {
  const cgPath = `/tsrun-frozen-${process.pid}`;
  const freezer = join(V1, "freezer", cgPath);
  mkdirSync(freezer);
  t.after(() => {
    try { writeFileSync(join(freezer, "freezer.state"), "THAWED"); } catch { /* gone */ }
    for (const p of processesMatching(marker)) { try { process.kill(p, "SIGKILL"); } catch { /* gone */ } }
    try { rmdirSync(freezer); } catch { /* gone */ }
  });
  writeFileSync(join(freezer, "freezer.state"), "FROZEN");
  const id = h.id("frz");
  const marker = `frz-${process.pid}`;
  const b = h.bundle({ process: { args: ["sleep", "100"], env: [markEnv(marker)] }, linux: { cgroupsPath: cgPath } }, { busybox: true });
  const r = h.run(["run", "-d", "--bundle", b, id], { timeout: 20_000, env: { ...process.env, TSRUN_TEST_MARK: marker } });
  assert.equal(r.status, 1, `run -d must fail, not hang: ${r.stderr}`);
  assert.match(r.stderr, /container's cgroup unexpectedly frozen/);
  assert.ok(oneLineError(r), r.stderr);
  assert.deepEqual(processesMatching(marker), [], "no process of the container (or tsrun) is left, frozen or not");
  assert.ok(!existsSync(join(h.root, id)), "no state dir");
  for (const c of ["memory", "pids", "cpu", "devices", "unified"]) assert.ok(!existsSync(join(V1, c, cgPath)), `no ${c} cgroup made`);
  assert.equal(readFileSync(join(freezer, "freezer.state"), "utf8").trim(), "FROZEN", "the caller's frozen cgroup is left as it was");
});

test("create's hooks start where runc's do: prestart and createRuntime in the bundle, createContainer in the container's root", () => {
  const out = join(h.tmp, "hook-cwd");
  mkdirSync(out);
  const hook = (name: string) => ({ path: "/bin/sh", args: ["sh", "-c", `pwd > ${out}/${name}.pwd; ls > ${out}/${name}.ls`] });
  const b = h.bundle({
    process: { args: ["/bin/true"] },
    hooks: { prestart: [hook("prestart")], createRuntime: [hook("createRuntime")], createContainer: [hook("createContainer")] },
  }, { busybox: true });
  const id = h.id();
  h.ok(["run", "--bundle", b, id], { cwd: "/" });
  const read = (f: string) => readFileSync(join(out, f), "utf8");
  assert.equal(read("prestart.pwd"), `${b}\n`);
  assert.equal(read("createRuntime.pwd"), `${b}\n`);
  assert.equal(read("createContainer.pwd"), `${join(b, "rootfs")}\n`);
  assert.ok(read("createContainer.ls").split("\n").includes("bin"), "the hook lists the container's root");
  assert.ok(read("createRuntime.ls").split("\n").includes("config.json"), "the hook lists the bundle");
  h.assertGone(id);
});
