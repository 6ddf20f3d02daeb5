// exec --cgroup as runc 1.1.5 reads it, on a hybrid host's paths (no root: the existence check is a stand-in).
import { test } from "node:test";
import assert from "node:assert/strict";
import { subCgroups } from "../../src/lifecycle/exec-process.js";

const C = "/sys/fs/cgroup";
const paths = {
  v2: `${C}/unified/c1`,
  v1: { cpu: `${C}/cpu,cpuacct/c1`, cpuacct: `${C}/cpu,cpuacct/c1`, memory: `${C}/memory/user/c1`, pids: `${C}/pids/c1`, "name=systemd": `${C}/systemd/c1` },
};
const all = () => true;

test("a bare path is a sub-cgroup of every hierarchy, cgroup2 included", () => {
  const r = subCgroups(paths, ["sub/x"], all)!;
  assert.equal(r.v2, `${C}/unified/c1/sub/x`);
  assert.equal(r.v1.memory, `${C}/memory/user/c1/sub/x`);
  assert.equal(r.v1["name=systemd"], `${C}/systemd/c1/sub/x`);
  assert.deepEqual(subCgroups(paths, ["/"], all), { v2: paths.v2, v1: paths.v1 }, "/ is the container's own cgroup");
});

test("controller:path moves only that controller, in its own hierarchy (co-mounted ones with it)", () => {
  const r = subCgroups(paths, ["memory:submem", "cpu:subcpu/sub"], all)!;
  assert.equal(r.v1.memory, `${C}/memory/user/c1/submem`, "memory's hierarchy nests under the caller's cgroup");
  assert.equal(r.v1.cpu, `${C}/cpu,cpuacct/c1/subcpu/sub`);
  assert.equal(r.v1.cpuacct, `${C}/cpu,cpuacct/c1/subcpu/sub`, "cpuacct shares cpu's hierarchy");
  assert.equal(r.v1.pids, paths.v1.pids, "the others stay");
  assert.equal(r.v2, paths.v2);
  assert.equal(subCgroups(paths, ["pids,memory:s"], all)!.v1.pids, `${C}/pids/c1/s`, "a comma list names several");
});

test("leaving the container's cgroup is refused in runc's words", () => {
  for (const v of ["..", "memory:..", "a/../..", "pids:../c1x"]) {
    const add = v.includes(":") ? v.split(":")[1] : v;
    assert.throws(() => subCgroups(paths, [v], all), new RegExp(`^TsrunError: exec: --cgroup: ${add.replace(/\./g, "\\.")} is not a sub cgroup path$`), v);
  }
  assert.equal(subCgroups(paths, ["a/../b"], all)!.v2, `${C}/unified/c1/b`, "a path that stays inside is fine");
});

test("a controller the container has no hierarchy for is an unknown controller", () => {
  for (const ctl of ["whaaat", "unified", "hugetlb"]) {
    assert.throws(() => subCgroups(paths, [`${ctl}:/`], all), new RegExp(`unknown controller ${ctl}$`));
  }
});

test("argument shapes runc refuses", () => {
  assert.throws(() => subCgroups(paths, ["a:b:c"], all), /^TsrunError: exec: invalid --cgroup argument: a:b:c$/);
  assert.throws(() => subCgroups(paths, ["x", "y"], all), /invalid --cgroup argument: x \(missing <controller>: prefix\)/);
  assert.equal(subCgroups(paths, [], all), undefined);
});

test("a sub-cgroup that does not exist names its cgroup.procs with the errno's words and name", () => {
  const exists = (d: string) => !d.endsWith("/nonexistent");
  assert.throws(() => subCgroups(paths, ["cpu:nonexistent"], exists),
    /^TsrunError: exec: --cgroup: adding pid to cgroups: open \/sys\/fs\/cgroup\/cpu,cpuacct\/c1\/nonexistent\/cgroup\.procs: no such file or directory \(ENOENT\)$/);
  const onlyMemory = (d: string) => !d.endsWith("/submem") || d.includes("/memory/");
  assert.equal(subCgroups(paths, ["memory:submem"], onlyMemory)!.v1.memory, `${C}/memory/user/c1/submem`, "made in memory alone, joined in memory alone");
  assert.throws(() => subCgroups(paths, ["submem"], onlyMemory), /unified\/c1\/submem\/cgroup\.procs: no such file/, "a bare path must exist everywhere");
});
