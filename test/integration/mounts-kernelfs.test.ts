// Issue 13: the image cannot move proc, sysfs or a cgroup mount with a symlink, nor switch off the
// masked and read-only paths by making them look missing (src/plan/kernel-fs.ts, native/mountcheck.c).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { baseConfig, mappedUserns } from "../helpers/rootfs.js";
import { oneLineError } from "../helpers/cli.js";

let h: Harness;
// the mapped root of the user-namespace case must reach the rootfs
before(() => { requireRoot(); h = new Harness(); chmodSync(h.tmp, 0o755); });
after(() => h.cleanup());

const line = (i: number, fs: string, at: string, why = "is a symlink", errno = "ELOOP"): RegExp =>
  new RegExp(`^config\\.json: mounts\\[${i}\\]: filesystem ${fs} must be mounted on ordinary directory: "${at.replace(/\//g, "\\/")}" ${why}: ${errno} \\([a-z ]+\\) \\(op \\d+\\)\\n$`);

/** A host file the container would overwrite if it ever ran. */
function sentinel(): { dir: string; file: string } {
  const dir = join(h.tmp, `sentinel-${h.id("s")}`);
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  writeFileSync(join(dir, "file"), "intact\n");
  return { dir, file: join(dir, "file") };
}

/** The audit's chain: rootfs/proc -> /dev/lnk, rootfs/dev/lnk -> /realp (the /dev tmpfs hides the second link). */
function plantChain(rootfs: string): void {
  renameSync(join(rootfs, "proc"), join(rootfs, "proc.orig"));
  symlinkSync("/dev/lnk", join(rootfs, "proc"));
  symlinkSync("/realp", join(rootfs, "dev", "lnk"));
}

function attackBundle(linux: Record<string, unknown> = {}): { b: string; s: ReturnType<typeof sentinel> } {
  const s = sentinel();
  const b = h.bundle({
    root: { readonly: false },
    mounts: [...(baseConfig().mounts as object[]), { destination: "/out", type: "bind", source: s.dir, options: ["rbind", "rw"] }],
    linux: { ...linux, maskedPaths: [...(baseConfig().linux as { maskedPaths: string[] }).maskedPaths, "/proc/sys/kernel/core_pattern"], readonlyPaths: ["/proc/sys"] },
    process: { args: ["/bin/sh", "-c", "cat /realp/sys/kernel/core_pattern > /out/file; echo owned > /out/file"] },
  }, { busybox: true });
  mkdirSync(join(b, "rootfs", "out"));
  plantChain(join(b, "rootfs"));
  return { b, s };
}

function refused(b: string, re: RegExp): string {
  const id = h.id();
  const r = h.run(["create", "--bundle", b, id]);
  assert.ok(oneLineError(r), `status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, re);
  h.assertGone(id);
  return id;
}

test("the /proc -> /dev/lnk -> /realp chain is refused with runc's words, nothing runs and nothing is left", () => {
  const { b, s } = attackBundle();
  const rootfs = join(b, "rootfs");
  refused(b, line(0, "proc", "/proc"));
  assert.equal(readFileSync(s.file, "utf8"), "intact\n", "the container never ran");
  assert.ok(!existsSync(join(rootfs, "realp")), "nothing was made at the link's target");
  assert.equal(readlinkSync(join(rootfs, "proc")), "/dev/lnk", "the image is as it was");
});

test("the same chain through a user-namespace container is refused the same way", () => {
  const { b, s } = attackBundle(mappedUserns());
  const rootfs = join(b, "rootfs");
  refused(b, line(0, "proc", "/proc"));
  assert.equal(readFileSync(s.file, "utf8"), "intact\n");
  assert.ok(!existsSync(join(rootfs, "realp")));
});

test("proc on a direct symlink to a directory of the rootfs, and sysfs on /sys -> elsewhere, are refused", () => {
  const b = h.bundle({});
  const rootfs = join(b, "rootfs");
  rmdirProc(rootfs);
  mkdirSync(join(rootfs, "realp"));
  symlinkSync("realp", join(rootfs, "proc"));
  refused(b, line(0, "proc", "/proc"));

  const b2 = h.bundle({});
  const r2 = join(b2, "rootfs");
  renameSync(join(r2, "sys"), join(r2, "elsewhere"));
  symlinkSync("/elsewhere", join(r2, "sys"));
  refused(b2, line(5, "sysfs", "/sys"));

  const b3 = h.bundle({});
  const r3 = join(b3, "rootfs");
  rmdirProc(r3);
  writeFileSync(join(r3, "proc"), "");
  refused(b3, line(0, "proc", "/proc", "is not a directory", "ENOTDIR"));
});

test("an image's /proc -> /elsewhere is refused under run -d and --no-pivot too: nothing runs", () => {
  for (const extra of [["-d"], ["-d", "--no-pivot"]]) {
    const b = h.bundle({ process: { args: ["/bin/sh", "-c", "sleep 100"] } }, { busybox: true });
    const rootfs = join(b, "rootfs");
    rmdirProc(rootfs);
    mkdirSync(join(rootfs, "elsewhere"));
    symlinkSync("/elsewhere", join(rootfs, "proc"));
    const id = h.id();
    const r = h.run(["run", ...extra, "--bundle", b, id]);
    assert.ok(oneLineError(r), `${extra.join(" ")}: status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr, line(0, "proc", "/proc"));
    h.assertGone(id);
    assert.equal(readlinkSync(join(rootfs, "proc")), "/elsewhere", "the image is as it was");
  }
});

test("a symlink in an intermediate component of a cgroup mount point (/sys/fs -> x) is refused, for cgroup and cgroup2", () => {
  for (const type of ["cgroup", "cgroup2"]) {
    const b = h.bundle({
      mounts: [{ destination: "/proc", type: "proc", source: "proc" },
        { destination: "/sys/fs/cgroup", type, source: type, options: ["nosuid", "noexec", "nodev", "ro"] }],
    });
    const rootfs = join(b, "rootfs");
    mkdirSync(join(rootfs, "sys", "x"));
    symlinkSync("x", join(rootfs, "sys", "fs"));
    refused(b, line(1, type, "/sys/fs"));
    assert.ok(!existsSync(join(rootfs, "sys", "x", "cgroup")), `${type}: nothing was made through the link`);
  }
});

test("a missing mount point of a kernel filesystem is still made, as a real directory", () => {
  const b = h.bundle({
    mounts: [{ destination: "/proc", type: "proc", source: "proc" },
      { destination: "/k/sys", type: "sysfs", source: "sysfs", options: ["ro"] }],
    process: { args: ["/bin/sh", "-c", "test -d /k/sys/kernel && echo ok"] },
  }, { busybox: true });
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "ok\n");
});

test("a masked or read-only path whose parent was redirected after the mounts is an error, not a skip", () => {
  // a createRuntime hook (after the mounts, before pivot_root) moves the mounted /proc away and
  // leaves a link that the /dev tmpfs makes dangle: before, every mask was skipped as missing
  const s = sentinel();
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]), { destination: "/out", type: "bind", source: s.dir, options: ["rbind", "rw"] }],
    process: { args: ["/bin/sh", "-c", "echo owned > /out/file"] },
  }, { busybox: true });
  const rootfs = join(b, "rootfs");
  mkdirSync(join(rootfs, "out"));
  const swap = `mv ${rootfs}/proc ${rootfs}/realp && ln -s /dev/lnk ${rootfs}/proc`;
  const cfg = JSON.parse(readFileSync(join(b, "config.json"), "utf8"));
  cfg.hooks = { createRuntime: [{ path: "/bin/sh", args: ["sh", "-c", swap] }] };
  writeFileSync(join(b, "config.json"), JSON.stringify(cfg));
  refused(b, /^config\.json: linux\.readonlyPaths\[\d+\]: readonly path "\/proc\/bus": "\/proc" is a symlink: ELOOP \(too many levels of symbolic links\) \(op \d+\)\n$/);
  assert.equal(readFileSync(s.file, "utf8"), "intact\n");
});

test("masked and read-only paths that this kernel does not have are still skipped under a real /proc", () => {
  const b = h.bundle({
    linux: {
      maskedPaths: ["/proc/timer_list", "/proc/kcore", "/proc/sched_debug", "/proc/tsrun-no-such-file", "/sys/tsrun-none/deeper"],
      readonlyPaths: ["/proc/sys", "/proc/tsrun-no-such-dir/sub"],
    },
    process: { args: ["/bin/sh", "-c", "wc -c < /proc/timer_list; grep -c ' /proc/sys ro,' /proc/self/mountinfo"] },
  }, { busybox: true });
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n").map((x) => x.trim()), ["0", "1"], "timer_list masked, /proc/sys read-only");
});

function rmdirProc(rootfs: string): void {
  renameSync(join(rootfs, "proc"), join(rootfs, "proc.orig"));
}
