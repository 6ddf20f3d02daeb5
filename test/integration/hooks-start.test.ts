// startContainer hooks run inside the container: a failure or a timeout fails `start` and `run`,
// the user's process never runs, and the container ends stopped with nothing left after delete.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot, processesWith } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";
import { baseConfig } from "../helpers/rootfs.js";

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

/** a bundle whose process leaves /log/ran behind if it ever runs */
function bundle(hook: object, extra: object = {}): { b: string; ran: string; log: string } {
  const log = join(h.tmp, `log-${Math.random().toString(36).slice(2)}`);
  mkdirSync(log);
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]), { destination: "/log", type: "bind", source: log, options: ["rbind", "rw"] }],
    process: { args: ["/bin/sh", "-c", "touch /log/ran; sleep 1000"] },
    hooks: { startContainer: [{ path: "/bin/true" }, hook] },
    ...extra,
  }, { busybox: true });
  return { b, ran: join(log, "ran"), log };
}

test("a failing startContainer hook fails start in one line; the process never runs; delete leaves nothing", () => {
  const { b, ran } = bundle({ path: "/bin/sh", args: ["sh", "-c", "exit 3"] });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  const r = h.run(["start", id]);
  assert.ok(oneLineError(r), `status ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, /^error running hook #1 \(startContainer\) `\/bin\/sh`: exit status 3$/m);
  assert.equal(h.state(id).status, "stopped");
  assert.ok(!existsSync(ran), "the user's process ran");
  h.ok(["delete", id]);
  h.assertGone(id);
});

test("run with a failing startContainer hook exits 1 with the hook's line and leaves nothing", () => {
  const { b, ran } = bundle({ path: "/bin/sh", args: ["sh", "-c", "kill -9 $$"] });
  const id = h.id();
  const r = h.run(["run", "--bundle", b, id]);
  assert.ok(oneLineError(r), `status ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, /^error running hook #1 \(startContainer\) `\/bin\/sh`: killed by signal 9 \(killed\)$/m);
  assert.ok(!existsSync(ran), "the user's process ran");
  h.assertGone(id);
});

test("a startContainer hook past its timeout is killed inside the container and start fails", () => {
  const { b, ran } = bundle({ path: "/bin/sh", args: ["sh", "-c", "sleep 100; : start-hook-timeout-marker"], timeout: 1 });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  const t0 = Date.now();
  const r = h.run(["start", id]);
  assert.ok(oneLineError(r), `status ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, /^error running hook #1 \(startContainer\) `\/bin\/sh`: timed out after 1s$/m);
  assert.ok(Date.now() - t0 < 30_000, "start came back long before the hook would have ended");
  assert.equal(h.state(id).status, "stopped");
  assert.ok(!existsSync(ran), "the user's process ran");
  assert.deepEqual(processesWith("start-hook-timeout-marker"), [], "the hook was killed");
  h.ok(["delete", id]);
  h.assertGone(id);
});

test("startContainer hooks that pass: start succeeds and the process runs", () => {
  const { b, ran } = bundle({ path: "/bin/sh", args: ["sh", "-c", "exit 0"], timeout: 30 });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  h.ok(["start", id]);
  for (let i = 0; i < 400 && !existsSync(ran); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  assert.ok(existsSync(ran), "the process ran");
  assert.equal(h.state(id).status, "running");
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});

for (const nnp of [true, false]) {
  test(`startContainer hooks run under the seccomp filter, as runc's do (noNewPrivileges ${nnp})`, () => {
    const seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }] };
    const { b, ran, log } = bundle({ path: "/bin/sh", args: ["sh", "-c", "mkdir /log/by-hook"] }, {
      linux: { ...(baseConfig().linux as object), seccomp },
    });
    const p = JSON.parse(readFileSync(join(b, "config.json"), "utf8"));
    p.process.noNewPrivileges = nnp;
    writeFileSync(join(b, "config.json"), JSON.stringify(p));
    const id = h.id();
    h.ok(["create", "--bundle", b, id]);
    const r = h.run(["start", id]);
    assert.ok(oneLineError(r), `status ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, /^error running hook #1 \(startContainer\) `\/bin\/sh`: exit status 1$/m);
    assert.ok(!existsSync(join(log, "by-hook")), "the hook's mkdir was refused by the filter");
    assert.ok(!existsSync(ran), "the user's process ran");
    h.ok(["delete", id]);
    h.assertGone(id);
  });
}

test("a startContainer hook killed by the filter fails start in runc's words: error running hook … (bad system call)", () => {
  const seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL" }] };
  const { b, ran } = bundle({ path: "/bin/sh", args: ["sh", "-c", "mkdir /log/by-hook"] }, {
    linux: { ...(baseConfig().linux as object), seccomp },
  });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  const r = h.run(["start", id]);
  assert.ok(oneLineError(r), `status ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, /^error running hook #1 \(startContainer\) `\/bin\/sh`: killed by signal 31 \(bad system call\)$/m);
  assert.ok(!existsSync(ran), "the user's process ran");
  h.ok(["delete", id]);
  h.assertGone(id);
});

for (const kind of ["createRuntime", "createContainer"]) {
  test(`a failing ${kind} hook fails create in one line and leaves no state, cgroup or process`, () => {
    const b = h.bundle({
      process: { args: ["/bin/sh", "-c", `sleep 1000; : ${kind}-fail-marker`] },
      hooks: { [kind]: [{ path: "/bin/sh", args: ["sh", "-c", "echo went wrong >&2; exit 4"] }] },
    }, { busybox: true });
    const id = h.id();
    const r = h.run(["create", "--bundle", b, id]);
    assert.ok(oneLineError(r), r.stderr);
    assert.match(r.stderr, new RegExp(`^error running hook #0 \\(${kind}\\) \`/bin/sh\`: exit status 4: went wrong$`, "m"));
    h.assertGone(id);
    assert.deepEqual(processesWith(`${kind}-fail-marker`), []);
  });
}
