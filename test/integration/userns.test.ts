// User namespaces: container root mapped to host 100000 (range 65536).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { baseConfig, mappedUserns } from "../helpers/rootfs.js";

let h: Harness;
// the mapped root (host 100000) must be able to reach the rootfs
before(() => { requireRoot(); h = new Harness(); chmodSync(h.tmp, 0o755); });
after(() => h.cleanup());

const userns = mappedUserns();

test("uid/gid maps: id shows 0 inside, files made on a bind mount belong to 100000 on the host", () => {
  const data = join(h.tmp, "data");
  mkdirSync(data);
  chownSync(data, 100000, 100000);
  const b = h.bundle({
    linux: userns,
    mounts: [...(baseConfig().mounts as object[]), { destination: "/data", type: "bind", source: data, options: ["rbind", "rw"] }],
    process: { args: ["/bin/sh", "-c", "id -u; id -g; touch /data/made-inside"] },
  }, { busybox: true });
  mkdirSync(join(b, "rootfs", "data"));   // host root's rootfs: the mapped root cannot make it
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), ["0", "0"]);
  const st = statSync(join(data, "made-inside"));
  assert.equal(st.uid, 100000);
  assert.equal(st.gid, 100000);
});

test("a process in the user namespace sees host root's files as the overflow id, not as root", () => {
  const b = h.bundle({ linux: userns, process: { args: ["/bin/sh", "-c", "stat -c %u /bin/busybox"] } }, { busybox: true });
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.stdout.trim(), "65534");
});

test("an idmapped bind mount shows host-owned files as root's inside the user namespace, and root's new files stay host-owned", () => {
  const data = join(h.tmp, "idm");
  mkdirSync(data);                                      // owned by host root (0:0)
  const b = h.bundle({
    linux: userns,
    mounts: [...(baseConfig().mounts as object[]),
      { destination: "/idm", type: "bind", source: data, options: ["rbind", "idmap"] },   // the container's maps
      { destination: "/plain", type: "bind", source: data, options: ["rbind"] }],
    process: { args: ["/bin/sh", "-c", "stat -c %u:%g /idm; stat -c %u:%g /plain; touch /idm/by-root"] },
  }, { busybox: true });
  mkdirSync(join(b, "rootfs", "idm"));
  mkdirSync(join(b, "rootfs", "plain"));
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), ["0:0", "65534:65534"], "idmapped: root; plain bind: the overflow id");
  const st = statSync(join(data, "by-root"));
  assert.equal(st.uid, 0, "container root writes host root's id through the idmap");
});

test("a bind source under a directory the mapped root cannot search is mounted (from the host, as runc opens it first), with its options", () => {
  const secret = join(h.tmp, "secret-parent");
  const inner = join(secret, "inner");
  mkdirSync(inner, { recursive: true });
  writeFileSync(join(inner, "f"), "hidden\n");
  chmodSync(secret, 0o700);                         // host root's, mode 0700: uid 100000 cannot search it
  const b = h.bundle({
    linux: userns,
    mounts: [...(baseConfig().mounts as object[]), { destination: "/data", type: "bind", source: inner, options: ["rbind", "ro"] }],
    process: { args: ["/bin/sh", "-c", "cat /data/f; touch /data/x 2>/dev/null && echo writable || echo read-only"] },
  }, { busybox: true });
  mkdirSync(join(b, "rootfs", "data"));
  const id = h.id();
  const r = h.run(["run", "--bundle", b, id]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "hidden\nread-only\n");
  h.assertGone(id);
});
