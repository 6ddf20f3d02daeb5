// The systemd cgroup manager over a recording bus and a recording cgroupfs manager: the unit is
// started when the new child joins (its pid in PIDs), update sets properties, delete stops the unit;
// everything else is the cgroupfs manager's on the unit's cgroup. And the D-Bus message the helper
// sends, as bytes on the wire (golden), through the client library's own marshaller.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npm run test:unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { SystemdManager } from "../../src/cgroup/systemd.js";
import type { CgroupManager, CgroupPaths } from "../../src/cgroup/manager.js";
import type { BusCall } from "../../src/cgroup/systemd-call.js";
import { busSocket, busCall } from "../../src/cgroup/systemd-call.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { startProperties, resourceProperties } from "../../src/cgroup/systemd-props.js";
import { unitFor } from "../../src/cgroup/systemd-path.js";
import { emptyStats } from "../../src/cgroup/stats.js";
import { TsrunError } from "../../src/errors.js";
import { repoRoot } from "../helpers/rootfs.js";

function recorder() {
  const calls: string[] = [];
  const paths: CgroupPaths = { v2: "/sys/fs/cgroup/system.slice/tsrun-t1.scope", created: [] };
  const inner: CgroupManager = {
    paths,
    create: (r) => { calls.push(`fs create ${JSON.stringify(r)}`); },
    addProcess: (pid, o) => { calls.push(`fs addProcess ${pid} ${JSON.stringify(o ?? {})}`); },
    apply: (r) => { calls.push(`fs apply ${JSON.stringify(r)}`); },
    freeze: () => { calls.push("fs freeze"); }, thaw: () => { calls.push("fs thaw"); },
    state: () => "thawed", pids: () => [7], killAll: (s) => { calls.push(`fs killAll ${s}`); },
    destroy: () => { calls.push("fs destroy"); }, stats: () => emptyStats(), oomCount: () => 0,
  };
  const bus: BusCall = (req) => { calls.push(`bus ${req.op} ${req.unit} ${JSON.stringify(req.props ?? [])}`); return {}; };
  return { calls, inner, bus };
}
const UNIT = { unit: "tsrun-t1.scope", slice: "system.slice" };

test("create makes nothing; the child's join starts the unit with its pid, then the files are written", () => {
  const { calls, inner, bus } = recorder();
  const m = new SystemdManager(inner, UNIT, "t1", true, { bus, procDevices: "", noSocketCheck: true });
  assert.equal(m.joinsLate, true, "the child is cloned outside the cgroup (no CLONE_INTO_CGROUP)");
  assert.deepEqual(m.paths.systemd, UNIT, "the unit is in the state, for the later commands");
  m.create({ memory: { limit: 33554432 } });
  assert.deepEqual(calls, []);
  m.addProcess(4242, { v2: true });
  assert.equal(calls.length, 3);
  assert.match(calls[0], /^bus start tsrun-t1\.scope .*\["PIDs",\["au",\[4242\]\]\].*\["MemoryMax",\["t","33554432"\]\]/);
  assert.match(calls[0], /\["Delegate",\["b",true\]\]/);
  assert.deepEqual(calls.slice(1), ['fs create {"memory":{"limit":33554432}}', 'fs addProcess 4242 {"v2":false}']);
  m.addProcess(4243, { v2: true });
  assert.equal(calls[3], 'fs addProcess 4243 {"v2":true}', "later processes (exec) join the existing unit's cgroup");
});

test("a unit systemd refuses fails create before any cgroup file is written", () => {
  const { calls, inner } = recorder();
  const bus: BusCall = () => { throw new TsrunError("--systemd-cgroup: StartTransientUnit tsrun-t1.scope: job failed"); };
  const m = new SystemdManager(inner, UNIT, "t1", true, { bus, procDevices: "", noSocketCheck: true });
  m.create({});
  assert.throws(() => m.addProcess(1), /^TsrunError: --systemd-cgroup: StartTransientUnit tsrun-t1\.scope: job failed$/);
  assert.deepEqual(calls, []);
});

test("a unit that already exists is joined through cgroupfs (runc's way), and create's cleanup leaves it alone", () => {
  const { calls, inner } = recorder();
  const bus: BusCall = (req) => { calls.push(`bus ${req.op}`); return { existed: req.op === "start" }; };
  const m = new SystemdManager(inner, UNIT, "t2", true, { bus, procDevices: "", noSocketCheck: true });
  m.create({ pids: { limit: 5 } });
  m.addProcess(77);
  m.destroy();
  assert.deepEqual(calls, ["bus start", 'fs create {"pids":{"limit":5}}', 'fs addProcess 77 {"v2":true}', "fs destroy"]);
});

test("create's cleanup stops the unit only when systemd was asked for it", () => {
  for (const [why, fail, stops] of [
    ["never started (create failed before the child joined)", undefined, false],
    ["the bus was never reached", new TsrunError("--systemd-cgroup: cannot connect to the system bus (/b: ECONNREFUSED)", "ENOTCONN"), false],
    ["systemd refused or timed out: a unit may exist", new TsrunError("--systemd-cgroup: StartTransientUnit tsrun-t1.scope: job timeout"), true],
  ] as const) {
    const { calls, inner } = recorder();
    const bus: BusCall = (req) => { calls.push(`bus ${req.op}`); if (req.op === "start" && fail) throw fail; return {}; };
    const m = new SystemdManager(inner, UNIT, "t1", true, { bus, procDevices: "", noSocketCheck: true });
    m.create({});
    if (fail) assert.throws(() => m.addProcess(1));
    m.destroy();
    assert.equal(calls.includes("bus stop"), stops, why);
    assert.ok(calls.includes("fs destroy"), why);
  }
});

test("bad resources are refused by create, before the unit exists", () => {
  const { calls, inner, bus } = recorder();
  const m = new SystemdManager(inner, UNIT, "t1", true, { bus, procDevices: "", noSocketCheck: true });
  assert.throws(() => m.create({ cpu: { cpus: "2-1" } }), (e: unknown) => e instanceof TsrunError && e.message === 'cgroup: linux.resources.cpu.cpus: invalid list "2-1"');
  assert.deepEqual(calls, []);
});

test("update sets the properties systemd has, then the files; delete stops the unit, then removes what is left", () => {
  const { calls, inner, bus } = recorder();
  const m = new SystemdManager(inner, UNIT, "", false, { bus, procDevices: "", noSocketCheck: true });
  assert.equal(m.joinsLate, false);
  m.apply({ pids: { limit: 10 } });
  m.apply({ unified: { "memory.high": "1M" } });
  m.freeze(); m.thaw(); m.killAll(9);
  assert.deepEqual(m.pids(), [7]);
  m.destroy();
  assert.deepEqual(calls, [
    'bus set tsrun-t1.scope [["TasksMax",["t","10"]]]', 'fs apply {"pids":{"limit":10}}',
    'fs apply {"unified":{"memory.high":"1M"}}',
    "fs freeze", "fs thaw", "fs killAll 9",
    "bus stop tsrun-t1.scope []", "fs destroy",
  ]);
});

test("no system bus: one line naming the socket and the errno", () => {
  assert.throws(() => busSocket({ DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/nonexistent/tsrun-bus" }),
    (e: unknown) => e instanceof TsrunError && e.message === "--systemd-cgroup: cannot connect to the system bus (/nonexistent/tsrun-bus: ENOENT)");
  assert.throws(() => busSocket({ DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${repoRoot}/package.json` }),
    (e: unknown) => e instanceof TsrunError && e.message.endsWith("package.json: ENOTSOCK)"));
});

test("the D-Bus helper process (this engine, src/main.js): a socket nobody listens on is one line with the errno", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsrun-bus-"));
  try {
    const sock = join(dir, "bus");
    // bound, never listening: connect(2) gets ECONNREFUSED
    const py = spawnSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", sock]);
    assert.equal(py.status, 0, String(py.stderr));
    assert.equal(busSocket({ DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${sock}` }), sock);
    assert.throws(() => busCall({ op: "stop", unit: "tsrun-x.scope", socket: sock, timeoutMs: 5000 }),
      (e: unknown) => e instanceof TsrunError && e.message === `--systemd-cgroup: cannot connect to the system bus (${sock}: ECONNREFUSED)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("StartTransientUnit on the wire, as the D-Bus library marshals it (golden)", () => {
  const require = createRequire(import.meta.url);
  const message = require("@homebridge/dbus-native/lib/message.js") as { marshall(m: object): Buffer; unmarshall(b: Buffer): { body: unknown[]; signature: string } };
  const props = [...startProperties(unitFor("system.slice:tsrun:t1", "t1"), "t1", 4242),
    ...resourceProperties({ memory: { limit: 33554432 }, cpu: { shares: 262144, cpus: "0" }, pids: { limit: 32 } })];
  const msg = { type: 1, serial: 7, destination: "org.freedesktop.systemd1", path: "/org/freedesktop/systemd1", interface: "org.freedesktop.systemd1.Manager",
    member: "StartTransientUnit", signature: "ssa(sv)a(sa(sv))", body: ["tsrun-t1.scope", "replace", props, []] };
  const wire = message.marshall(msg);
  const back = message.unmarshall(wire);
  assert.equal(back.signature, "ssa(sv)a(sa(sv))");
  assert.equal((back.body as string[])[0], "tsrun-t1.scope");
  const hex = wire.toString("hex").replace(/(.{64})/g, "$1\n") + "\n";
  const file = join(repoRoot, "test", "golden", "systemd-start.dbus");
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, hex);
  assert.ok(existsSync(file), `golden ${file} is missing (UPDATE_GOLDEN=1 writes it, on purpose)`);
  assert.equal(hex, readFileSync(file, "utf8"), "the StartTransientUnit message changed");
});
