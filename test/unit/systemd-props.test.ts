// The systemd driver's properties: OCI linux.resources as StartTransientUnit/SetUnitProperties take them,
// with the cgroupfs driver's conversions. The a(sv) array is a wire format: pinned by a golden file.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npm run test:unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { resourceProperties, startProperties, cpusetMask, quotaPerSec, parseProcDevices, deviceProperties, systemBusSocket, INFINITY, RESOURCE_PROPERTIES } from "../../src/cgroup/systemd-props.js";
import { unitFor } from "../../src/cgroup/systemd-path.js";
import { sharesToWeight } from "../../src/cgroup/resources-v2.js";
import { TsrunError } from "../../src/errors.js";
import { repoRoot } from "../helpers/rootfs.js";

const PROC_DEVICES = "Character devices:\n  1 mem\n  4 /dev/vc/0\n  5 /dev/tty\n136 pts\n180 usb\n\nBlock devices:\n  8 sd\n259 blkext\n";
const groups = parseProcDevices(PROC_DEVICES);

function golden(name: string, text: string): void {
  const file = join(repoRoot, "test", "golden", name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
  assert.ok(existsSync(file), `golden ${file} is missing (UPDATE_GOLDEN=1 writes it, on purpose)`);
  assert.equal(text, readFileSync(file, "utf8"), `${name} changed`);
}

test("StartTransientUnit's properties for a containerd-like config (golden)", () => {
  const u = unitFor("kubepods-burstable.slice:cri-containerd:abc", "abc");
  const props = [...startProperties(u, "abc", 4242), ...resourceProperties({
    memory: { limit: 33554432, reservation: 16777216, swap: 67108864 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0-2,9", mems: "0" },
    pids: { limit: 64 }, blockIO: { weight: 500 },
    devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 180, minor: -1, access: "rw" }],
  }, groups)];
  const text = props.map((p) => JSON.stringify(p)).join("\n") + "\n";
  assert.match(text, /^\["MemoryMax",\["t","33554432"\]\]$/m);
  assert.match(text, /^\["PIDs",\["au",\[4242\]\]\]$/m);
  assert.match(text, /^\["Slice",\["s","kubepods-burstable.slice"\]\]$/m);
  assert.match(text, /^\["Delegate",\["b",true\]\]$/m);
  golden("systemd-start.props", text);
});

test("each resource maps to its property with the cgroupfs driver's conversion", () => {
  const one = (r: Parameters<typeof resourceProperties>[0]) => Object.fromEntries(resourceProperties(r, groups).map(([n, v]) => [n, v[1]]));
  assert.deepEqual(one({ memory: { limit: -1 } }), { MemoryMax: INFINITY });
  assert.deepEqual(one({ memory: { limit: 100, swap: 300 } }), { MemoryMax: "100", MemorySwapMax: "200" }, "swap is memory+swap in OCI");
  assert.deepEqual(one({ memory: { limit: -1, swap: 0 } }), { MemoryMax: INFINITY, MemorySwapMax: INFINITY });
  assert.deepEqual(one({ cpu: { shares: 1024 } }), { CPUWeight: String(sharesToWeight(1024)) });
  assert.deepEqual(one({ cpu: { quota: -1 } }), { CPUQuotaPerSecUSec: INFINITY });
  assert.deepEqual(one({ cpu: { quota: 12345, period: 100000 } }), { CPUQuotaPerSecUSec: "130000", CPUQuotaPeriodUSec: "100000" }, "rounded up to 10 ms");
  assert.deepEqual(one({ pids: { limit: -1 } }), { TasksMax: INFINITY });
  assert.deepEqual(one({ blockIO: { weight: 10 } }), { IOWeight: "1" });
  assert.deepEqual(one({}), {}, "nothing set, nothing sent (update passes only what changes)");
  assert.equal(quotaPerSec(200000, 0), "2000000");
  for (const p of resourceProperties({ memory: { limit: 1, reservation: 1, swap: 2 }, cpu: { shares: 2, quota: 1, period: 1000, cpus: "0", mems: "0" }, pids: { limit: 1 }, blockIO: { weight: 10 }, devices: [] }, groups)) {
    assert.ok((RESOURCE_PROPERTIES as readonly string[]).includes(p[0]), `${p[0]} is in the table features reports`);
  }
});

test("cpusets are systemd's byte masks, cpu n at bit n%8 of byte n/8", () => {
  assert.deepEqual(cpusetMask("0-2,9", "cpus"), [0b111, 0b10]);
  assert.deepEqual(cpusetMask("15", "cpus"), [0, 0x80]);
  assert.throws(() => cpusetMask("3-1", "cpus"), (e: unknown) => e instanceof TsrunError && e.message === 'cgroup: linux.resources.cpu.cpus: invalid list "3-1"');
});

test("devices: systemd's list allows at least what the rules allow; what it cannot name leaves it to the BPF program", () => {
  const [policy, allow] = deviceProperties([{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 136, minor: -1, access: "rw" }], groups);
  assert.deepEqual(policy, ["DevicePolicy", ["s", "strict"]]);
  const entries = allow[1][1] as Array<[string, string]>;
  assert.deepEqual(entries[0], ["char-pts", "rw"]);
  assert.ok(entries.some(([p, a]) => p === "/dev/char/1:3" && a === "rwm"), "runc's default /dev/null is in");
  assert.ok(entries.some(([p, a]) => p === "char-*" && a === "m"), "mknod of any char device, as runc's defaults");
  assert.deepEqual(deviceProperties([{ allow: true, access: "rwm" }], groups)[0], ["DevicePolicy", ["s", "auto"]], "allow-all");
  assert.deepEqual(deviceProperties([{ allow: true, type: "c", major: 99, minor: -1, access: "r" }], groups)[0], ["DevicePolicy", ["s", "auto"]], "unknown major");
});

test("the system bus: DBUS_SYSTEM_BUS_ADDRESS's unix:path, else the standard socket", () => {
  assert.equal(systemBusSocket(undefined), "/run/dbus/system_bus_socket");
  assert.equal(systemBusSocket("unix:path=/tmp/bus,guid=0123"), "/tmp/bus");
  assert.equal(systemBusSocket("tcp:host=x,port=1;unix:path=/var/run/dbus/system_bus_socket"), "/var/run/dbus/system_bus_socket");
  assert.throws(() => systemBusSocket("unix:abstract=/tmp/x"), (e: unknown) => e instanceof TsrunError && e.message === '--systemd-cgroup: DBUS_SYSTEM_BUS_ADDRESS "unix:abstract=/tmp/x" has no unix:path= address');
});
