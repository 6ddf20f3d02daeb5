// --systemd-cgroup: podman's and containerd's "slice:prefix:name" cgroupsPath, made where systemd puts the unit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { systemdCgroupPath, expandSlice } from "../../src/cgroup/systemd-path.js";
import { TsrunError } from "../../src/errors.js";

test("slice:prefix:name becomes the unit's path under its expanded slice", () => {
  assert.equal(systemdCgroupPath("machine.slice:libpod:abc", "x"), "/machine.slice/libpod-abc.scope");
  assert.equal(systemdCgroupPath("user-1000.slice:crio:abc", "x"), "/user.slice/user-1000.slice/crio-abc.scope");
  assert.equal(systemdCgroupPath(":tsrun:abc", "x"), "/system.slice/tsrun-abc.scope");
  assert.equal(systemdCgroupPath("system.slice::abc", "x"), "/system.slice/abc.scope");
  assert.equal(systemdCgroupPath(undefined, "c1"), "/system.slice/tsrun-c1.scope");
  assert.equal(systemdCgroupPath("machine.slice:x:pod-a.slice", "x"), "/pod.slice/pod-a.slice");
  assert.equal(expandSlice("-.slice", "-.slice"), "");
  assert.equal(expandSlice("a-b-c.slice", "a-b-c.slice"), "/a.slice/a-b.slice/a-b-c.slice");
});

test("anything else is one clear error naming the path", () => {
  for (const p of ["/libpod_parent/libpod-abc", "machine:libpod:abc", "a--b.slice:p:n", "-a.slice:p:n", "m.slice:p:a/b", "a:b:c:d"]) {
    assert.throws(() => systemdCgroupPath(p, "x"), (e: unknown) => e instanceof TsrunError && e.message.includes(`"${p}"`) && !e.message.includes("\n"), p);
  }
});
