// Process attributes the container can see in /proc: personality, scheduler, CPU affinity, umask.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, requireRoot } from "../helpers/harness.js";

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

test("personality, scheduler, ioPriority, execCPUAffinity and umask reach the process", () => {
  const b = h.bundle({
    linux: { personality: { domain: "LINUX32" } },
    process: {
      args: ["/bin/sh", "-c", "cat /proc/self/personality; grep -E '^policy' /proc/self/sched; grep -E '^(Cpus_allowed_list|Umask)' /proc/self/status"],
      scheduler: { policy: "SCHED_BATCH", nice: 5 },
      ioPriority: { class: "IOPRIO_CLASS_BE", priority: 6 },
      execCPUAffinity: { final: "0" },
      user: { uid: 0, gid: 0, umask: 0o077 },
    },
  }, { busybox: true });
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.split("\n").map((l) => l.replace(/\s+/g, " ").trim());
  assert.equal(out[0], "00000008", "PER_LINUX32");
  assert.equal(out[1], "policy : 3", "SCHED_BATCH");
  assert.ok(out.includes("Umask: 0077"), r.stdout);
  assert.ok(out.includes("Cpus_allowed_list: 0"), r.stdout);
});

test("a bad CPU list or personality flags are one-line errors", () => {
  const r = h.run(["create", "--bundle", h.bundle({ process: { execCPUAffinity: { final: "3-1" } } }), h.id()]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^config\.json: process\.execCPUAffinity: invalid CPU list "3-1"$/m);
});

test("a time namespace with linux.timeOffsets shifts the boot clock the container sees", () => {
  const b = h.bundle({
    linux: {
      namespaces: [{ type: "pid" }, { type: "mount" }, { type: "ipc" }, { type: "uts" }, { type: "network" }, { type: "time" }],
      timeOffsets: { boottime: { secs: 10000000, nanosecs: 0 } },
    },
    process: { args: ["/bin/sh", "-c", "cat /proc/uptime; echo pid=$$"] },
  }, { busybox: true });
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  const [uptime, pid] = r.stdout.trim().split("\n");
  assert.ok(Number(uptime.split(" ")[0]) > 10000000, `uptime ${uptime}`);
  assert.equal(pid, "pid=1", "init is still pid 1 of its pid namespace");
});
