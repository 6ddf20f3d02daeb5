// tmpcopyup: a tmpfs over a rootfs directory starts with a copy of that directory's contents.
import { test, before, after } from "node:test";
import { spawn } from "node:child_process";
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";
import { mountsConcerning } from "../helpers/leftovers.js";
import { baseConfig } from "../helpers/rootfs.js";

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

const tmpfs = (dest: string, options: string[]): object => ({ destination: dest, type: "tmpfs", source: "tmpfs", options });

test("tmpcopyup: files, subdirectories and symlinks show inside with their modes, owners and times, writable; the rootfs dir is untouched", () => {
  const script = [
    "grep -c ' /data .* tmpfs ' /proc/self/mountinfo",
    "cat /data/f", "cat /data/sub/g", "readlink /data/link", "cat /data/link",
    "stat -c '%a %u:%g' /data/f /data/sub/g /data/sub /data", "stat -c %Y /data/sub/g",
    "echo changed > /data/f && echo new > /data/new && mkdir /data/sub/more && echo written",
    "cat /data/f",
  ].join("; ");
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]), tmpfs("/data", ["nosuid", "nodev", "tmpcopyup", "size=1m"])],
    process: { args: ["/bin/sh", "-c", script] },
  }, { busybox: true });
  const data = join(b, "rootfs", "data");
  mkdirSync(join(data, "sub"), { recursive: true });
  writeFileSync(join(data, "f"), "hello\n");
  chmodSync(join(data, "f"), 0o640);
  writeFileSync(join(data, "sub", "g"), "deep\n");
  chmodSync(join(data, "sub", "g"), 0o604);
  chownSync(join(data, "sub", "g"), 1234, 5678);
  chmodSync(join(data, "sub"), 0o710);
  symlinkSync("f", join(data, "link"));
  chmodSync(data, 0o750);
  utimesSync(join(data, "sub", "g"), 1_000_000_000, 1_000_000_000);   // 2001-09-09T01:46:40Z

  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(r.stdout.trim().split("\n"), [
    "1", "hello", "deep", "f", "hello",
    "640 0:0", "604 1234:5678", "710 0:0", "750 0:0", "1000000000",
    "written", "changed",
  ]);
  // the host's directory is as it was
  assert.deepEqual(readdirSync(data).sort(), ["f", "link", "sub"]);
  assert.equal(readFileSync(join(data, "f"), "utf8"), "hello\n");
  assert.deepEqual(readdirSync(join(data, "sub")), ["g"]);
  assert.equal(readlinkSync(join(data, "link")), "f");
  assert.equal(statSync(data).mode & 0o7777, 0o750);
});

test("tmpcopyup with ro: the copy is there and the tmpfs is read-only; mode= in the data sets the root's mode", () => {
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]), tmpfs("/etc/conf", ["ro", "tmpcopyup", "mode=711"])],
    process: { args: ["/bin/sh", "-c", "cat /etc/conf/a; stat -c %a /etc/conf; touch /etc/conf/b 2>/dev/null && echo writable || echo read-only"] },
  }, { busybox: true });
  mkdirSync(join(b, "rootfs", "etc", "conf"), { recursive: true });
  writeFileSync(join(b, "rootfs", "etc", "conf", "a"), "from the image\n");
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(r.stdout.trim().split("\n"), ["from the image", "711", "read-only"]);
});

test("tmpcopyup: a destination that is a symlink out of the rootfs copies from inside the rootfs", () => {
  const outside = join(h.tmp, "outside");
  mkdirSync(outside);
  writeFileSync(join(outside, "secret"), "host file\n");
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]), tmpfs("/data", ["tmpcopyup"])],
    process: { args: ["/bin/sh", "-c", "ls /data"] },
  }, { busybox: true });
  // the link points at the host directory's absolute path: it resolves inside the rootfs instead
  mkdirSync(join(b, "rootfs", outside), { recursive: true });
  writeFileSync(join(b, "rootfs", outside, "inside"), "");
  symlinkSync(`/../../..${outside}`, join(b, "rootfs", "data"));
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.stdout.trim(), "inside");
  assert.deepEqual(readdirSync(outside), ["secret"]);
});

test("tmpcopyup on a mount that is not a tmpfs is refused in one line", () => {
  const id = h.id();
  const b = h.bundle({ mounts: [{ destination: "/p", type: "proc", source: "proc", options: ["tmpcopyup"] }] });
  const r = h.run(["create", "--bundle", b, id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /^config\.json: mounts\[0\]\.options: tmpcopyup needs a tmpfs mount, not "proc"$/m);
  h.assertGone(id);
});

test("a copy that does not fit fails create in one line naming the file, and leaves nothing", () => {
  const mountsBefore = mountsConcerning([h.tmp]);
  const id = h.id();
  const b = h.bundle({ mounts: [...(baseConfig().mounts as object[]), tmpfs("/data", ["tmpcopyup", "size=64k"])] }, { busybox: true });
  mkdirSync(join(b, "rootfs", "data", "sub"), { recursive: true });
  writeFileSync(join(b, "rootfs", "data", "sub", "big"), Buffer.alloc(512 * 1024, 1));
  const r = h.run(["create", "--bundle", b, id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /^config\.json: mounts\[\d+\]: tmpcopyup mount "tmpfs" on "\/data": sub\/big: ENOSPC \(no space left on device\) \(op \d+\)$/m);
  h.assertGone(id);
  assert.deepEqual(mountsConcerning([h.tmp]), mountsBefore, "no mount left under the bundle");
});

test("a directory swapped for a symlink to the host while the copy runs never brings host files in", async (t) => {
  const host = join(h.tmp, "host-secret");
  mkdirSync(host);
  writeFileSync(join(host, "secret"), "host-only-content\n");
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]), tmpfs("/data", ["tmpcopyup"])],
    process: { args: ["/bin/sh", "-c", "cat /data/sub/secret /data/sub/f 2>/dev/null; true"] },
  }, { busybox: true });
  const data = join(b, "rootfs", "data");
  mkdirSync(join(data, "sub"), { recursive: true });
  for (let i = 0; i < 50; i++) writeFileSync(join(data, `pad${i}`), "x");   // a longer copy: more room for the race
  // swap rootfs/data/sub between a directory and a symlink to the host directory, as fast as we can
  const racer = spawn("/bin/sh", ["-c", `cd '${data}' && while :; do rm -rf sub; ln -s '${host}' sub; rm -f sub; mkdir sub; echo in > sub/f; done`], { stdio: "ignore" });
  try {
    const refused = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const r = h.run(["run", "--bundle", b, h.id()]);
      if (r.status !== 0) { assert.ok(oneLineError(r), r.stderr); refused.add(r.stderr.trim()); }
      assert.doesNotMatch(r.stdout + r.stderr, /host-only-content/, `round ${i}: a host file was copied in`);
    }
    t.diagnostic(`refused: ${[...refused].join(" | ") || "none"}`);
  } finally {
    racer.kill("SIGKILL");
    await new Promise((res) => racer.once("exit", res));
  }
  assert.deepEqual(readdirSync(host), ["secret"], "the host directory is untouched");
  assert.deepEqual(h.stateDirs(), []);
});
