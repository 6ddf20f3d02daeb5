// Idmapped mounts: a single file as the source, and spec order with the other mounts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { baseConfig, mappedUserns } from "../helpers/rootfs.js";

let h: Harness;
// the mapped root (host 100000) must be able to reach the rootfs
before(() => { requireRoot(); h = new Harness(); chmodSync(h.tmp, 0o755); });
after(() => h.cleanup());

const userns = mappedUserns();

test("an idmapped bind of a single file shows host root's file as root's inside; a plain bind shows the overflow id", () => {
  const file = join(h.tmp, "host-file");
  writeFileSync(file, "host content\n");              // owned by host root (0:0)
  const b = h.bundle({
    linux: userns,
    mounts: [...(baseConfig().mounts as object[]),
      { destination: "/etc/idm-file", type: "bind", source: file, options: ["bind", "idmap"] },
      { destination: "/etc/plain-file", type: "bind", source: file, options: ["bind"] }],
    process: { args: ["/bin/sh", "-c", "stat -c %u:%g /etc/idm-file; stat -c %u:%g /etc/plain-file; cat /etc/idm-file; test -f /etc/idm-file && echo file"] },
  }, { busybox: true });
  // host root's rootfs: the mapped root cannot make mount points in it
  mkdirSync(join(b, "rootfs", "etc"), { recursive: true });
  writeFileSync(join(b, "rootfs", "etc", "idm-file"), "");
  writeFileSync(join(b, "rootfs", "etc", "plain-file"), "");
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(r.stdout.trim().split("\n"), ["0:0", "65534:65534", "host content", "file"]);
});

test("idmapped mounts keep their place in spec order: a later mount under one is on top of it", () => {
  const data = join(h.tmp, "idm-order");
  mkdirSync(data);                                    // host root's; the idmap makes it container root's
  const b = h.bundle({
    linux: userns,
    mounts: [...(baseConfig().mounts as object[]),
      { destination: "/idm", type: "bind", source: data, options: ["rbind", "idmap"] },
      { destination: "/idm/sub", type: "tmpfs", source: "tmpfs", options: ["size=1m"] }],
    process: { args: ["/bin/sh", "-c", "grep -c ' /idm/sub .* tmpfs ' /proc/self/mountinfo; stat -c %u /idm"] },
  }, { busybox: true });
  mkdirSync(join(b, "rootfs", "idm"));
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(r.stdout.trim().split("\n"), ["1", "0"], "the tmpfs is visible over the idmapped mount");
  // container root made the mount point through the idmapped mount: host root owns it
  assert.equal(statSync(join(data, "sub")).uid, 0);
});
