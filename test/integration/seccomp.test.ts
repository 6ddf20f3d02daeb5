// linux.seccomp on real containers: podman's default profile, errno rules, argument filters,
// kill actions, both load positions, and a tight allowlist that tsrun itself must live with.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { repoRoot } from "../helpers/rootfs.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

const podmanSeccomp = JSON.parse(readFileSync(join(repoRoot, "spec-fixtures/clients/podman-config.json"), "utf8")).linux.seccomp;

/** Runs args in a fresh container with `seccomp`; returns the CLI result. */
function runWith(seccomp: unknown, args: string[], process: Record<string, unknown> = {}, busybox = false) {
  const b = h.bundle({ root: { readonly: false }, process: { args, ...process }, linux: { seccomp } }, { busybox });
  const id = h.id();
  const r = h.run(["run", "--bundle", b, id]);
  h.assertGone(id);
  return r;
}

const allowAllBut = (rules: unknown[]) => ({ defaultAction: "SCMP_ACT_ALLOW", syscalls: rules });

test("podman's default profile loads and a busybox container runs normally under it", () => {
  const script = "mkdir /tmp/d && echo hi > /tmp/d/f && cat /tmp/d/f && ls /tmp/d && id -u && sleep 0 && echo done";
  // podman leaves noNewPrivileges unset: the filter is loaded before the capabilities are dropped
  const r = runWith(podmanSeccomp, ["/bin/sh", "-c", script], { noNewPrivileges: false }, true);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "hi\nf\n0\ndone\n");
});

test("under podman's profile the filter is active: unshare is refused, kcmp is refused by the filter", () => {
  const b = h.bundle({ process: { args: [H, "seccomp-status"], noNewPrivileges: false }, linux: { seccomp: podmanSeccomp } });
  const id = h.id();
  assert.equal(h.run(["run", "--bundle", b, id]).stdout, "Seccomp:\t2\n");
  // unshare is allowed by the profile but the container lacks CAP_SYS_ADMIN; keyctl is
  // allowed by this (podman 4.3) profile, so it is only checked to work.
  assert.equal(runWith(podmanSeccomp, [H, "syscall", "unshare"], { noNewPrivileges: false }).stdout, "EPERM\n");
  assert.equal(runWith(podmanSeccomp, [H, "syscall", "keyctl"], { noNewPrivileges: false }).stdout, "ok\n");
  // kcmp of one's own fd works without privileges; only the profile's ERRNO(1) rule refuses it
  assert.equal(runWith(null, [H, "syscall", "kcmp"]).stdout, "ok\n");
  assert.equal(runWith(podmanSeccomp, [H, "syscall", "kcmp"], { noNewPrivileges: false }).stdout, "EPERM\n");
});

test("a profile denying unshare and keyctl refuses both inside, with its errno", () => {
  const p = allowAllBut([{ names: ["unshare", "keyctl"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }]);
  assert.equal(runWith(p, [H, "syscall", "unshare"]).stdout, "EACCES\n");
  assert.equal(runWith(p, [H, "syscall", "keyctl"]).stdout, "EACCES\n");
});

for (const nnp of [true, false]) {
  test(`deny mkdir with errnoRet 1: EPERM, everything else works (noNewPrivileges ${nnp}: ${nnp ? "loaded just before execve" : "loaded before caps are dropped"})`, () => {
    const p = allowAllBut([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }]);
    const r = runWith(p, ["/bin/sh", "-c", "mkdir /tmp/x; echo rc=$?; echo data > /tmp/f && cat /tmp/f && ls /tmp"], { noNewPrivileges: nnp }, true);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Operation not permitted/);
    assert.equal(r.stdout, "rc=1\ndata\nf\n");
  });
}

test("an argument filter: personality(0xffffffff) is allowed, other values are refused", () => {
  const p = {
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{ names: ["personality"], action: "SCMP_ACT_ERRNO", errnoRet: 1, args: [{ index: 0, value: 0xffffffff, op: "SCMP_CMP_NE" }] }],
  };
  assert.equal(runWith(p, [H, "syscall", "personality", "0xffffffff"]).stdout, "ok 0x00000000\n");
  assert.equal(runWith(p, [H, "syscall", "personality", "8"]).stdout, "EPERM\n");
  assert.equal(runWith(p, [H, "syscall", "personality", "0"]).stdout, "EPERM\n");
  // the same with MASKED_EQ: refuse any value with bit 0x8 (value = mask, valueTwo = datum)
  const m = {
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{ names: ["personality"], action: "SCMP_ACT_ERRNO", errnoRet: 22, args: [{ index: 0, value: 0x8, valueTwo: 0x8, op: "SCMP_CMP_MASKED_EQ" }] }],
  };
  assert.equal(runWith(m, [H, "syscall", "personality", "0x0"]).stdout, "ok 0x00000000\n");
  assert.equal(runWith(m, [H, "syscall", "personality", "0x8"]).stdout, "EINVAL\n");
});

test("SCMP_ACT_KILL_PROCESS kills the process: exit status 128+SIGSYS", () => {
  const p = allowAllBut([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL_PROCESS" }]);
  const r = runWith(p, [H, "syscall", "mkdir", "/tmp/x"]);
  assert.equal(r.status, 159, r.stderr);
  assert.equal(r.stdout, "");
});

test("an allowlist holding only what the process needs plus execve: tsrun makes no other syscall after loading", () => {
  // The helper's `echo` is a static binary: brk/arch_prctl/set_tid_address/... then write and exit.
  // Anything tsrun did after loading the filter (getcwd, close, fcntl, ...) would kill init.
  const needed = [
    "execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "readlink",
    "readlinkat", "mprotect", "getrandom", "newfstatat", "fstat", "write", "exit_group", "exit", "uname",
    "ioctl", "mmap", "munmap",
  ];
  const p = { defaultAction: "SCMP_ACT_KILL_PROCESS", syscalls: [{ names: needed, action: "SCMP_ACT_ALLOW" }] };
  const r = runWith(p, [H, "echo", "still", "alive"], { noNewPrivileges: true });
  assert.equal(r.status, 0, `status ${r.status}: ${r.stderr}`);
  assert.equal(r.stdout, "still alive\n");
});

test("without noNewPrivileges a tight allowlist kills tsrun's own setup: create says so in one line, leaves nothing", () => {
  // loaded before the capabilities are dropped, the filter also sees prctl, capset, setresuid, ...
  const p = { defaultAction: "SCMP_ACT_KILL_PROCESS", syscalls: [{ names: ["execve", "write", "exit_group"], action: "SCMP_ACT_ALLOW" }] };
  const b = h.bundle({ process: { args: [H, "echo", "hi"], noNewPrivileges: false }, linux: { seccomp: p } });
  const id = h.id();
  const r = h.run(["create", "--bundle", b, id]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.split("\n").length, 2, r.stderr);
  assert.match(r.stderr, /^container init exited during setup: killed by SIGSYS: the seccomp profile refuses a syscall tsrun makes after loading it/);
  h.assertGone(id);
});

test("a syscall newer than every syscall an ERRNO(EPERM) profile names gets ENOSYS, an older unnamed one EPERM", () => {
  // the profile names only syscalls up to getcwd (79) besides execve: mkdir (83) is newer, kcmp (312) too
  const p = { defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1, syscalls: [{ names: ["execve", "brk", "arch_prctl", "write", "exit_group", "mmap", "getcwd", "readlink", "uname", "mprotect", "ioctl", "fstat", "munmap"], action: "SCMP_ACT_ALLOW" }] };
  assert.equal(runWith(p, [H, "syscall", "kcmp"]).stdout, "ENOSYS\n");
  // getpid (39) is older than getcwd and unnamed: the profile's own EPERM
  const older = { ...p, syscalls: [{ ...p.syscalls[0], names: [...p.syscalls[0].names, "kcmp"] }] };
  assert.equal(runWith(older, [H, "syscall", "mkdir", "/tmp/x"]).stdout, "EPERM\n");
});
