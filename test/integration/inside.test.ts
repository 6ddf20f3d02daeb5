// What a process inside the container sees: namespaces, mounts, identity, limits, fds.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, requireRoot } from "../helpers/harness.js";
import type { ConfigPatch } from "../helpers/rootfs.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

/** Run one helper command in a fresh container and return its stdout. */
function inside(args: string[], patch: ConfigPatch = {}, busybox = false): string {
  const b = h.bundle({ ...patch, process: { ...(patch.process as object ?? {}), args: [H, ...args] } }, { busybox });
  const id = h.id();
  const r = h.run(["run", "--bundle", b, id]);
  assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
  h.assertGone(id);
  return r.stdout;
}

test("namespaces: own hostname, pid 1, own mount table, loopback only", () => {
  assert.equal(inside(["hostname"], { hostname: "inside-host" }), "inside-host\n");
  assert.equal(inside(["pid"]), "1\n");
  const mounts = inside(["mounts"]).trim().split("\n");
  assert.equal(mounts[0], "/", "the rootfs is the container's /");
  for (const m of ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"]) assert.ok(mounts.includes(m), `${m} mounted: ${mounts}`);
  assert.ok(!mounts.some((m) => m.startsWith("/work") || m.startsWith("/tmp/tsrun-it")), "no host mount is visible");
  assert.equal(inside(["ls", "/sys/class/net"]), "lo\n");
});

test("default /dev: device nodes and links", () => {
  const ls = inside(["ls", "/dev"]).trim().split("\n");
  for (const d of ["null", "zero", "full", "random", "urandom", "tty", "ptmx", "fd", "stdin", "stdout", "stderr", "pts", "shm", "mqueue"]) {
    assert.ok(ls.includes(d), `/dev/${d} exists: ${ls}`);
  }
  assert.equal(inside(["stat", "/dev/null"]), "0 0 0666 chr\n");
  assert.equal(inside(["readlink", "/dev/ptmx"]), "pts/ptmx\n");
  assert.equal(inside(["readlink", "/dev/fd"]), "/proc/self/fd\n");
});

test("masked and read-only paths", () => {
  assert.equal(inside(["cat", "/proc/keys"]), "", "a masked file reads as /dev/null");
  assert.equal(inside(["ls", "/sys/firmware"]), "", "a masked dir is an empty tmpfs");
  const b = h.bundle({ process: { args: [H, "write", "/proc/sys/kernel/domainname", "x"] } });
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /EROFS/, "a read-only path refuses writes");
  const b2 = h.bundle({ process: { args: [H, "touch", "/newfile"] } });
  const r2 = h.run(["run", "--bundle", b2, h.id()]);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /EROFS/, "root.readonly makes / read-only");
});

test("user, groups, umask, capabilities, rlimits and no_new_privs", () => {
  const user = { process: { user: { uid: 1000, gid: 1001, additionalGids: [5, 6], umask: 0o027 } } };
  assert.equal(inside(["id"], user), "uid=1000 gid=1001 groups=5,6\n");
  assert.equal(inside(["umask"], user), "0027\n");
  const caps = inside(["caps"]);
  // CAP_KILL(5), CAP_NET_BIND_SERVICE(10), CAP_AUDIT_WRITE(29)
  const mask = ((1n << 5n) | (1n << 10n) | (1n << 29n)).toString(16).padStart(16, "0");
  assert.match(caps, new RegExp(`CapEff:\\t${mask}`));
  assert.match(caps, new RegExp(`CapBnd:\\t${mask}`));
  assert.match(caps, /CapInh:\t0000000000000000/);
  assert.equal(inside(["rlimit", "NOFILE"]), "1024 1024\n");
  assert.equal(inside(["rlimit", "NPROC"], { process: { rlimits: [{ type: "RLIMIT_NPROC", soft: 77, hard: 88 }] } }), "77 88\n");
  assert.equal(inside(["nnp"]), "1\n");
  assert.equal(inside(["nnp"], { process: { noNewPrivileges: false } }), "0\n");
});

test("only fds 0, 1 and 2 reach the container, and the cwd is inside the rootfs", () => {
  const fds = inside(["fds"]).trim().split("\n").map((l) => l.split(" -> ")[0]);
  assert.deepEqual(fds, ["0", "1", "2"]);
  assert.equal(inside(["cwd"]), "/\n");
  assert.equal(inside(["cwd"], { process: { cwd: "/tmp" }, root: { readonly: false } }), "/tmp\n");
  assert.equal(inside(["readlink", "/proc/self/cwd"], { process: { cwd: "/tmp" } }), "/tmp\n");
});

test("env and PATH lookup inside the container", () => {
  const out = inside(["printenv"], { process: { env: ["PATH=/bin", "FOO=bar"] } });
  assert.match(out, /^FOO=bar$/m);
  assert.match(out, /^HOME=\/root$/m, "HOME is set when the config has none");
  const b = h.bundle({ process: { args: ["tsrun-testhelper", "echo", "found on PATH"], env: ["PATH=/usr/bin:/bin"] } });
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.stdout, "found on PATH\n", r.stderr);
});
