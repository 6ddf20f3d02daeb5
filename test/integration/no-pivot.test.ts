// --no-pivot: MS_MOVE + chroot leaves the host's mounts in the container's mount namespace. runc
// detaches the host's whole proc and sysfs mounts first, so that a nested user + pid namespace finds no
// fully visible procfs and cannot mount a fresh, unmasked one; tsrun does the same (native/nopivot.c).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, requireRoot } from "../helpers/harness.js";

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

// runc's own check: CAP_SETFCAP lets the nested namespace map root (kernel ≥ 5.12)
const CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP"];
const caps = { bounding: CAPS, effective: CAPS, permitted: CAPS };

function runNoPivot(script: string): { status: number; stdout: string; stderr: string } {
  const b = h.bundle({ process: { args: ["/bin/sh", "-c", script], capabilities: caps } }, { busybox: true });
  const id = h.id();
  const r = h.run(["run", "--no-pivot", "--bundle", b, id]);
  h.assertGone(id);
  return r;
}

test("--no-pivot: a nested user and pid namespace cannot mount a fresh procfs (no bare /proc of the host is left)", () => {
  const r = runNoPivot("/bin/busybox unshare -mrpf /bin/sh -c 'mount -t proc none /proc && echo MOUNTED'");
  assert.notEqual(r.status, 0, `the mount must fail: ${r.stdout}${r.stderr}`);
  assert.doesNotMatch(r.stdout, /MOUNTED/);
  assert.match(r.stderr, /permission denied/i);
});

test("--no-pivot: the container keeps its own /proc and /sys, and the nested namespace itself still works", () => {
  const r = runNoPivot("cat /proc/self/comm; ls /sys/class >/dev/null && echo sys; /bin/busybox unshare -mrpf /bin/sh -c 'echo nested $$'");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "cat\nsys\nnested 1\n");
});

test("--no-pivot: the same attack through exec into a running container fails too", () => {
  const b = h.bundle({ process: { args: ["/bin/sleep", "1000"], capabilities: caps } }, { busybox: true });
  const id = h.id();
  h.ok(["run", "-d", "--no-pivot", "--bundle", b, id]);
  try {
    const r = h.run(["exec", "--cap", "CAP_SETFCAP", id, "/bin/busybox", "unshare", "-mrpf", "/bin/sh", "-c", "mount -t proc none /proc && echo MOUNTED"]);
    assert.notEqual(r.status, 0, `the mount must fail: ${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stdout, /MOUNTED/);
    assert.match(r.stderr, /permission denied/i);
  } finally {
    h.ok(["delete", "--force", id]);
  }
  h.assertGone(id);
});
