// The pure resource mappings: OCI linux.resources -> (controller, file, value), v2 and v1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { blkioWeightToIoWeight, checkUnifiedKey, mapV2, sharesToWeight, swapToV2 } from "../../src/cgroup/resources-v2.js";
import { mapV1 } from "../../src/cgroup/resources-v1.js";
import { type CgroupProbe, type CgroupWrite, emptyProbe } from "../../src/cgroup/types.js";

const lines = (ws: CgroupWrite[]) => ws.map((w) => `${w.controller}:${w.file}=${w.value}`);
const probe = (files: Record<string, string>): CgroupProbe => ({
  exists: (_c, f) => f in files,
  read: (_c, f) => files[f],
});

test("v2 cpu: shares -> weight (runc's curve), quota/period -> cpu.max, burst, idle", () => {
  assert.equal(sharesToWeight(0), 0);
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 100, "the v1 default maps to the v2 default");
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(sharesToWeight(100), 17);
  assert.deepEqual(lines(mapV2({ cpu: { shares: 1024, quota: 50000, period: 200000, burst: 1000, idle: 1 } }, emptyProbe)), [
    "cpu:cpu.idle=1",
    "cpu:cpu.weight=100",
    "cpu:cpu.max.burst=1000",
    "cpu:cpu.max=50000 200000",
  ]);
  assert.equal(mapV2({ cpu: { burst: 1, quota: 5 } }, emptyProbe).find((w) => w.file === "cpu.max.burst")?.retryLater, true);
  assert.deepEqual(lines(mapV2({ cpu: { quota: -1 } }, emptyProbe)), ["cpu:cpu.max=max 100000"]);
  assert.deepEqual(lines(mapV2({ cpu: { period: 50000 } }, emptyProbe)), ["cpu:cpu.max=max 50000"]);
  assert.deepEqual(lines(mapV2({ cpu: { cpus: "0-3", mems: "0" } }, emptyProbe)), ["cpuset:cpuset.cpus=0-3", "cpuset:cpuset.mems=0"]);
});

test("v2 cpu: realtime is refused", () => {
  assert.throws(() => mapV2({ cpu: { realtimeRuntime: 1000 } }, emptyProbe),
    /^TsrunError: cgroup: linux\.resources\.cpu\.realtimeRuntime is not supported on cgroup v2$/);
  assert.throws(() => mapV2({ cpu: { realtimePeriod: 1000 } }, emptyProbe), /realtimePeriod is not supported/);
});

test("v2 memory: max/low/swap conversions", () => {
  const swapFile = probe({ "memory.swap.max": "max\n" });
  assert.deepEqual(lines(mapV2({ memory: { limit: 1 << 20, reservation: 1 << 19, swap: 3 << 20 } }, swapFile)), [
    "memory:memory.swap.max=2097152",
    "memory:memory.max=1048576",
    "memory:memory.low=524288",
  ]);
  assert.deepEqual(lines(mapV2({ memory: { limit: -1 } }, swapFile)), ["memory:memory.swap.max=max", "memory:memory.max=max"]);
  assert.deepEqual(lines(mapV2({ memory: { limit: -1 } }, emptyProbe)), ["memory:memory.max=max"], "no swap accounting: max is moot");
  assert.deepEqual(lines(mapV2({ memory: { limit: 4096, swap: 4096 } }, swapFile)), ["memory:memory.swap.max=0", "memory:memory.max=4096"]);
  assert.deepEqual(lines(mapV2({ memory: { limit: 4096, swap: -1 } }, swapFile)), ["memory:memory.swap.max=max", "memory:memory.max=4096"]);
  assert.deepEqual(lines(mapV2({ memory: { kernel: 1, kernelTCP: 2, swappiness: 10 } }, swapFile)), [], "obsolete/absent knobs are ignored");
  assert.equal(swapToV2(0, 0), 0);
  assert.throws(() => mapV2({ memory: { limit: 8192, swap: 4096 } }, swapFile), /memory\.swap \(4096\) must be >= memory\.limit \(8192\)/);
  assert.throws(() => mapV2({ memory: { swap: 4096 } }, swapFile), /cannot set a swap limit without a memory limit/);
  assert.throws(() => mapV2({ memory: { disableOOMKiller: true } }, swapFile), /disableOOMKiller is not supported on cgroup v2/);
  assert.deepEqual(lines(mapV2({ memory: { disableOOMKiller: false } }, swapFile)), []);
  assert.throws(() => mapV2({ memory: { limit: 100, checkBeforeUpdate: true } }, probe({ "memory.current": "4096\n" })),
    /new limit 100 is below the current usage 4096/);
});

test("v2 pids: >0 limit, 0 is 1, <0 max", () => {
  assert.deepEqual(lines(mapV2({ pids: { limit: 42 } }, emptyProbe)), ["pids:pids.max=42"]);
  assert.deepEqual(lines(mapV2({ pids: { limit: 0 } }, emptyProbe)), ["pids:pids.max=1"]);
  assert.deepEqual(lines(mapV2({ pids: { limit: -1 } }, emptyProbe)), ["pids:pids.max=max"]);
  assert.deepEqual(lines(mapV2({ pids: {} }, emptyProbe)), []);
});

test("v2 io: weight to io.weight or io.bfq.weight, throttles to io.max lines", () => {
  assert.equal(blkioWeightToIoWeight(10), 1);
  assert.equal(blkioWeightToIoWeight(500), 4950);
  assert.equal(blkioWeightToIoWeight(1000), 10000);
  const bio = {
    weight: 500,
    weightDevice: [{ major: 8, minor: 0, weight: 300 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
    throttleWriteBpsDevice: [{ major: 8, minor: 16, rate: 2048 }],
    throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
    throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 50 }],
  };
  const throttles = ["io:io.max=8:0 rbps=1048576", "io:io.max=8:16 wbps=2048", "io:io.max=8:0 riops=100", "io:io.max=8:0 wiops=50"];
  assert.deepEqual(lines(mapV2({ blockIO: bio }, emptyProbe)), ["io:io.weight=4950", ...throttles], "no BFQ: per-device weight skipped, as runc");
  assert.deepEqual(lines(mapV2({ blockIO: bio }, probe({ "io.bfq.weight": "default 100\n" }))),
    ["io:io.bfq.weight=500", "io:io.bfq.weight=8:0 300", ...throttles]);
  assert.deepEqual(lines(mapV2({ blockIO: bio }, probe({ "io.bfq.weight": "100\n" }))), ["io:io.bfq.weight=500", ...throttles],
    "old BFQ without per-device weights");
  assert.throws(() => mapV2({ blockIO: { weight: 5 } }, emptyProbe), /blockIO\.weight: 5 is outside 10\.\.1000/);
});

test("v2 hugetlb (+ rsvd where present), rdma, unified", () => {
  assert.deepEqual(lines(mapV2({ hugepageLimits: [{ pageSize: "2MB", limit: 4194304 }] }, emptyProbe)), ["hugetlb:hugetlb.2MB.max=4194304"]);
  assert.deepEqual(lines(mapV2({ hugepageLimits: [{ pageSize: "1GB", limit: 0 }] }, probe({ "hugetlb.1GB.rsvd.max": "max" }))),
    ["hugetlb:hugetlb.1GB.max=0", "hugetlb:hugetlb.1GB.rsvd.max=0"]);
  assert.throws(() => mapV2({ hugepageLimits: [{ pageSize: "2M", limit: 1 }] }, emptyProbe), /hugepageLimits\[0\]\.pageSize: invalid hugepage size "2M"/);
  assert.deepEqual(lines(mapV2({ rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, mlx4_0: { hcaObjects: 2 }, x: {} } }, emptyProbe)),
    ["rdma:rdma.max=mlx5_1 hca_handle=3 hca_object=10000", "rdma:rdma.max=mlx4_0 hca_object=2"]);
  // unified comes last (it wins), sorted, one write per line
  assert.deepEqual(lines(mapV2({ pids: { limit: 5 }, unified: { "pids.max": "7", "io.max": "8:0 rbps=1\n8:16 wbps=2\n", "cgroup.type": "threaded" } }, emptyProbe)), [
    "pids:pids.max=5",
    "cgroup:cgroup.type=threaded",
    "io:io.max=8:0 rbps=1",
    "io:io.max=8:16 wbps=2",
    "pids:pids.max=7",
  ]);
  assert.equal(checkUnifiedKey("memory.high"), "memory");
  assert.equal(checkUnifiedKey("hugetlb.2MB.max"), "hugetlb");
  for (const bad of ["../memory.max", "memory/max", "..", ".", "memory", "Memory.max", ".max", "memory."]) {
    assert.throws(() => checkUnifiedKey(bad), /^TsrunError: cgroup: linux\.resources\.unified: invalid key/, bad);
  }
});

test("v2 network is refused; empty network is fine", () => {
  assert.throws(() => mapV2({ network: { classID: 1 } }, emptyProbe), /linux\.resources\.network is not supported on cgroup v2/);
  assert.throws(() => mapV2({ network: { priorities: [{ name: "eth0", priority: 1 }] } }, emptyProbe), /network is not supported/);
  assert.deepEqual(mapV2({ network: {} }, emptyProbe), []);
});

test("v1 memory: v1 names, -1 kept, swap ordered against the current limit", () => {
  const fresh = probe({ "memory.limit_in_bytes": "9223372036854771712\n", "memory.memsw.limit_in_bytes": "9223372036854771712\n" });
  assert.deepEqual(lines(mapV1({ memory: { limit: 1 << 20, swap: 2 << 20, reservation: 4096 } }, fresh)), [
    "memory:memory.limit_in_bytes=1048576",
    "memory:memory.memsw.limit_in_bytes=2097152",
    "memory:memory.soft_limit_in_bytes=4096",
  ], "lowering from unlimited: memory first");
  const small = probe({ "memory.limit_in_bytes": "1048576\n", "memory.memsw.limit_in_bytes": "1048576\n" });
  assert.deepEqual(lines(mapV1({ memory: { limit: 4 << 20, swap: 8 << 20 } }, small)), [
    "memory:memory.memsw.limit_in_bytes=8388608",
    "memory:memory.limit_in_bytes=4194304",
  ], "raising above the current limit: swap first");
  assert.deepEqual(lines(mapV1({ memory: { limit: -1 } }, fresh)), [
    "memory:memory.memsw.limit_in_bytes=-1",
    "memory:memory.limit_in_bytes=-1",
  ], "unlimited memory with swap unset: unlimited swap too");
  assert.deepEqual(lines(mapV1({ memory: { limit: -1 } }, emptyProbe)), ["memory:memory.limit_in_bytes=-1"]);
  assert.deepEqual(lines(mapV1({ memory: { disableOOMKiller: true, swappiness: 60, kernel: 5 } }, emptyProbe)),
    ["memory:memory.oom_control=1", "memory:memory.swappiness=60"]);
  assert.deepEqual(lines(mapV1({ memory: { swappiness: 2 ** 64 - 1 } }, emptyProbe)), [], "uint64 -1: leave alone");
  const tcp = probe({ "memory.kmem.tcp.limit_in_bytes": "9223372036854771712\n" });
  assert.deepEqual(lines(mapV1({ memory: { kernel: 5, kernelTCP: 50593792 } }, tcp)), ["memory:memory.kmem.tcp.limit_in_bytes=50593792"],
    "kernelTCP is set where the kernel has the file; kernel (kmem) is not");
  assert.deepEqual(lines(mapV1({ memory: { kernelTCP: 4096 } }, emptyProbe)), [], "no kmem.tcp file: kernelTCP ignored");
  assert.throws(() => mapV1({ memory: { swappiness: 101 } }, emptyProbe), /swappiness: 101 is outside 0\.\.100/);
  assert.throws(() => mapV1({ memory: { limit: 8192, swap: 4096 } }, emptyProbe), /must be >= memory\.limit/);
});

test("v1 cpu: shares, CFS, burst, idle, realtime; period retried after quota", () => {
  const w = mapV1({ cpu: { shares: 512, period: 100000, quota: 20000, burst: 500, idle: 0, realtimePeriod: 1000000, realtimeRuntime: 950000, cpus: "1", mems: "0" } }, emptyProbe);
  assert.deepEqual(lines(w), [
    "cpu:cpu.shares=512",
    "cpu:cpu.cfs_period_us=100000",
    "cpu:cpu.cfs_burst_us=500",
    "cpu:cpu.cfs_quota_us=20000",
    "cpu:cpu.idle=0",
    "cpu:cpu.rt_period_us=1000000",
    "cpu:cpu.rt_runtime_us=950000",
    "cpuset:cpuset.cpus=1",
    "cpuset:cpuset.mems=0",
  ]);
  assert.deepEqual(w.filter((x) => x.retryLater).map((x) => x.file), ["cpu.cfs_period_us", "cpu.cfs_burst_us", "cpu.rt_period_us"]);
  assert.deepEqual(lines(mapV1({ cpu: { quota: -1 } }, emptyProbe)), ["cpu:cpu.cfs_quota_us=-1"]);
});

test("v1 pids, blkio (CFQ or BFQ names), hugetlb, net_cls, net_prio, rdma", () => {
  assert.deepEqual(lines(mapV1({ pids: { limit: 0 } }, emptyProbe)), ["pids:pids.max=1"]);
  assert.deepEqual(lines(mapV1({ pids: { limit: -1 } }, emptyProbe)), ["pids:pids.max=max"]);
  const bio = {
    weight: 300, leafWeight: 200, weightDevice: [{ major: 8, minor: 0, weight: 400, leafWeight: 100 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 10 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 20 }],
  };
  assert.deepEqual(lines(mapV1({ blockIO: bio }, emptyProbe)), [
    "blkio:blkio.bfq.weight=300",
    "blkio:blkio.leaf_weight=200",
    "blkio:blkio.bfq.weight_device=8:0 400",
    "blkio:blkio.leaf_weight_device=8:0 100",
    "blkio:blkio.throttle.read_bps_device=8:0 10",
    "blkio:blkio.throttle.write_iops_device=8:0 20",
  ]);
  assert.equal(lines(mapV1({ blockIO: { weight: 300 } }, probe({ "blkio.weight": "500" })))[0], "blkio:blkio.weight=300");
  assert.deepEqual(lines(mapV1({ hugepageLimits: [{ pageSize: "2MB", limit: 2097152 }] }, probe({ "hugetlb.2MB.rsvd.limit_in_bytes": "" }))),
    ["hugetlb:hugetlb.2MB.limit_in_bytes=2097152", "hugetlb:hugetlb.2MB.rsvd.limit_in_bytes=2097152"]);
  assert.deepEqual(lines(mapV1({ network: { classID: 0x100001, priorities: [{ name: "eth0", priority: 5 }] } }, emptyProbe)),
    ["net_cls:net_cls.classid=1048577", "net_prio:net_prio.ifpriomap=eth0 5"]);
  assert.deepEqual(lines(mapV1({ rdma: { mlx4_0: { hcaHandles: 2 } } }, emptyProbe)), ["rdma:rdma.max=mlx4_0 hca_handle=2"]);
  assert.throws(() => mapV1({ unified: { "memory.high": "1" } }, emptyProbe), /^TsrunError: invalid configuration: cannot use unified on cgroup v1 \(linux\.resources\.unified sets "memory\.high": cgroup v2 files\)$/);
});
