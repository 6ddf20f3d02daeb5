// The pure logic behind update, ps and events: flags -> resources, the -r JSON, the merge
// with stored limits, ps output shapes, --interval parsing. No root needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { planUpdate, ramInBytes, resourcesFromFlags, resourcesFromJson } from "../../src/cgroup/update-args.js";
import { filterPsTable, psJson } from "../../src/cgroup/ps-filter.js";
import { oomEvent, parseInterval } from "../../src/cgroup/events.js";
import { TsrunError } from "../../src/errors.js";

test("update flags map to runc's resources, memory values with units", () => {
  const { res, warnings } = resourcesFromFlags({
    memory: "32m", memorySwap: "-1", memoryReservation: "1g", cpuShare: "512", cpuQuota: "-1", cpuPeriod: "100000",
    cpuRtPeriod: "1000000", cpuRtRuntime: "950000", cpusetCpus: "0-1", cpusetMems: "0", pidsLimit: "64",
    blkioWeight: "300", cpuBurst: "5000", cpuIdle: "1", kernelMemory: "10m",
  });
  assert.deepEqual(res, {
    blockIO: { weight: 300 },
    cpu: {
      cpus: "0-1", mems: "0", idle: 1, shares: 512, burst: 5000, period: 100000,
      realtimePeriod: 1000000, quota: -1, realtimeRuntime: 950000,
    },
    memory: { limit: 32 << 20, swap: -1, reservation: 1 << 30 },
    pids: { limit: 64 },
  });
  assert.deepEqual(warnings, ["Setting --kernel-memory is ignored and will be removed"]);
  assert.deepEqual(resourcesFromFlags({ cpuShares: "2" }).res, { cpu: { shares: 2 } }, "--cpu-shares is an alias");
  assert.deepEqual(resourcesFromFlags({ pidsLimit: "0", blkioWeight: "0" }).res, {}, "0 leaves pids and blkio alone, as runc");
  assert.deepEqual(resourcesFromFlags({}).res, {});
});

test("memory sizes parse like docker's RAMInBytes; bad values are one-line errors naming the flag", () => {
  assert.equal(ramInBytes("memory", "1024"), 1024);
  assert.equal(ramInBytes("memory", "64k"), 65536);
  assert.equal(ramInBytes("memory", "32MiB"), 32 << 20);
  assert.equal(ramInBytes("memory", "32MB"), 32 << 20);
  assert.equal(ramInBytes("memory", "1.5g"), 1.5 * 2 ** 30);
  assert.equal(ramInBytes("memory", "-1"), -1);
  for (const bad of ["", "lots", "-5", "1x", "m"]) {
    assert.throws(() => ramInBytes("memory", bad), (e: unknown) => e instanceof TsrunError && /--memory/.test(e.message), bad);
  }
  assert.throws(() => resourcesFromFlags({ pidsLimit: "ten" }), /--pids-limit/);
  assert.throws(() => resourcesFromFlags({ cpuPeriod: "-1" }), /--cpu-period/);
  assert.throws(() => resourcesFromFlags({ l3CacheSchema: "L3:0=f" }), /Intel RDT/);
});

test("-r JSON: a resources object; devices ignored, nulls dropped, bad shapes refused", () => {
  assert.deepEqual(resourcesFromJson('{"memory":{"limit":1048576},"devices":[{"allow":true}],"cpu":null}', "f"), { memory: { limit: 1048576 } });
  // bad input: one line, `update -r <file>: <path>: <message>`, the config's schema and wording
  const bad: Array<[string, string]> = [
    ["{oops", "update -r -: invalid JSON: "],
    ["[1]", "update -r f: expected an object"],
    ['{"memory":5}', "update -r f: memory: expected an object, got 5"],
    ['{"memory":{"limit":1.5}}', "update -r f: memory.limit: expected an integer, got 1.5"],
    ['{"memory":{"limit":"1g"}}', 'update -r f: memory.limit: expected an integer, got "1g"'],
    ['{"cpu":{"shares":-2}}', "update -r f: cpu.shares: expected a non-negative integer, got -2"],
    ['{"cpu":{"cpus":5}}', "update -r f: cpu.cpus: expected a string, got 5"],
    ['{"blockIO":{"weight":70000}}', "update -r f: blockIO.weight: expected a non-negative integer at most 65535, got 70000"],
    ['{"pids":{}}', "update -r f: pids.limit: is required"],
    ['{"hugepageLimits":[{"pageSize":"2XB","limit":1}]}', 'update -r f: hugepageLimits[0].pageSize: invalid hugepage size "2XB"'],
    ['{"unified":{"memory.high":5}}', 'update -r f: unified["memory.high"]: expected a string, got 5'],
  ];
  for (const [text, msg] of bad) {
    assert.throws(() => resourcesFromJson(text, text === "{oops" ? "-" : "f"), (e: Error) => {
      assert.ok(e.message.startsWith(msg), `${text}: ${e.message}`);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
  // flags go through the same schema: update: <resource path>: <message>
  assert.throws(() => resourcesFromFlags({ blkioWeight: "70000" }), { message: "update: blockIO.weight: expected a non-negative integer at most 65535, got 70000" });
  // null members are absent, as in runc (Go's decoder), at any depth
  assert.deepEqual(resourcesFromJson('{"memory":{"limit":1048576,"swap":null},"pids":null}', "f"), { memory: { limit: 1048576 } });
});

test("planUpdate completes memory/swap and quota/period pairs from the stored limits and merges", () => {
  const stored = { memory: { limit: 64 << 20, swap: 128 << 20 }, cpu: { quota: 10000, period: 100000, shares: 100 }, pids: { limit: 5 } };
  const { apply, merged } = planUpdate(stored, { memory: { limit: 96 << 20 }, cpu: { quota: 20000 } });
  assert.deepEqual(apply, { memory: { limit: 96 << 20, swap: 128 << 20 }, cpu: { quota: 20000, period: 100000 } });
  assert.deepEqual(merged, { memory: { limit: 96 << 20, swap: 128 << 20 }, cpu: { quota: 20000, period: 100000, shares: 100 }, pids: { limit: 5 } });
  assert.deepEqual(stored.memory.limit, 64 << 20, "the stored object is not modified");
  // memory -1 without swap: both unlimited (runc)
  assert.deepEqual(planUpdate(stored, { memory: { limit: -1 } }).apply, { memory: { limit: -1, swap: -1 } });
  // nothing stored: the update as given
  assert.deepEqual(planUpdate(undefined, { pids: { limit: 9 } }), { apply: { pids: { limit: 9 } }, merged: { pids: { limit: 9 } } });
});

test("ps: json is [pid,…] plus newline; the table keeps the header and the container's lines", () => {
  assert.equal(psJson([12, 345]), "[12,345]\n");
  assert.equal(psJson([]), "[]\n");
  const ps = [
    "UID          PID    PPID  C STIME TTY          TIME CMD",
    "root           1       0  0 10:00 ?        00:00:01 /sbin/init",
    "root         345       1  0 10:01 ?        00:00:00 sleep 12",
    "root          12       1  0 10:01 ?        00:00:00 sh -c x",
    "",
  ].join("\n");
  assert.equal(filterPsTable(ps, [12, 345]), [0, 2, 3].map((i) => ps.split("\n")[i]).join("\n") + "\n");
  assert.equal(filterPsTable("  PID COMMAND\n    7 a\n    8 b\n", [8]), "  PID COMMAND\n    8 b\n");
  assert.throws(() => filterPsTable("USER COMMAND\nroot x\n", [1]), /couldn't find PID field/);
});

test("events: --interval takes Go durations; the oom line is runc's", () => {
  assert.equal(parseInterval("5s"), 5000);
  assert.equal(parseInterval("250ms"), 250);
  assert.equal(parseInterval("1m30s"), 90_000);
  assert.equal(parseInterval("1.5s"), 1500);
  for (const bad of ["", "5", "0s", "-1s", "5 s", "fast"]) assert.throws(() => parseInterval(bad), /--interval/, bad);
  assert.equal(oomEvent("c1"), '{"type":"oom","id":"c1"}\n');
});
