// Rootless podman drives tsrun: an unprivileged user (made here, with /etc/subuid and /etc/subgid
// ranges) runs `podman --runtime <tsrun>` with rootless storage and a local image. podman runs
// tsrun as uid 0 in its own user namespace; tsrun sees it is rootless, keeps its state under
// $XDG_RUNTIME_DIR/tsrun and uses no cgroup it cannot write.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { RootlessPodman } from "./harness/podman-rootless.js";
import { buildImage } from "./harness/image.js";
import { killStarted, until } from "./harness/proc.js";
import { giveTo } from "../helpers/rootless-user.js";

const T = { timeout: 180_000 };
let p: RootlessPodman;
let img: string;

before(async () => {
  assert.equal(process.getuid?.(), 0, "the e2e tier runs as root (it makes the rootless user)");
  p = new RootlessPodman();
  const tar = join(p.dir, "image.tar");
  img = buildImage(tar);
  giveTo(p.u, tar);
  const r = await p.podman(["load", "-i", tar], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `podman load as ${p.u.name}: ${r.stderr}`);
});

after(async () => {
  killStarted();
  await p?.cleanup();
});

const tsrunStates = (): string[] => { const d = join(p.u.xdg, "tsrun"); return existsSync(d) ? readdirSync(d) : []; };

test("rootless podman run --rm prints the output and exits 0; tsrun's state went to $XDG_RUNTIME_DIR/tsrun and is gone", T, async () => {
  const r = await p.podman(["run", "--rm", img, "echo", "hello"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "hello\n");
  assert.ok(existsSync(join(p.u.xdg, "tsrun")), "tsrun's state root is under the user's XDG_RUNTIME_DIR");
  assert.deepEqual(tsrunStates(), []);
});

test("inside, the process is root of a user namespace that maps to the user on the host", T, async () => {
  const r = await p.podman(["run", "--rm", img, "sh", "-c", "id -u; cat /proc/self/uid_map"]);
  assert.equal(r.code, 0, r.stderr);
  const [uid, first] = r.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/).join(" "));
  assert.equal(uid, "0");
  assert.equal(first, `0 ${p.u.uid} 1`);
});

test("rootless podman run -d, exec, stop and rm: the container runs, answers exec, stops with its exit status, leaves nothing", T, async () => {
  const name = p.name("d");
  const r = await p.podman(["run", "-d", "--name", name, img, "sh", "-c", 'trap "exit 3" TERM; echo started; while :; do sleep 1; done']);
  assert.equal(r.code, 0, r.stderr);
  await until(`${name} to run`, async () => (await p.podman(["inspect", "--format", "{{.State.Status}}", name])).stdout.trim() === "running");
  assert.equal(tsrunStates().length, 1, "tsrun keeps the running container's state under $XDG_RUNTIME_DIR/tsrun");
  const e = await p.podman(["exec", name, "sh", "-c", "echo from-exec; id -u"]);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(e.stdout, "from-exec\n0\n");
  const s = await p.podman(["stop", "--time", "10", name]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal((await p.podman(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name])).stdout.trim(), "exited 3");
  const logs = await p.podman(["logs", name]);
  assert.equal(logs.stdout, "started\n");
  assert.equal((await p.podman(["rm", name])).code, 0);
  assert.deepEqual(tsrunStates(), []);
});

test("a failing command: podman reports tsrun's error and exits 127", T, async () => {
  const r = await p.podman(["run", "--rm", img, "/no/such/binary"]);
  assert.equal(r.code, 127, r.stderr);
  assert.match(r.stderr, /no\/such\/binary/);
  assert.deepEqual(tsrunStates(), []);
});
