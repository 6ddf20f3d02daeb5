// Symlink attacks on mount destinations: they resolve inside the rootfs, never on the host.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { baseConfig } from "../helpers/rootfs.js";

let h: Harness;
const hostTarget = `/tmp/tsrun-swap-${process.pid}`;
before(() => { requireRoot(); h = new Harness(); rmSync(hostTarget, { recursive: true, force: true }); });
after(() => { h.cleanup(); rmSync(hostTarget, { recursive: true, force: true }); });

const hostMounts = (): string => readFileSync("/proc/self/mountinfo", "utf8");

test("a destination that is a symlink to /../../../tmp/x lands inside the rootfs", () => {
  mkdirSync(hostTarget);
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]), { destination: "/evil", type: "tmpfs", source: "tmpfs", options: ["size=1m"] }],
    process: { args: ["/bin/sh", "-c", `grep -c ' ${hostTarget} .* tmpfs ' /proc/self/mountinfo`] },
  }, { busybox: true });
  mkdirSync(join(b, "rootfs", hostTarget), { recursive: true });
  symlinkSync(`/../../..${hostTarget}`, join(b, "rootfs", "evil"));
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "1", "the tmpfs is inside the container, at the link's target in the rootfs");
  assert.ok(!hostMounts().includes(` ${hostTarget} `), "nothing was mounted on the host path");
});

test("a directory swapped for a symlink during create (createRuntime hook) cannot redirect a mount to the host", () => {
  rmSync(hostTarget, { recursive: true, force: true });
  mkdirSync(hostTarget);
  const b = h.bundle({
    linux: { readonlyPaths: ["/ro"] },
    process: { args: ["/bin/sh", "-c", `grep -c ' ${hostTarget} ro' /proc/self/mountinfo`] },
  }, { busybox: true });
  const rootfs = join(b, "rootfs");
  mkdirSync(join(rootfs, "ro"));
  mkdirSync(join(rootfs, hostTarget), { recursive: true });
  const swap = `rmdir ${rootfs}/ro && ln -s /../../../..${hostTarget} ${rootfs}/ro`;
  const cfg = JSON.parse(readFileSync(join(b, "config.json"), "utf8"));
  cfg.hooks = { createRuntime: [{ path: "/bin/sh", args: ["sh", "-c", swap] }] };
  writeFileSync(join(b, "config.json"), JSON.stringify(cfg));
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "1", "the read-only bind followed the swapped link inside the rootfs");
  assert.ok(!hostMounts().includes(` ${hostTarget} `), "nothing was mounted on the host path");
});

