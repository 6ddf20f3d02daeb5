// Statistics from cgroupfs file text, and the exact line `runc events --stats` prints.
import { test } from "node:test";
import assert from "node:assert/strict";
import { emptyStats, goJson, runcStatsEvent } from "../../src/cgroup/stats.js";
import * as sc from "../../src/cgroup/stats-collect.js";

const reader = (files: Record<string, string>): sc.FileReader => (f) => files[f];

test("an empty cgroup prints runc's skeleton: omitempty/omitzero fields left out", () => {
  assert.equal(runcStatsEvent("c1", emptyStats()),
    '{"type":"stats","id":"c1","data":{"cpu":{},"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,' +
    '"memory_migrate":0,"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,' +
    '"sched_relax_domain_level":0},"memory":{},"pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}\n');
});

test("cgroup v2 files -> runc's JSON, exactly", () => {
  const files = reader({
    "cpu.stat": "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 30\nnr_bursts 0\nburst_usec 0\n",
    "cpu.pressure": "some avg10=0.25 avg60=0.00 avg300=0.00 total=1234\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
    "memory.stat": "anon 4096\nfile 8192\nkernel 100\n",
    "memory.current": "12288\n",
    "memory.max": "max\n",
    "memory.peak": "20000\n",
    "memory.swap.current": "0\n",
    "memory.swap.max": "max\n",
    "pids.current": "3\n",
    "pids.max": "max\n",
    "io.stat": "8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=0 wbytes=0 rios=0 wios=0\n",
    "hugetlb.2MB.current": "0\n",
    "hugetlb.2MB.events": "max 5\n",
  });
  const s = emptyStats();
  sc.statCpuV2(files, s);
  sc.statMemoryV2(files, s);
  sc.statPidsV2(files, s);
  sc.statIoV2(files, s);
  sc.statHugetlbV2(files, s, ["1GB", "2MB"]);
  const data = JSON.parse(runcStatsEvent("web", s).replace(/(:\s*)(\d{16,})/g, '$1"$2"')).data;
  assert.deepEqual(data.cpu, {
    usage: { total: 1500000, kernel: 500000, user: 1000000 },
    throttling: { periods: 10, throttledPeriods: 2, throttledTime: 30000 },
    psi: { some: { avg10: 0.25, avg60: 0, avg300: 0, total: 1234 } },
  });
  assert.deepEqual(data.memory, {
    cache: 8192,
    usage: { limit: "18446744073709551615", usage: 12288, max: 20000, failcnt: 0 },
    swap: { limit: "18446744073709551615", usage: 12288, failcnt: 0 },
    raw: { anon: 4096, file: 8192, kernel: 100 },
  });
  assert.deepEqual(data.pids, { current: 3 }, "no limit: 0, omitted");
  assert.deepEqual(data.blkio, {
    ioServiceBytesRecursive: [{ major: 8, op: "Read", value: 1024 }, { major: 8, op: "Write", value: 2048 }, { major: 253, minor: 1, op: "Read" }, { major: 253, minor: 1, op: "Write" }],
    ioServicedRecursive: [{ major: 8, op: "Read", value: 1 }, { major: 8, op: "Write", value: 2 }, { major: 253, minor: 1, op: "Read" }, { major: 253, minor: 1, op: "Write" }],
  });
  assert.deepEqual(data.hugetlb, { "2MB": { failcnt: 5 } });
  // exact text: key order and uint64 precision
  const line = runcStatsEvent("web", s);
  assert.ok(line.includes('"usage":{"limit":18446744073709551615,"usage":12288,"max":20000,"failcnt":0}'), line);
  assert.ok(line.startsWith('{"type":"stats","id":"web","data":{"cpu":{"usage":{"total":1500000,"kernel":500000,"user":1000000},'), line);
});

test("v2 memory: swap reported as memory+swap, limit summed as uint64 (runc)", () => {
  const s = emptyStats();
  sc.statMemoryV2(reader({ "memory.current": "100", "memory.max": "1000", "memory.swap.current": "50", "memory.swap.max": "500" }), s);
  assert.deepEqual(s.memory.swap, { usage: 150n, limit: 1500n, max: 0n, failcnt: 0n });
  const t = emptyStats();
  sc.statMemoryV2(reader({ "memory.current": "100", "memory.max": "max", "memory.swap.current": "0", "memory.swap.max": "500" }), t);
  assert.equal(t.memory.swap.limit, 499n, "max + 500 wraps, as in Go");
});

test("v2 pids without the controller: counted from cgroup.procs", () => {
  const s = emptyStats();
  sc.statPidsV2(reader({ "cgroup.procs": "10\n11\n12\n" }), s);
  assert.deepEqual(s.pids, { current: 3n, limit: 0n });
});

test("v1 memory, cpuset, pids and blkio set selection", () => {
  const s = emptyStats();
  sc.statMemoryV1(reader({
    "memory.stat": "cache 10\nrss 20\n", "memory.usage_in_bytes": "30", "memory.max_usage_in_bytes": "40", "memory.failcnt": "0",
    "memory.limit_in_bytes": "9223372036854771712", "memory.memsw.usage_in_bytes": "30", "memory.memsw.max_usage_in_bytes": "40",
    "memory.memsw.failcnt": "0", "memory.memsw.limit_in_bytes": "9223372036854771712", "memory.kmem.usage_in_bytes": "5",
    "memory.kmem.max_usage_in_bytes": "6", "memory.kmem.failcnt": "0",
  }), s);
  assert.equal(s.memory.cache, 10n);
  assert.equal(s.memory.kernel.usage, 5n);
  assert.equal(s.memory.kernel.limit, 0n, "kmem limit file gone in new kernels");
  assert.deepEqual(s.memory.kernelTCP, { limit: 0n, usage: 0n, max: 0n, failcnt: 0n });
  assert.ok(runcStatsEvent("x", s).includes('"usage":{"limit":9223372036854771712,"usage":30,"max":40,"failcnt":0}'));

  sc.statCpusetV1(reader({ "cpuset.cpus": "0-2,5\n", "cpuset.mems": "0\n", "cpuset.sched_load_balance": "1", "cpuset.sched_relax_domain_level": "-1" }), s);
  assert.deepEqual(s.cpuset.cpus, [0, 1, 2, 5]);
  assert.equal(s.cpuset.schedRelaxDomainLevel, -1n);
  sc.statPidsV1(reader({ "pids.current": "4", "pids.max": "max" }), s);
  assert.deepEqual(s.pids, { current: 4n, limit: 0n });

  // BFQ's file exists but is empty: runc moves on to the throttle files
  const b = emptyStats();
  sc.statBlkioV1(reader({
    "blkio.bfq.sectors_recursive": "", "blkio.bfq.io_serviced_recursive": "Total 0\n",
    "blkio.throttle.io_serviced_recursive": "8:0 Read 3\n8:0 Write 4\nTotal 7\n",
    "blkio.throttle.io_service_bytes_recursive": "8:0 Read 300\n",
  }), b);
  assert.equal(b.blkio.ioServicedRecursive.length, 2);
  assert.deepEqual(b.blkio.ioServiceBytesRecursive, [{ major: 8n, minor: 0n, op: "Read", value: 300n }]);
  assert.deepEqual(sc.parseBlkioV1("8:16 6792\n"), [{ major: 8n, minor: 16n, op: "", value: 6792n }]);
});

test("helpers: page sizes, cpu lists, uint parsing, Go float/string formatting", () => {
  assert.deepEqual(sc.hugePageSizes(["hugepages-2048kB", "hugepages-1048576kB", "hugepages-64kB", "x"]), ["1GB", "2MB", "64KB"]);
  assert.deepEqual(sc.parseCpuList("0-1,3\n"), [0, 1, 3]);
  assert.deepEqual(sc.parseCpuList("\n"), []);
  assert.equal(sc.parseUint("max\n"), sc.U64_MAX);
  assert.equal(sc.parseUint("-1"), 0n);
  assert.equal(goJson(0.5), "0.5");
  assert.equal(goJson(1e-7), "1e-07");
  assert.equal(goJson("<a&b>"), '"\\u003ca\\u0026b\\u003e"');
});
