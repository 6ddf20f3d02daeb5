// SCMP_ACT_NOTIFY with listenerPath: a listener of our own (native/build/tsrun-seccomp-agent)
// receives the state and the listener fd from tsrun, and answers the container's mkdir.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { repoRoot } from "../helpers/rootfs.js";

const AGENT = join(repoRoot, "native", "build", "tsrun-seccomp-agent");
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Starts the agent on a fresh socket path; resolves once it listens. */
function startAgent(answer: string): { agent: ChildProcess; sock: string; out: string; exited: Promise<unknown> } {
  return startAgentAt(join(h.tmp, `agent${readdirSync(h.tmp).length}.sock`), answer);
}

/** Starts the agent on `sock` (a listenerPath a container already names); resolves once it listens. */
function startAgentAt(sock: string, answer: string): { agent: ChildProcess; sock: string; out: string; exited: Promise<unknown> } {
  const out = join(h.tmp, `agent${readdirSync(h.tmp).length}.json`);
  const agent = spawn(AGENT, [sock, out, answer], { stdio: ["ignore", "ignore", "inherit"] });
  const exited = once(agent, "exit");
  for (let i = 0; i < 500 && !existsSync(sock); i++) sleepMs(10);
  assert.ok(existsSync(sock), "the agent listens");
  return { agent, sock, out, exited };
}

const notifyMkdir = (listenerPath: string) => ({
  defaultAction: "SCMP_ACT_ALLOW",
  listenerPath,
  listenerMetadata: "tsrun-test-metadata",
  syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" }],
});

for (const nnp of [false, true]) {
  test(`the listener gets the state and the fd, and its answer is what mkdir returns (noNewPrivileges ${nnp})`, async () => {
    const { agent, sock, out, exited } = startAgent("errno:28");
    try {
      const b = h.bundle({
        root: { readonly: false },
        process: { args: ["/bin/sh", "-c", "mkdir /tmp/x; echo rc=$?; ls /tmp; echo end"], noNewPrivileges: nnp },
        linux: { seccomp: notifyMkdir(sock) },
        annotations: { "org.example.test": "yes" },
      }, { busybox: true });
      const id = h.id();
      const r = h.run(["run", "--bundle", b, id]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /No space left on device/);
      assert.equal(r.stdout, "rc=1\nend\n");
      await exited;
      assert.equal(agent.exitCode, 0, "the agent saw the filter go away and exited cleanly");
      const st = JSON.parse(readFileSync(out, "utf8"));
      assert.deepEqual(Object.keys(st), ["ociVersion", "fds", "pid", "metadata", "state"]);
      assert.deepEqual(st.fds, ["seccompFd"]);
      assert.equal(st.metadata, "tsrun-test-metadata");
      assert.equal(st.state.id, id);
      assert.equal(st.state.status, "creating");
      assert.equal(st.state.bundle, b);
      assert.equal(st.state.pid, st.pid);
      assert.deepEqual(st.state.annotations, { "org.example.test": "yes" });
      const log = readFileSync(`${out}.log`, "utf8").trim().split("\n");
      assert.equal(log.length, 1, `one notification (busybox mkdir uses mkdir, 83): ${log.join("; ")}`);
      assert.match(log[0], /^notify 83 pid \d+$/);
      h.assertGone(id);
    } finally {
      agent.kill("SIGKILL");
    }
  });
}

test("an answer of 0 makes mkdir report success without running it", async () => {
  const { agent, sock, exited } = startAgent("ok");
  try {
    const b = h.bundle({
      root: { readonly: false },
      process: { args: ["/bin/sh", "-c", "mkdir /tmp/x && echo made; ls /tmp; echo end"] },
      linux: { seccomp: notifyMkdir(sock) },
    }, { busybox: true });
    const r = h.run(["run", "--bundle", b, h.id()]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "made\nend\n");
    await exited;
  } finally {
    agent.kill("SIGKILL");
  }
});

test("an unreachable listener fails create with one clear line and leaves nothing", () => {
  const sock = join(h.tmp, "nobody-listens.sock");
  const b = h.bundle({ process: { args: ["/bin/tsrun-testhelper", "echo", "hi"] }, linux: { seccomp: notifyMkdir(sock) } });
  const id = h.id();
  const r = h.run(["create", "--bundle", b, id]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `failed to connect with seccomp agent specified in the seccomp profile: connect \`${sock}\`: ENOENT (no such file or directory)\n`);
  h.assertGone(id);
});

for (const nnp of [false, true]) {
  test(`exec into a container with SCMP_ACT_NOTIFY hands the exec's listener fd to the agent (noNewPrivileges ${nnp})`, async () => {
    const first = startAgent("errno:28");            // create's listener; it unlinks the socket once it has the fd
    let second: ReturnType<typeof startAgent> | undefined;
    try {
      const b = h.bundle({
        root: { readonly: false },
        process: { args: ["/bin/tsrun-testhelper", "pause"], noNewPrivileges: nnp },
        linux: { seccomp: notifyMkdir(first.sock) },
      }, { busybox: true });
      const id = h.id();
      h.ok(["run", "-d", "--bundle", b, id]);
      const initPid = h.state(id).pid;
      for (let i = 0; i < 500 && existsSync(first.sock); i++) sleepMs(10);
      assert.ok(!existsSync(first.sock), "create's agent took its fd");
      second = startAgentAt(first.sock, "errno:28");
      const r = h.run(["exec", id, "/bin/sh", "-c", "mkdir /tmp/y; echo rc=$?"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /No space left on device/);
      assert.equal(r.stdout, "rc=1\n");
      await second.exited;
      assert.equal(second.agent.exitCode, 0, "the exec's filter went away with the process");
      const st = JSON.parse(readFileSync(second.out, "utf8"));
      assert.deepEqual(st.fds, ["seccompFd"]);
      assert.equal(st.metadata, "tsrun-test-metadata");
      assert.equal(st.state.id, id);
      assert.equal(st.state.status, "running");
      assert.equal(st.state.pid, initPid);
      assert.ok(st.pid > 0 && st.pid !== initPid, `the exec'd process's pid: ${st.pid}`);
      assert.match(readFileSync(`${second.out}.log`, "utf8"), /^notify 83 pid \d+\n$/);
      assert.equal(readFileSync(`${first.out}.log`, "utf8"), "", "init's agent saw nothing of the exec");
      h.ok(["delete", "--force", id]);
      h.assertGone(id);
    } finally {
      first.agent.kill("SIGKILL");
      second?.agent.kill("SIGKILL");
    }
  });
}
