// podman drives tsrun: `podman --runtime <tsrun>` with conmon, on private storage and a private
// containers.conf (see harness/podman.ts), with an image built locally from busybox-static.
// Every scenario checks what a podman user sees: exit codes, output, errors, container state.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Podman } from "./harness/podman.js";
import { buildImage } from "./harness/image.js";
import { cmd, killStarted, until } from "./harness/proc.js";
import { inPty } from "./harness/pty.js";
import { TSRUN } from "../helpers/cli.js";

const T = { timeout: 120_000 };
let p: Podman;
let img: string;

before(async () => {
  assert.equal(process.getuid?.(), 0, "the e2e tier runs as root (podman with its own storage)");
  const v = await cmd("podman", ["--version"]).catch((e: Error) => ({ code: -1, stdout: "", stderr: String(e) }));
  assert.equal(v.code, 0, `podman is missing (apt-get install podman conmon): ${v.stderr}`);
  p = new Podman();
  img = buildImage(join(p.dir, "image.tar"));
  const r = await p.podman(["load", "-i", join(p.dir, "image.tar")], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `podman load: ${r.stderr}`);
});

after(async () => {
  killStarted();
  await p?.cleanup();
});

const run = (args: string[], opts: { input?: string } = {}) => p.podman(["run", "--rm", ...args], { timeoutMs: 60_000, ...opts });

/** `podman inspect --format` of one field. */
async function inspect(name: string, format: string): Promise<string> {
  const r = await p.podman(["inspect", "--format", format, name]);
  assert.equal(r.code, 0, `podman inspect ${name}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The STATUS column of `podman ps -a` for one container ("" when it is not listed). */
async function psStatus(name: string): Promise<string> {
  const r = await p.podman(["ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.Status}}"]);
  assert.equal(r.code, 0, `podman ps: ${r.stderr}`);
  return r.stdout.trim();
}

/** A detached container that ignores SIGTERM, as many real services do by accident. */
async function detached(name: string, extra: string[] = []): Promise<string> {
  const r = await p.podman(["run", "-d", "--name", name, ...extra, img, "sh", "-c", 'trap "" TERM; echo started; while :; do sleep 1; done']);
  assert.equal(r.code, 0, `podman run -d: ${r.stderr}`);
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  await until(`${name} to run`, async () => (await inspect(name, "{{.State.Status}}")) === "running");
  return id;
}

/** tsrun state dirs (under its default root) of containers whose bundle is in this podman's storage. */
function ourTsrunStates(): string[] {
  if (!existsSync("/run/tsrun")) return [];
  return readdirSync("/run/tsrun").filter((id) => {
    try { return readFileSync(join("/run/tsrun", id, "state.json"), "utf8").includes(p.dir); } catch { return false; }
  });
}

/** tsrun keeps nothing of a removed container in its default state root (podman passes no --root). */
function assertNoTsrunState(id: string): void {
  assert.ok(!existsSync(join("/run/tsrun", id)), `tsrun state of ${id} left in /run/tsrun`);
}

test("podman info names tsrun as the OCI runtime, with runc's --version shape", T, async () => {
  const r = await p.podman(["info", "--format", "{{.Host.OCIRuntime.Path}}\n{{.Host.OCIRuntime.Version}}"]);
  assert.equal(r.code, 0, r.stderr);
  const [path, ...version] = r.stdout.trim().split("\n");
  assert.equal(path, TSRUN);
  // runc's shape: "<name> version X.Y.Z", "commit: ...", "spec: 1.x.y"
  assert.match(version[0], /^\S+ version \d+\.\d+\.\d+/);
  assert.match(version.join("\n"), /^commit: \S+$/m);
  assert.match(version.join("\n"), /^spec: 1\.\d+\.\d+$/m);
});

test("run --rm true exits 0 and leaves no container behind", T, async () => {
  const name = p.name("true");
  const r = await run(["--name", name, img, "true"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(await psStatus(name), "");
});

test("run --rm passes the container's exit code 3 through", T, async () => {
  const r = await run([img, "sh", "-c", "exit 3"]);
  assert.equal(r.code, 3, r.stderr);
});

test("a missing command: podman exits 127 and shows tsrun's error text", T, async () => {
  const r = await run([img, "no-such-command"]);
  assert.equal(r.code, 127, r.stderr);
  assert.match(r.stderr, /executable file not found in \$PATH/);
  assert.match(r.stderr, /no-such-command/);
  assert.ok(r.stderr.includes(TSRUN), `the runtime is named in: ${r.stderr}`);
  const abs = await run([img, "/bin/no-such-file"]);
  assert.equal(abs.code, 127, abs.stderr);
  assert.match(abs.stderr, /no such file or directory/);
});

test("a create that fails in tsrun: podman exits 126 with tsrun's one-line error, and keeps nothing", T, async () => {
  const name = p.name("fail");
  // above fs.nr_open: the kernel refuses it even to root
  const r = await run(["--name", name, "--ulimit", "nofile=2000000:2000000", img, "true"]);
  assert.equal(r.code, 126, r.stderr);
  assert.match(r.stderr, /setrlimit RLIMIT_NOFILE: EPERM \(operation not permitted\) \(op \d+\)/);
  assert.ok(r.stderr.includes(TSRUN), r.stderr);
  assert.equal(await psStatus(name), "");
  assert.deepEqual(ourTsrunStates(), [], "no tsrun state of this podman's containers is left");
});

test("stdout and stderr are captured, stdin reaches the container with -i", T, async () => {
  const r = await run(["-i", img, "sh", "-c", 'echo to stdout; echo to stderr >&2; read l; echo "read: $l"'], { input: "from stdin\n" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "to stdout\nread: from stdin\n");
  assert.match(r.stderr, /to stderr/);
});

test("env, workdir and --user reach the process", T, async () => {
  const r = await run(["-e", "GREETING=hello there", "-w", "/tmp", "--user", "1000:1000", img, "sh", "-c", 'echo "$GREETING"; pwd; id -u; id -g']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "hello there\n/tmp\n1000\n1000\n");
});

test("run -d, exec (output, exit code, missing binary), ps and inspect, logs", T, async () => {
  const name = p.name("d");
  const id = await detached(name);
  assert.match(await psStatus(name), /^Up /);
  const pid = Number(await inspect(name, "{{.State.Pid}}"));
  assert.ok(pid > 1 && existsSync(`/proc/${pid}`), `inspect shows a live pid (${pid})`);
  const ex = await p.podman(["exec", name, "sh", "-c", "echo from exec; exit 5"]);
  assert.equal(ex.code, 5, ex.stderr);
  assert.equal(ex.stdout, "from exec\n");
  const env = await p.podman(["exec", "-e", "X=1", "-w", "/tmp", "-u", "1000", name, "sh", "-c", 'echo "$X $(pwd) $(id -u)"']);
  assert.equal(env.stdout, "1 /tmp 1000\n", env.stderr);
  const missing = await p.podman(["exec", name, "no-such-command"]);
  assert.equal(missing.code, 127, missing.stderr);
  assert.match(missing.stderr, /executable file not found/);
  const bg = await p.podman(["exec", "-d", name, "sleep", "100"]);
  assert.equal(bg.code, 0, bg.stderr);
  const ps = await p.podman(["exec", name, "ps", "-o", "args"]);
  assert.match(ps.stdout, /sleep 100/, "the detached exec runs in the container");
  const logs = await p.podman(["logs", name]);
  assert.match(logs.stdout, /started/);
  const rm = await p.podman(["rm", "-f", "-t", "0", name]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(await psStatus(name), "");
  assertNoTsrunState(id);
});

test("stop -t 1 kills a container that ignores SIGTERM; restart runs it again; rm -f removes it", T, async () => {
  const name = p.name("stop");
  const id = await detached(name);
  const stop = await p.podman(["stop", "-t", "1", name]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stderr, /resorting to SIGKILL/);
  assert.equal(await inspect(name, "{{.State.Status}}"), "exited");
  assert.equal(await inspect(name, "{{.State.ExitCode}}"), "137");
  assert.match(await psStatus(name), /^Exited \(137\)/);
  const start = await p.podman(["start", name]);
  assert.equal(start.code, 0, start.stderr);
  assert.equal(await inspect(name, "{{.State.Status}}"), "running");
  const pid1 = await inspect(name, "{{.State.Pid}}");
  const restart = await p.podman(["restart", "-t", "1", name]);
  assert.equal(restart.code, 0, restart.stderr);
  assert.equal(await inspect(name, "{{.State.Status}}"), "running");
  assert.notEqual(await inspect(name, "{{.State.Pid}}"), pid1, "restart made a new init");
  const ex = await p.podman(["exec", name, "echo", "after restart"]);
  assert.equal(ex.stdout, "after restart\n", ex.stderr);
  const rm = await p.podman(["rm", "-f", name]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(await psStatus(name), "");
  assertNoTsrunState(id);
});

test("a container that stops by itself shows as exited with its code; kill and rm of it work", T, async () => {
  const name = p.name("exit");
  const r = await p.podman(["run", "-d", "--name", name, img, "sh", "-c", "exit 7"]);
  assert.equal(r.code, 0, r.stderr);
  const w = await p.podman(["wait", name]);
  assert.equal(w.stdout.trim(), "7", w.stderr);
  assert.equal(await inspect(name, "{{.State.Status}}"), "exited");
  const kill = await p.podman(["kill", name]);
  assert.notEqual(kill.code, 0, "kill of a stopped container fails");
  assert.match(kill.stderr, /can only kill running containers/);
  const rm = await p.podman(["rm", name]);
  assert.equal(rm.code, 0, rm.stderr);
});

test("pause and unpause: ps and inspect show it, exec is refused while paused", T, async () => {
  const name = p.name("pause");
  await detached(name);
  const pause = await p.podman(["pause", name]);
  assert.equal(pause.code, 0, pause.stderr);
  assert.equal(await inspect(name, "{{.State.Status}} {{.State.Paused}}"), "paused true");
  assert.match(await psStatus(name), /^Paused/);
  const ex = await p.podman(["exec", name, "true"]);
  assert.notEqual(ex.code, 0, "exec into a paused container is refused");
  const unpause = await p.podman(["unpause", name]);
  assert.equal(unpause.code, 0, unpause.stderr);
  assert.equal(await inspect(name, "{{.State.Status}} {{.State.Paused}}"), "running false");
  const after = await p.podman(["exec", name, "echo", "thawed"]);
  assert.equal(after.stdout, "thawed\n", after.stderr);
  await p.podman(["rm", "-f", "-t", "0", name]);
});

test("run -t: the process gets a terminal, its output and exit code come back", T, async () => {
  const r = await inPty(`${p.podmanEnvLine()} run --rm -t ${img} sh -c 'tty; test -t 0 && echo stdin-is-a-tty; exit 4'`, { env: p.clientEnv });
  assert.equal(r.code, 4, r.stdout + r.stderr);
  assert.match(r.stdout, /\/dev\/pts\/\d+/);
  assert.match(r.stdout, /stdin-is-a-tty/);
  // -it: what the user types reaches the shell, its answers and exit code come back
  const it = await inPty(`${p.podmanEnvLine()} run --rm -it ${img} sh`, { env: p.clientEnv, input: "echo typed-$((1+2))\nexit 7\n" });
  assert.equal(it.code, 7, it.stdout + it.stderr);
  assert.match(it.stdout, /^typed-3\r?$/m);
});

test("podman's default seccomp profile is enforced, and seccomp=unconfined turns it off", T, async () => {
  const st = await run([img, "grep", "^Seccomp:", "/proc/self/status"]);
  assert.equal(st.stdout.replace(/\s+/g, " ").trim(), "Seccomp: 2", st.stderr);
  // kcmp is refused with EPERM by podman's profile (it needs CAP_SYS_PTRACE there)
  const blocked = await run([img, "tsrun-testhelper", "syscall", "kcmp"]);
  assert.equal(blocked.stdout.trim(), "EPERM", blocked.stderr);
  assert.equal(blocked.code, 1);
  const allowed = await run(["--security-opt", "seccomp=unconfined", img, "tsrun-testhelper", "syscall", "kcmp"]);
  assert.equal(allowed.stdout.trim(), "ok", allowed.stderr);
  const normal = await run([img, "sh", "-c", "echo ok | cat; ls / >/dev/null && echo ls-ok"]);
  assert.equal(normal.stdout, "ok\nls-ok\n", "ordinary programs run under the profile");
});

/** "Max open files  1024  1024  files" -> [soft, hard] */
function limit(limits: string, what: string): [string, string] {
  const line = limits.split("\n").find((l) => l.startsWith(what));
  assert.ok(line, `${what} in /proc/self/limits:\n${limits}`);
  const f = line.slice(what.length).trim().split(/\s+/);
  return [f[0], f[1]];
}

test("rlimits: podman's default_ulimits and --ulimit are what the process sees", T, async () => {
  const d = await run([img, "cat", "/proc/self/limits"]);
  assert.equal(d.code, 0, d.stderr);
  // the defaults the harness's containers.conf gives (default_ulimits)
  assert.deepEqual(limit(d.stdout, "Max open files"), ["1024", "1024"]);
  assert.deepEqual(limit(d.stdout, "Max processes"), ["1024", "1024"]);
  const u = await run(["--ulimit", "nofile=512:768", "--ulimit", "nproc=500:600", img, "cat", "/proc/self/limits"]);
  assert.equal(u.code, 0, u.stderr);
  assert.deepEqual(limit(u.stdout, "Max open files"), ["512", "768"]);
  assert.deepEqual(limit(u.stdout, "Max processes"), ["500", "600"]);
});

test("bind mounts with -v: read-write and :ro", T, async () => {
  const vol = join(p.dir, "vol");
  mkdirSync(vol, { recursive: true });
  writeFileSync(join(vol, "in"), "from the host\n");
  const rw = await run(["-v", `${vol}:/data`, img, "sh", "-c", "cat /data/in; echo from the container > /data/out"]);
  assert.equal(rw.code, 0, rw.stderr);
  assert.equal(rw.stdout, "from the host\n");
  assert.equal(readFileSync(join(vol, "out"), "utf8"), "from the container\n");
  const ro = await run(["-v", `${vol}:/data:ro`, img, "sh", "-c", "cat /data/in; echo x > /data/nope"]);
  assert.notEqual(ro.code, 0);
  assert.equal(ro.stdout, "from the host\n");
  assert.match(ro.stderr, /Read-only file system/);
  assert.ok(!existsSync(join(vol, "nope")));
  // --mount with bind-propagation makes podman ask for rootfsPropagation "rslave"
  const prop = await run(["--mount", `type=bind,src=${vol},dst=/data,bind-propagation=rslave`, img, "cat", "/data/in"]);
  assert.equal(prop.stdout, "from the host\n", prop.stderr);
});

test("--pids-limit and --memory: the container sees its own limits under /sys/fs/cgroup, read-only", T, async () => {
  const r = await run(["--pids-limit", "50", "--memory", "64m", img, "sh", "-c",
    "cat /sys/fs/cgroup/pids/pids.max; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; touch /sys/fs/cgroup/x 2>&1; ls /sys/fs/cgroup | grep -c libpod_parent"]);
  assert.equal(r.stdout.split("\n")[0], "50", r.stderr);
  assert.equal(r.stdout.split("\n")[1], "67108864");
  assert.match(r.stdout, /Read-only file system/);
  assert.match(r.stdout, /\n0\n$/, "no other container's cgroups are visible");
  // the limit is enforced: the 11th process cannot be forked
  const bomb = await run(["--pids-limit", "10", img, "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do sleep 2 & done; echo spawned"]);
  assert.notEqual(bomb.code, 0);
  assert.match(bomb.stderr, /can't fork: Resource temporarily unavailable/);
  assert.doesNotMatch(bomb.stdout, /spawned/);
});

test("--read-only: / refuses writes, the tmpfs mounts podman adds work and keep the image's files", T, async () => {
  const r = await run(["--read-only", img, "sh", "-c", "touch /x 2>&1; echo w > /tmp/y && cat /tmp/y; echo w > /run/r && echo run-ok; echo w > /var/tmp/z && echo var-tmp-ok"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Read-only file system/);
  assert.match(r.stdout, /^w$/m);
  assert.match(r.stdout, /run-ok/);
  assert.match(r.stdout, /var-tmp-ok/);
  // --tmpfs copies what the image has there into the new tmpfs (podman's tmpcopyup option)
  const t = await run(["--read-only", "--tmpfs", "/etc", img, "sh", "-c", "head -1 /etc/passwd; echo x > /etc/new && echo etc-writable"]);
  assert.equal(t.stdout, "root:x:0:0:root:/root:/bin/sh\netc-writable\n", t.stderr);
});

test("--init: podman's catatonit is pid 1, the command is its child, exit codes and stop pass through", T, async () => {
  assert.ok(existsSync("/usr/libexec/podman/catatonit"), "podman --init needs catatonit: apt-get install catatonit");
  const r = await run(["--init", img, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; exit 5"]);
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stdout, /^\/run\/podman-init -- sh -c/);
  const name = p.name("init");
  const d = await p.podman(["run", "-d", "--init", "--name", name, img, "sleep", "1000"]);
  assert.equal(d.code, 0, d.stderr);
  const stop = await p.podman(["stop", "-t", "10", name]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.doesNotMatch(stop.stderr, /resorting to SIGKILL/, "catatonit passes SIGTERM on to sleep");
  assert.equal(await inspect(name, "{{.State.ExitCode}}"), "143");
  await p.podman(["rm", "-f", name]);
});

test("--privileged, --cap-drop ALL and --device: capabilities and device nodes as podman asks", T, async () => {
  const mnt = "mount -t tmpfs none /tmp && echo mounted";
  const priv = await run(["--privileged", img, "sh", "-c", mnt]);
  assert.equal(priv.stdout, "mounted\n", priv.stderr);
  const plain = await run([img, "sh", "-c", mnt]);
  assert.notEqual(plain.code, 0, "without --privileged, mount is refused");
  assert.match(plain.stderr, /permission denied/i);
  const none = await run(["--cap-drop", "ALL", img, "grep", "CapEff", "/proc/self/status"]);
  assert.match(none.stdout, /CapEff:\s+0000000000000000/, none.stderr);
  const dev = await run(["--device", "/dev/fuse", img, "stat", "-c", "%F %t:%T %a", "/dev/fuse"]);
  assert.equal(dev.code, 0, dev.stderr);
  assert.equal(dev.stdout.trim(), "character special file a:e5 666");
});
