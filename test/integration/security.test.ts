// CVE classes a runtime must not repeat, checked from inside real containers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { symlinkSync, mkdirSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

test("ls /proc/self/fd inside shows 0, 1, 2 and the listing's own fd only (CVE-2024-21626 class)", () => {
  const b = h.bundle({ process: { args: ["/bin/ls", "/proc/self/fd"] } }, { busybox: true });
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split(/\s+/).sort(), ["0", "1", "2", "3"]);
});

test("a symlink in the rootfs cannot send a mount destination outside it (CVE-2021-30465 class)", () => {
  const outside = join(h.tmp, "outside-target");
  const src = join(h.tmp, "bind-src");
  mkdirSync(src);
  writeFileSync(join(src, "marker"), "inside");
  const b = h.bundle({
    root: { readonly: false },
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/evil", type: "bind", source: src, options: ["bind"] },
      { destination: "/evil2/sub", type: "tmpfs", source: "tmpfs" },
    ],
    process: { args: [H, "ls", "/tmp/escape"] },
  });
  // absolute and relative links that point outside the rootfs
  symlinkSync(outside, join(b, "rootfs", "evil"));
  symlinkSync("../../../../../../../../../tmp/escape", join(b, "rootfs", "evil2"));
  const id = h.id();
  const r = h.run(["run", "--bundle", b, id]);
  assert.ok(!existsSync(outside), "nothing was created at the symlink's host target");
  assert.ok(existsSync(join(b, "rootfs", outside)), "the absolute link was resolved inside the rootfs");
  assert.ok(existsSync(join(b, "rootfs", "tmp", "escape", "sub")), "the relative link was resolved inside the rootfs");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "sub\n");
  assert.ok(!existsSync("/tmp/escape/sub"), "no directory was made on the host");
});

test("the process is not dumpable while tsrun's child sets up (CVE-2019-5736 class)", () => {
  // The created-but-not-started init runs the sealed tsrun-init and is not dumpable, so a container
  // process without CAP_SYS_PTRACE cannot even open its /proc/<pid>/exe for reading.
  const b = h.bundle({ process: { args: [H, "pause"] } });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  const pid = h.state(id).pid;
  assert.match(readFileSync(`/proc/${pid}/cmdline`, "utf8"), /^tsrun-init\0--tsrun-init-1\0/, "the waiting init is the sealed tsrun-init");
  // Same uid (root), no CAP_SYS_PTRACE: only a non-dumpable target refuses the open.
  const probe = h.bundle({
    process: { args: [H, "open", `/proc/${pid}/exe`, "r"], user: { uid: 0, gid: 0 } },
    linux: { namespaces: [{ type: "mount" }, { type: "uts" }, { type: "ipc" }, { type: "network" }] },
  });
  const r = h.run(["run", "--bundle", probe, h.id()]);
  assert.equal(r.status, 1, `open /proc/${pid}/exe from a container must fail, got ${r.stdout}`);
  assert.match(r.stdout, /EACCES|EPERM/);
  h.ok(["delete", "--force", id]);
});
