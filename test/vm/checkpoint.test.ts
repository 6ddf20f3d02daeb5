// Checkpoint and restore with criu, in the pure cgroup v2 guest (criu's `check` fails on the host's
// kernel; in the guest's Debian 6.1 kernel it passes). Runs in the same boot as guest.test.ts
// (`npm run test:vm`). Every tsrun call and every criu run is slow under TCG: the cases share work.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { Harness } from "../helpers/harness.js";
import { TSRUN } from "../helpers/cli.js";
import { baseConfigPath } from "../helpers/rootfs.js";
import { containerCgroup } from "../helpers/cgpath.js";
import { Podman } from "../e2e/harness/podman.js";
import { buildImage } from "../e2e/harness/image.js";

const CG = "/sys/fs/cgroup";
let h: Harness;

before(() => {
  assert.equal(process.getuid?.(), 0);
  assert.ok(!existsSync(join(CG, "unified")), "runs in the pure cgroup v2 guest (npm run test:vm), not on the hybrid host");
  const c = spawnSync("criu", ["check"], { encoding: "utf8" });
  assert.equal(c.status, 0, `criu check fails in the guest: ${c.stdout}${c.stderr}`);
  h = new Harness();
});
after(() => h.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const baseMounts = (): unknown[] => JSON.parse(readFileSync(baseConfigPath, "utf8")).mounts;

/**
 * A busybox counter: it appends 1, 2, 3, … to /data/log (a bind of a host directory) and writes
 * the count to /scratch/n (a tmpfs of its own), five times a second. Limits, so that restore must
 * apply them.
 */
function counterBundle(): { bundle: string; data: string } {
  const data = join(h.tmp, `data-${Math.random().toString(36).slice(2)}`);
  mkdirSync(data);
  const bundle = h.bundle({
    root: { readonly: false },
    process: { args: ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i >> /data/log; echo $i > /scratch/n; sleep 0.2; done"] },
    mounts: [...baseMounts(), { destination: "/data", type: "bind", source: data, options: ["rbind", "rw"] },
      { destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["size=1m"] }],
    linux: { resources: { memory: { limit: 96 << 20 }, pids: { limit: 20 } } },
  }, { busybox: true });
  return { bundle, data };
}

/** Every value the counter wrote, in order. */
const values = (data: string): number[] => {
  try { return readFileSync(join(data, "log"), "utf8").split("\n").filter(Boolean).map(Number); } catch { return []; }
};
const count = (data: string): number => values(data).at(-1) ?? 0;

/** Wait (bounded by the test's own timeout) until the counter passes `n`; return what it read. */
async function countPast(data: string, n: number): Promise<number> {
  for (;;) {
    const v = count(data);
    if (v > n) return v;
    await sleep(100);
  }
}

const cgFile = (id: string, f: string) => readFileSync(join(CG, containerCgroup(id, ""), f), "utf8").trim();
function assertNothingLeft(id: string): void {
  assert.ok(!existsSync(join(h.root, id)), `state of ${id} left behind`);
  assert.ok(!existsSync(join(CG, containerCgroup(id, ""))), `cgroup of ${id} left behind`);
}

test("a counter checkpointed to an image dir stops; restore --detach goes on counting from there, with its limits, bind mount and tmpfs; exec, pause, kill and delete -f work on it", { timeout: 300_000 }, async () => {
  const { bundle, data } = counterBundle();
  const id = h.id("ck");
  const img = join(h.tmp, "img-ck");
  h.ok(["run", "-d", "--bundle", bundle, id]);
  await countPast(data, 5);

  h.ok(["checkpoint", "--image-path", img, id]);
  assert.equal(h.state(id).status, "stopped", "the checkpointed container is stopped");
  const at = count(data);
  assert.ok(at > 5, `counter at the checkpoint: ${at}`);
  assert.ok(existsSync(join(img, "inventory.img")), `criu's images in ${img}: ${readdirSync(img).join(" ")}`);
  await sleep(1000);
  assert.equal(count(data), at, "nothing counts while the container is checkpointed");

  // refused in one line, nothing left behind: a config whose mounts differ, an image that is not there
  const other = h.bundle({ process: { args: ["sh", "-c", "sleep 1000"] } }, { busybox: true });
  const bad = h.run(["restore", "-d", "--image-path", img, "--bundle", other, `${id}-x`]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr.trim(), /^[^\n]*config\.json does not match the checkpoint: mounts: [^\n]*\/data[^\n]*$/);
  assertNothingLeft(`${id}-x`);
  const none = h.run(["restore", "-d", "--image-path", join(h.tmp, "no-such-img"), "--bundle", bundle, `${id}-y`]);
  assert.equal(none.status, 1);
  assert.match(none.stderr.trim(), /^[^\n]*no checkpoint in `[^`]*no-such-img`: inventory\.img: ENOENT$/);
  assertNothingLeft(`${id}-y`);

  h.ok(["restore", "--detach", "--image-path", img, "--bundle", bundle, id]);
  const st = h.state(id);
  assert.equal(st.status, "running");
  assert.ok(st.pid > 0);
  assert.match(readFileSync(`/proc/${st.pid}/cgroup`, "utf8"), new RegExp(`^0::${containerCgroup(id, "").replace(/[.+]/g, "\\$&")}$`, "m"));
  assert.equal(cgFile(id, "memory.max"), String(96 << 20));
  assert.equal(cgFile(id, "pids.max"), "20");
  // not from zero: the values go on from the checkpoint's, one by one, and 1 was written once only
  await countPast(data, at);
  const all = values(data);
  assert.deepEqual(all, all.map((_, i) => i + 1), `the counter's values: ${all.join(" ")} (checkpointed at ${at})`);
  // the tmpfs came back with its content: it holds the same counter
  const inTmpfs = Number(h.ok(["exec", id, "cat", "/scratch/n"]).stdout.trim());
  assert.ok(inTmpfs >= at, `/scratch/n in the restored container: ${inTmpfs}`);

  const again = h.run(["restore", "-d", "--image-path", img, "--bundle", bundle, id]);
  assert.equal(again.status, 1);
  assert.equal(again.stderr.trim(), `container with id "${id}" already exists`);
  assert.equal(h.state(id).status, "running");

  h.ok(["pause", id]);
  assert.equal(h.state(id).status, "paused");
  h.ok(["resume", id]);
  h.ok(["kill", id, "KILL"]);
  for (let i = 0; i < 100 && h.state(id).status !== "stopped"; i++) await sleep(100);
  assert.equal(h.state(id).status, "stopped");
  h.ok(["delete", "-f", id]);
  assertNothingLeft(id);
});

test("--pre-dump and --leave-running keep the container running; the image restores under a new id that counts on, in the foreground until killed", { timeout: 300_000 }, async () => {
  const { bundle, data } = counterBundle();
  const id = h.id("lr");
  const img = join(h.tmp, "img-lr");
  h.ok(["run", "-d", "--bundle", bundle, id]);
  await countPast(data, 3);
  // a pre-dump first (memory only; it keeps running), then the checkpoint on top of it
  h.ok(["checkpoint", "--pre-dump", "--image-path", join(h.tmp, "img-pre"), id]);
  assert.equal(h.state(id).status, "running");
  h.ok(["checkpoint", "--leave-running", "--parent-path", "../img-pre", "--image-path", img, "--work-path", join(h.tmp, "work-lr"), id]);
  assert.ok(existsSync(join(h.tmp, "work-lr", "dump.log")), "criu's log is in the work path");
  assert.equal(h.state(id).status, "running");
  const at = count(data);
  await countPast(data, at);                        // still counting
  h.ok(["delete", "-f", id]);
  assertNothingLeft(id);
  rmSync(join(data, "log"));                        // from here on, only the restored counter writes

  // restored in the foreground this time: tsrun waits for the restored init and exits with its status
  const id2 = h.id("lr-new");
  const pidFile = join(h.tmp, "lr.pid");
  const out = openSync(join(h.tmp, "lr.out"), "w");
  const fg = spawn(TSRUN, ["--root", h.root, "restore", "--image-path", img, "--bundle", bundle, "--pid-file", pidFile, id2], { stdio: ["ignore", out, out] });
  closeSync(out);
  const exited = new Promise<number | null>((r) => fg.on("exit", (code) => r(code)));
  while (!existsSync(pidFile)) await sleep(100);
  const st = h.state(id2);
  assert.equal(st.status, "running");
  assert.equal(Number(readFileSync(pidFile, "utf8")), st.pid);
  // the image was taken after the counter passed 3: the restored one counts on from there, not from 1
  await countPast(data, 0);
  const first = values(data)[0];
  assert.ok(first > 4, `the first value after the restore is ${first}`);
  h.ok(["kill", id2, "KILL"]);
  assert.equal(await exited, 137, readFileSync(join(h.tmp, "lr.out"), "utf8"));
  assertNothingLeft(id2);                           // the foreground restore deleted it
});

test("a container with a user namespace (its devices and masked files are binds of the host's nodes) is checkpointed and restored", { timeout: 300_000 }, async () => {
  chmodSync(h.tmp, 0o755);                          // the container's root (host uid 100000) reaches its rootfs through it
  const data = join(h.tmp, "data-userns");
  mkdirSync(data);
  chownSync(data, 100000, 100000);
  const bundle = h.bundle({
    process: { args: ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i >> /data/log; sleep 0.2; done"] },
    mounts: [...baseMounts().filter((m) => !String((m as { destination: string }).destination).startsWith("/sys")),
      { destination: "/data", type: "bind", source: data, options: ["rbind", "rw"] }],
    linux: {
      namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "user" }],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    },
  }, { busybox: true });
  mkdirSync(join(bundle, "rootfs", "data"));         // the mount point: the container's root cannot make it in root's rootfs
  const id = h.id("us");
  const img = join(h.tmp, "img-us");
  const log = join(h.tmp, "us.log");
  // criu reopens the restored stdio as the container's root: /dev/null on both sides (a host file of root's would be refused)
  const quiet = (args: string[]) => {
    const r = spawnSync(TSRUN, ["--root", h.root, "--log", log, ...args], { stdio: "ignore" });
    assert.equal(r.status, 0, `tsrun ${args.join(" ")}: ${existsSync(log) ? readFileSync(log, "utf8") : ""}`);
  };
  quiet(["run", "-d", "--bundle", bundle, id]);
  await countPast(data, 3);
  h.ok(["checkpoint", "--image-path", img, id]);
  const at = count(data);
  quiet(["restore", "-d", "--image-path", img, "--bundle", bundle, id]);
  assert.equal(h.state(id).status, "running");
  await countPast(data, at);
  const all = values(data);
  assert.deepEqual(all, all.map((_, i) => i + 1), `the counter's values: ${all.join(" ")} (checkpointed at ${at})`);
  assert.equal(h.ok(["exec", id, "cat", "/proc/self/uid_map"]).stdout.trim().split(/\s+/).join(" "), "0 100000 65536");
  // the devices came back as binds of the host's nodes (criu was told they are external)
  assert.equal(h.ok(["exec", id, "sh", "-c", "echo x > /dev/null && head -c 4 /dev/zero | wc -c"]).stdout.trim(), "4");
  h.ok(["delete", "-f", id]);
  assertNothingLeft(id);
});

test("podman container checkpoint and restore with --runtime tsrun", { timeout: 600_000 }, async () => {
  const p = new Podman();
  try {
    const img = buildImage(join(p.dir, "image.tar"));
    let r = await p.podman(["load", "-i", join(p.dir, "image.tar")], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `podman load: ${r.stderr}`);
    const name = p.name("ck");
    r = await p.podman(["run", "-d", "--name", name, img, "sh", "-c", "echo start >> /tmp/starts; i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.2; done"], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `podman run -d: ${r.stderr}`);
    const read = async (): Promise<number> => {
      const e = await p.podman(["exec", name, "cat", "/tmp/n"], { timeoutMs: 120_000 });
      assert.equal(e.code, 0, `podman exec: ${e.stderr}`);
      return Number(e.stdout.trim());
    };
    const before = await read();
    // podman calls `tsrun checkpoint --image-path … --work-path … <id>`
    r = await p.podman(["container", "checkpoint", name], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `podman container checkpoint: ${r.stderr}`);
    r = await p.podman(["ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.Status}}"]);
    assert.match(r.stdout, /^Exited/, r.stdout);
    // conmon calls `tsrun restore --bundle … --pid-file … --detach --image-path … --work-path … <id>`
    r = await p.podman(["container", "restore", name], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `podman container restore: ${r.stderr}`);
    const after = await read();
    assert.ok(after > before, `counter before the checkpoint ${before}, after the restore ${after}`);
    // restored, not started again: the command ran once
    const starts = await p.podman(["exec", name, "cat", "/tmp/starts"], { timeoutMs: 120_000 });
    assert.equal(starts.stdout, "start\n", `the container's command ran more than once: ${starts.stdout}`);
    r = await p.podman(["rm", "-f", "-t", "0", name], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, `podman rm -f: ${r.stderr}`);
  } finally {
    await p.cleanup();
  }
});
