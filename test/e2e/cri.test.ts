// The kubelet's path: containerd's CRI plugin, configured as the README shows (a runtime
// `tsrun` of type io.containerd.runc.v2 with BinaryName), runs a pod whose runtime handler
// (a RuntimeClass's `handler`) is tsrun. A small CRI client (harness/cri.ts) plays the kubelet.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Containerd, killCgroupProcs } from "./harness/containerd.js";
import { CriClient, field, num, int, str, sub } from "./harness/cri.js";
import { buildImage } from "./harness/image.js";
import { killStarted, removeCgroup, until } from "./harness/proc.js";
import { requirePrograms } from "./harness/require.js";
import { tsrun } from "../helpers/cli.js";

const T = { timeout: 120_000 };
const PAUSE = "localhost/tsrun-e2e-pause:latest";
const NODE = 2;                       // NamespaceMode NODE: host network, so no CNI plugin is needed
const EXITED = 2;                     // ContainerState CONTAINER_EXITED
let c: Containerd;
let cri: CriClient;
let img: string;
const cgParent = `/tsrun-e2e-cri-${process.pid}`;
const sandboxes: string[] = [];

before(async () => {
  assert.equal(process.getuid?.(), 0, "the e2e tier runs as root (it starts containerd)");
  requirePrograms("containerd", "ctr", "containerd-shim-runc-v2");
  c = new Containerd({ cri: { sandboxImage: PAUSE } });
  await c.start();
  buildImage(join(c.dir, "pause.tar"), { ref: PAUSE, cmd: ["sleep", "1000000"] });
  img = buildImage(join(c.dir, "image.tar"));
  for (const t of ["pause.tar", "image.tar"]) {
    const r = await c.ctr(["-n", "k8s.io", "images", "import", join(c.dir, t)]);
    assert.equal(r.code, 0, `ctr images import ${t}: ${r.stderr}`);
  }
  cri = new CriClient(c.sock);
  const v = await cri.call("RuntimeService/Version");
  assert.equal(str(v, 2), "containerd", "the CRI plugin answers");
  // the CRI plugin learns about imported images from events
  await until("the CRI plugin to see the images", async () =>
    (await Promise.all([PAUSE, img].map(async (ref) => (await cri.call("ImageService/ImageStatus", field(1, field(1, ref))))[1] !== undefined))).every(Boolean));
});

after(async () => {
  for (const id of sandboxes) {
    await cri?.call("RuntimeService/StopPodSandbox", field(1, id)).catch(() => undefined);
    await cri?.call("RuntimeService/RemovePodSandbox", field(1, id)).catch(() => undefined);
  }
  cri?.close();
  killStarted();
  killCgroupProcs(cgParent.slice(1));
  await c?.stop();
  removeCgroup(cgParent.slice(1));
});

/** PodSandboxConfig: metadata, log directory, our cgroup parent, host network. */
function podConfig(name: string, logDir: string): Buffer {
  return Buffer.concat([
    field(1, field(1, name), field(2, `${name}-uid`), field(3, "default")),
    field(3, logDir),
    field(8, field(1, cgParent), field(2, field(1, num(1, NODE)))),
  ]);
}

/** ContainerConfig: name, image, command, log path (relative to the pod's log directory). */
function containerConfig(name: string, command: string[], logPath: string): Buffer {
  return Buffer.concat([field(1, field(1, name)), field(2, field(1, img)), ...command.map((a) => field(3, a)), field(11, logPath)]);
}

/** The memory limit of a container's cgroup, found from its init's /proc/<pid>/cgroup (v1 or v2). */
function memoryLimit(id: string): number {
  const st = tsrun(["--root", join(c.runcRoot, "k8s.io"), "state", id]);
  const pid = JSON.parse(st.stdout).pid as number;
  const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  const v1 = lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  const file = v1
    ? join("/sys/fs/cgroup/memory", v1.split(":")[2], "memory.limit_in_bytes")
    : join("/sys/fs/cgroup", lines.find((l) => l.startsWith("0::"))!.slice(3), "memory.max");
  return Number(readFileSync(file, "utf8").trim());
}

async function status(id: string): Promise<{ state: number; exitCode: number }> {
  const s = sub(await cri.call("RuntimeService/ContainerStatus", field(1, id)), 1);
  return { state: int(s, 3), exitCode: int(s, 7) };
}

test("CRI: a pod with runtime handler tsrun runs through tsrun: exit code, logs, exec, resource update, stop, removal", T, async () => {
  const logDir = join(c.dir, "pod-logs");
  mkdirSync(logDir, { recursive: true });
  const pod = podConfig(`hello-${process.pid}`, logDir);
  const sb = await cri.call("RuntimeService/RunPodSandbox", Buffer.concat([field(1, pod), field(2, "tsrun")]));
  const sandbox = str(sb, 1);
  sandboxes.push(sandbox);
  const root = join(c.runcRoot, "k8s.io");
  const st = tsrun(["--root", root, "state", sandbox]);
  assert.equal(st.status, 0, `tsrun knows the pod's sandbox: ${st.stderr}`);
  assert.equal(JSON.parse(st.stdout).status, "running");

  // a container in the pod: it shares the sandbox's pid namespace (its pid 1 is the pause process)
  const cc = await cri.call("RuntimeService/CreateContainer", Buffer.concat([field(1, sandbox),
    field(2, containerConfig("hello", ["sh", "-c", 'echo "hello from tsrun"; echo "pid 1: $(cat /proc/1/cmdline | tr "\\0" " ")"; exit 3'], "hello.log")),
    field(3, pod)]));
  const hello = str(cc, 1);
  await cri.call("RuntimeService/StartContainer", field(1, hello));
  const done = await until("the container to exit", async () => { const s = await status(hello); return s.state === EXITED ? s : undefined; }, 30_000);
  assert.equal(done?.exitCode, 3);
  const log = readFileSync(join(logDir, "hello.log"), "utf8");
  assert.match(log, / stdout F hello from tsrun\n/);
  assert.match(log, / stdout F pid 1: sleep 1000000 \n/, "the container joined the pod's pid namespace");

  // a long-running container: exec (the kubelet's probes and `kubectl exec`), then stop
  const lc = await cri.call("RuntimeService/CreateContainer", Buffer.concat([field(1, sandbox),
    field(2, containerConfig("sleeper", ["sleep", "1000"], "sleeper.log")), field(3, pod)]));
  const sleeper = str(lc, 1);
  await cri.call("RuntimeService/StartContainer", field(1, sleeper));
  const ex = await cri.call("RuntimeService/ExecSync", Buffer.concat([field(1, sleeper), field(2, "sh"), field(2, "-c"), field(2, "echo exec out; echo exec err >&2; exit 2"), num(3, 30)]));
  assert.equal(str(ex, 1), "exec out\n");
  assert.equal(str(ex, 2), "exec err\n");
  assert.equal(int(ex, 3), 2);
  // a resize (the kubelet's UpdateContainerResources): the shim runs `tsrun update --resources -`
  await cri.call("RuntimeService/UpdateContainerResources", Buffer.concat([field(1, sleeper), field(2, num(4, 96 << 20))]));
  assert.equal(memoryLimit(sleeper), 96 << 20, "the new memory limit is in the container's cgroup");
  await cri.call("RuntimeService/StopContainer", Buffer.concat([field(1, sleeper), num(2, 1)]));
  assert.equal((await status(sleeper)).state, EXITED);

  for (const id of [hello, sleeper]) await cri.call("RuntimeService/RemoveContainer", field(1, id));
  await cri.call("RuntimeService/StopPodSandbox", field(1, sandbox));
  await cri.call("RuntimeService/RemovePodSandbox", field(1, sandbox));
  sandboxes.pop();
  for (const id of [sandbox, hello, sleeper]) assert.ok(!existsSync(join(root, id)), `tsrun state of ${id} is gone`);
});
