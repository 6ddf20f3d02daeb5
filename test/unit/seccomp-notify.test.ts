// SCMP_ACT_NOTIFY plumbing without root: where the plan loads a listener filter, the
// MSG_SECCOMP_FD sync message, and the state JSON the listener receives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSpec } from "../../src/spec/load.js";
import { compileInit } from "../../src/plan/compile.js";
import { compileExec } from "../../src/plan/exec.js";
import { OpFlag } from "../../src/plan/ops.js";
import { MSG_SIZE, decodeMsg, encodeMsg } from "../../src/sys/sync.js";
import { listenerState } from "../../src/seccomp/notify.js";
import { repoRoot } from "../helpers/rootfs.js";
import { SPEC_VERSION_MAX } from "../../src/version.js";

const host = { sourceKind: () => "dir" as const };
const spec = (nnp: boolean) => {
  const s = parseSpec(readFileSync(join(repoRoot, "spec-fixtures", "clients", "containerd-config.json"), "utf8"));
  s.process!.noNewPrivileges = nnp;
  return s;
};
const filter = Buffer.alloc(8);

function seccompPlace(nnp: boolean, notify: boolean): { at: number; deferred: boolean; ops: string[] } {
  const plan = compileInit(spec(nnp), { rootfs: "/r", bundle: "/b", noPivot: false, host, seccomp: { filter, flags: notify ? 8 : 0, notify } });
  const at = plan.ops.findIndex((o) => o.describe === "load seccomp filter");
  return { at, deferred: (plan.ops[at].flags & OpFlag.DEFER) !== 0, ops: plan.ops.map((o) => o.describe) };
}

test("a plain filter with noNewPrivileges is deferred to exec; without it, loaded before the caps are dropped", () => {
  const late = seccompPlace(true, false);
  assert.ok(late.deferred);
  assert.ok(late.at > late.ops.indexOf("wait for start"));
  const early = seccompPlace(false, false);
  assert.ok(!early.deferred);
  assert.ok(early.at < early.ops.indexOf("drop bounding capabilities"));
});

test("with startContainer hooks, a noNewPrivileges filter is loaded after start, before the hooks (runc runs them under it)", () => {
  for (const nnp of [true, false]) {
    const s = spec(nnp);
    s.hooks = { startContainer: [{ path: "/bin/hook" }] };
    const plan = compileInit(s, { rootfs: "/r", bundle: "/b", noPivot: false, host, seccomp: { filter, flags: 0, notify: false } });
    const ops = plan.ops.map((o) => o.describe);
    const at = ops.indexOf("load seccomp filter");
    assert.equal(plan.ops[at].flags & OpFlag.DEFER, 0, `nnp ${nnp}: loaded at its place, not at exec`);
    assert.ok(at < ops.indexOf("startContainer hook #0 \"/bin/hook\""), `nnp ${nnp}: before the hook`);
    if (nnp) assert.equal(ops[at - 1], "wait for start", "with NNP: as late as it can be");
  }
});

test("exec's plan loads a listener filter before READY too, so the fd can go to the agent", () => {
  const plan = compileExec(spec(true), { initPid: 1, seccomp: { filter, flags: 8, notify: true } });
  const ops = plan.ops.map((o) => o.describe);
  const at = ops.indexOf("load seccomp filter");
  assert.equal(plan.ops[at].flags & OpFlag.DEFER, 0);
  assert.equal(ops[at + 1], "report ready");
});

test("a listener (notify) filter is always loaded before READY, so the parent is still there to take the fd", () => {
  for (const nnp of [true, false]) {
    const p = seccompPlace(nnp, true);
    assert.ok(!p.deferred, `nnp ${nnp}`);
    assert.ok(p.at < p.ops.indexOf("report ready"), `nnp ${nnp}`);
    if (nnp) assert.equal(p.ops[p.at + 1], "report ready", "with NNP: as late as it can be");
  }
});

test("MSG_SECCOMP_FD is message 20 and round-trips", () => {
  const buf = encodeMsg({ type: "seccomp-fd", fd: -1 });
  assert.equal(buf.length, MSG_SIZE);
  assert.equal(buf.readUInt32LE(0), 20);
  assert.deepEqual(decodeMsg(buf, MSG_SIZE), { type: "seccomp-fd", fd: -1 });
});

test("the listener gets runc's seccomp state: ociVersion, fds, pid, metadata, state", () => {
  const state = { ociVersion: "1.0.2", id: "c1", pid: 42, status: "creating", bundle: "/b" };
  assert.equal(listenerState(42, "meta", state),
    `{"ociVersion":"${SPEC_VERSION_MAX}","fds":["seccompFd"],"pid":42,"metadata":"meta","state":{"ociVersion":"1.0.2","id":"c1","pid":42,"status":"creating","bundle":"/b"}}`);
  assert.ok(!("metadata" in JSON.parse(listenerState(42, undefined, state))), "no metadata key when there is none");
});
