// Setup order, as runc does it, where a user notices: a cgroup frozen before create is refused
// (not joined), createContainer hooks run from the container's root, read-only remounts come
// after every submount.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { markEnv, processesMatching } from "../helpers/leftovers.js";
import { oneLineError, TSRUN } from "../helpers/cli.js";
import { baseConfig } from "../helpers/rootfs.js";
import { spawnSync } from "node:child_process";

const V1 = "/sys/fs/cgroup";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

for (const which of ["its own cgroup", "a parent cgroup"]) {
  test(`run -d with ${which} frozen beforehand fails at once with runc's words and leaves nothing`, (t) => {
    const top = `/tsrun-frozen-${process.pid}-${which === "its own cgroup" ? "own" : "parent"}`;
    const cgPath = which === "its own cgroup" ? top : `${top}/c`;
    const freezer = join(V1, "freezer", top);
    const marker = `frz-${process.pid}-${top}`;
    mkdirSync(freezer);
    t.after(() => {
      try { writeFileSync(join(freezer, "freezer.state"), "THAWED"); } catch { /* gone */ }
      for (const p of processesMatching(marker)) { try { process.kill(p, "SIGKILL"); } catch { /* gone */ } }
      try { rmdirSync(freezer); } catch { /* gone */ }
    });
    writeFileSync(join(freezer, "freezer.state"), "FROZEN");
    const id = h.id("frz");
    const b = h.bundle({ process: { args: ["sleep", "100"], env: [markEnv(marker)] }, linux: { cgroupsPath: cgPath } }, { busybox: true });
    const r = h.run(["run", "-d", "--bundle", b, id], { timeout: 20_000, env: { ...process.env, TSRUN_TEST_MARK: marker } });
    assert.equal(r.status, 1, `run -d must fail, not hang: ${r.stderr}`);
    assert.equal(r.stderr, `container's cgroup unexpectedly frozen: \`${freezer}\`\n`);
    assert.ok(oneLineError(r), r.stderr);
    assert.deepEqual(processesMatching(marker), [], "no process of the container (or tsrun) is left, frozen or not");
    assert.ok(!existsSync(join(h.root, id)), "no state dir");
    for (const c of ["memory", "pids", "cpu", "devices", "unified"]) assert.ok(!existsSync(join(V1, c, top)), `no ${c} cgroup made`);
    if (cgPath !== top) assert.ok(!existsSync(join(V1, "freezer", cgPath)), "no freezer cgroup made under the frozen one");
    assert.equal(readFileSync(join(freezer, "freezer.state"), "utf8").trim(), "FROZEN", "the caller's frozen cgroup is left as it was");
  });
}

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

/** the base mounts (runc spec's), with "ro" on the /dev tmpfs */
const roDevMounts = () => (baseConfig().mounts as { destination: string; options?: string[] }[])
  .map((m) => m.destination === "/dev" ? { ...m, options: [...(m.options ?? []), "ro"] } : m);
const MOUNTS_OF_DEV = "grep -E ' /dev(/pts)? ' /proc/self/mounts | cut -d' ' -f1-4 | cut -d, -f1; touch /dev/x 2>/dev/null; echo touch=$?; echo ok > /dev/null && echo null-ok";

for (const readonly of [true, false]) {
  test(`an ro /dev tmpfs gets devpts and the devices first, then is made read-only (root.readonly ${readonly})`, () => {
    const b = h.bundle({ root: { readonly }, mounts: roDevMounts(), process: { args: ["/bin/sh", "-c", MOUNTS_OF_DEV] } }, { busybox: true });
    const id = h.id("rodev");
    const r = h.run(["run", "--bundle", b, id]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "tmpfs /dev tmpfs ro\ndevpts /dev/pts devpts rw\ntouch=1\nnull-ok\n");
    h.assertGone(id);
  });
}

test("run -t with root.readonly and an ro /dev: the console is made before /dev turns read-only", () => {
  const b = h.bundle({ root: { readonly: true }, mounts: roDevMounts(), process: { args: ["/bin/sh"] } }, { busybox: true });
  const id = h.id("rodevt");
  const r = spawnSync("script", ["-qec", `${TSRUN} --root ${h.root} run -t --bundle ${b} ${id}`, "/dev/null"],
    { input: "tty; grep ' /dev ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1; exit 7\n", encoding: "utf8", timeout: 30_000 });
  const out = r.stdout.replace(/\r/g, "");
  assert.equal(r.status, 7, out + r.stderr);
  assert.match(out, /^\/dev\/pts\/\d+\nro$/m, "a pty, and /dev read-only");
  h.assertGone(id);
});
