// What podman's configs and calls rely on: tmpfs with "tmpcopyup" (podman --read-only, --tmpfs), a
// "cgroup" mount that shows the container's own cgroups (v1/hybrid hosts, as runc does), and
// --systemd-cgroup on a host without systemd (the driver itself is tested in the VM_SYSTEMD=1 guest, test/vm/systemd.test.ts).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chownSync, chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { Harness, requireRoot } from "../helpers/harness.js";
import { baseConfig } from "../helpers/rootfs.js";

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

test("tmpcopyup: the tmpfs starts with the image's files (content, modes, owners, links), writes stay in it", () => {
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]),
      { destination: "/data", type: "tmpfs", source: "tmpfs", options: ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"] }],
    process: { args: ["/bin/sh", "-c", [
      "cat /data/a /data/sub/b", "readlink /data/l", "stat -c '%a %u:%g' /data/a /data/sub /data", "ls /data/empty && echo empty-dir",
      "echo new > /data/new && cat /data/new", "grep -c ' /data .* tmpfs ' /proc/self/mountinfo",
    ].join("; ")] },
  }, { busybox: true });
  const data = join(b, "rootfs", "data");
  mkdirSync(join(data, "sub"), { recursive: true });
  mkdirSync(join(data, "empty"));
  writeFileSync(join(data, "a"), "file a\n");
  writeFileSync(join(data, "sub", "b"), "file b\n");
  symlinkSync("a", join(data, "l"));
  chmodSync(join(data, "a"), 0o604);
  chownSync(join(data, "a"), 1000, 1001);
  chmodSync(join(data, "sub"), 0o710);
  chmodSync(data, 0o750);
  const r = h.run(["run", "--bundle", b, h.id("copyup")]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), ["file a", "file b", "a", "604 1000:1001", "710 0:0", "750 0:0", "empty-dir", "new", "1"]);
  assert.ok(!existsSync(join(data, "new")), "the write went to the tmpfs, not the image");
});

test("tmpcopyup is refused on anything but tmpfs, with one line naming the mount", () => {
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]), { destination: "/m", type: "proc", source: "proc", options: ["tmpcopyup"] }],
  });
  const r = h.run(["create", "--bundle", b, h.id("badcopyup")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^[^\n]*mounts\[\d+\]\.options: tmpcopyup needs a tmpfs mount, not "proc"$/);
});

test("the cgroup mount shows the container's own cgroups and limits, read-only", () => {
  const pureV2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
  const b = h.bundle({
    linux: { ...(baseConfig().linux as object), resources: { pids: { limit: 42 } } },
    process: { args: ["/bin/sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; ls /sys/fs/cgroup | grep -c '^tsrun$'; touch /sys/fs/cgroup/x 2>/dev/null || echo read-only"] },
  }, { busybox: true });
  const r = h.run(["run", "--bundle", b, h.id("cgmount")]);
  assert.equal(r.status, 0, r.stderr);
  const [max, others, ro] = r.stdout.trim().split("\n");
  assert.equal(max, "42", `pids.max inside (${pureV2 ? "cgroup v2" : "v1/hybrid"} host): ${r.stdout}`);
  if (!pureV2) assert.equal(others, "0", "the host's tsrun/ parent cgroup is not visible");
  assert.equal(ro, "read-only");
  if (!pureV2) assert.ok(readdirSync("/sys/fs/cgroup/pids").length > 0);
});

test("--systemd-cgroup without a system bus: one line naming the socket and the errno, nothing made (no silent cgroupfs)", () => {
  const slice = `tsrunit${process.pid}.slice`;
  const noBus = join(h.tmp, "no-system-bus");
  for (const [flags, cgroupsPath] of [[["--systemd-cgroup"], `${slice}:s7b:x`], [[], `${slice}:s7b:x`]] as const) {
    const id = h.id("sd");
    const b = h.bundle({ linux: { ...(baseConfig().linux as object), cgroupsPath } });
    const r = h.run([...flags, "run", "--bundle", b, id], { env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${noBus}` } });
    assert.equal(r.status, 1, `${flags.join(" ") || "slice:prefix:name alone picks the systemd driver"}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^[^\\n]*--systemd-cgroup: cannot connect to the system bus \\(${noBus}: ENOENT\\)\\n$`));
    h.assertGone(id);
    const pure = existsSync("/sys/fs/cgroup/cgroup.controllers");
    assert.ok(!existsSync(join("/sys/fs/cgroup", pure ? "" : "pids", slice)), "no cgroup made for the slice either");
  }
  // a socket nobody listens on: the D-Bus helper (this executable again) cannot connect, and says so in one line
  const dead = join(h.tmp, "dead-bus");
  const py = spawnSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", dead]);
  assert.equal(py.status, 0, String(py.stderr));
  const deadId = h.id("sddead");
  const r = h.run(["--systemd-cgroup", "run", "--bundle", h.bundle({}), deadId], { env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${dead}` } });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `--systemd-cgroup: cannot connect to the system bus (${dead}: ECONNREFUSED)\n`);
  h.assertGone(deadId, `/system.slice/tsrun-${deadId}.scope`);
  const badId = h.id("sdbad");
  const bad = h.run(["--systemd-cgroup", "create", "--bundle", h.bundle({ linux: { ...(baseConfig().linux as object), cgroupsPath: "/not/systemd" } }), badId]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr.trim(), /^[^\n]*"\/not\/systemd" is not a systemd "slice:prefix:name" path[^\n]*$/);
  h.assertGone(badId);
  h.assertGone(badId, "/not/systemd");
});
