// --systemd-cgroup: podman's and containerd's "slice:prefix:name" cgroupsPath: the unit systemd makes and where its cgroup is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { unitFor, expandSlice, isSystemdPath } from "../../src/cgroup/systemd-path.js";
import { TsrunError } from "../../src/errors.js";

test("slice:prefix:name becomes a scope in its slice, its cgroup under the expanded slice", () => {
  assert.deepEqual(unitFor("machine.slice:libpod:abc", "x"), { slice: "machine.slice", unit: "libpod-abc.scope", cgroup: "/machine.slice/libpod-abc.scope" });
  assert.deepEqual(unitFor("user-1000.slice:crio:abc", "x"), { slice: "user-1000.slice", unit: "crio-abc.scope", cgroup: "/user.slice/user-1000.slice/crio-abc.scope" });
  assert.deepEqual(unitFor("system.slice:tsrun:t1", "x"), { slice: "system.slice", unit: "tsrun-t1.scope", cgroup: "/system.slice/tsrun-t1.scope" });
  assert.equal(unitFor(":tsrun:abc", "x").cgroup, "/system.slice/tsrun-abc.scope");
  assert.equal(unitFor("system.slice::abc", "x").unit, "abc.scope");
  assert.deepEqual(unitFor(undefined, "c1"), { slice: "system.slice", unit: "tsrun-c1.scope", cgroup: "/system.slice/tsrun-c1.scope" });
  assert.equal(unitFor("-.slice:p:n", "x").cgroup, "/p-n.scope");
  assert.equal(expandSlice("-.slice", "-.slice"), "");
  assert.equal(expandSlice("a-b-c.slice", "a-b-c.slice"), "/a.slice/a-b.slice/a-b-c.slice");
});

test("only the slice:prefix:name form picks the systemd driver by itself", () => {
  for (const p of ["system.slice:tsrun:t1", ":tsrun:x", "kubepods-besteffort-podab.slice:cri-containerd:f00"]) assert.equal(isSystemdPath(p), true, p);
  for (const p of [undefined, "", "/default/c1", "c1", "a:b", "/a:b:c", "a:b:c:d", "a:b:"]) assert.equal(isSystemdPath(p), false, String(p));
});

test("anything else is one clear error naming the path", () => {
  for (const p of ["/libpod_parent/libpod-abc", "machine:libpod:abc", "a--b.slice:p:n", "-a.slice:p:n", "m.slice:p:a/b", "a:b:c:d", "machine.slice:x:pod-a.slice"]) {
    assert.throws(() => unitFor(p, "x"), (e: unknown) => e instanceof TsrunError && e.message.includes(`"${p}"`) && !e.message.includes("\n"), p);
  }
});
