// A container with no mount namespace in linux.namespaces shares tsrun's (the spec: a namespace
// that is not listed is inherited). It is chrooted into a bind of its rootfs on a directory of its
// own (<root>/<id>/rootfs) in the host's namespace, where its mounts live; they are gone after
// delete; "/" of the host, the bundle's rootfs and other containers sharing it are not touched.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readlinkSync, realpathSync, writeFileSync, existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

const NO_MNT = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "network" }];

/** mountinfo lines of this process's namespace (= the host's for these tests) */
function mountinfo(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").trim().split("\n");
}
function mountsUnder(dir: string): string[] {
  return mountinfo().map((l) => l.split(" ")[4]).filter((mp) => mp === dir || mp.startsWith(dir + "/"));
}
/** where a container without a mount namespace has its root: a directory in its state dir */
function ctRoot(id: string): string {
  return join(realpathSync(h.root), id, "rootfs");
}
/** mounts of the container (at its root) and anything on the bundle's rootfs itself */
function leftFor(id: string, b: string): string[] {
  return [...mountsUnder(ctRoot(id)), ...mountsUnder(join(b, "rootfs"))];
}
function rootLine(): string {
  return mountinfo().find((l) => l.split(" ")[4] === "/")!;
}

test("without a mount namespace the container shares tsrun's, is chrooted in its own bind of the rootfs, and delete removes its mounts", () => {
  const b = h.bundle({ process: { args: [H, "pause"] }, linux: { namespaces: NO_MNT, maskedPaths: null, readonlyPaths: null } });
  const rootfs = join(b, "rootfs");
  const id = h.id("nomnt");
  const hostRoot = rootLine();
  h.ok(["create", "--bundle", b, id]);
  const pid = h.state(id).pid;
  assert.equal(readlinkSync(`/proc/${pid}/ns/mnt`), readlinkSync("/proc/self/ns/mnt"), "init is in the runtime's mount namespace");
  const root = ctRoot(id);
  assert.equal(readlinkSync(`/proc/${pid}/root`), root, "init's root is its bind of the rootfs (chroot, not pivot_root)");
  assert.notEqual(readlinkSync(`/proc/${pid}/ns/uts`), readlinkSync("/proc/self/ns/uts"), "the listed namespaces are still new");
  assert.ok(mountsUnder(root).includes(join(root, "proc")), "the configured mounts are made on the container's root");
  assert.deepEqual(mountsUnder(rootfs), [], "nothing is mounted on the bundle's rootfs itself");
  assert.equal(rootLine(), hostRoot, "the host's / (and its propagation) is untouched");
  h.ok(["start", id]);

  const ls = h.ok(["exec", id, H, "ls", "/"]).stdout.split("\n");
  assert.ok(ls.includes("bin") && ls.includes("proc") && !ls.includes("usr"), `exec runs in the container's root: ${ls.join(" ")}`);
  assert.equal(h.ok(["exec", id, H, "readlink", "/proc/self/root"]).stdout, "/\n");
  const w = h.run(["exec", id, H, "write", "/x", "y"]);
  assert.equal(w.status, 1);
  assert.match(w.stderr, /EROFS/, "root.readonly holds without a mount namespace too");

  h.ok(["delete", "--force", id]);
  assert.deepEqual(leftFor(id, b), [], "no mount of the container is left on the host");
  assert.equal(rootLine(), hostRoot);
  writeFileSync(join(rootfs, "after"), "x");              // the rootfs is writable again on the host
  h.assertGone(id);
});

test("without a mount namespace a failed create leaves no mount behind", () => {
  const b = h.bundle({ process: { args: ["/bin/does-not-exist"] }, linux: { namespaces: NO_MNT, maskedPaths: null, readonlyPaths: null } });
  const id = h.id("nomnt");
  const r = h.run(["create", "--bundle", b, id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /does-not-exist/);
  assert.deepEqual(leftFor(id, b), []);
  h.assertGone(id);
});

test("without a mount namespace a rootfs named through a symlink is cleaned up as well", () => {
  const b = h.bundle({ process: { args: [H, "pause"] }, linux: { namespaces: NO_MNT, maskedPaths: null, readonlyPaths: null } });
  symlinkSync("rootfs", join(b, "rootlink"));
  const cfg = JSON.parse(readFileSync(join(b, "config.json"), "utf8"));
  cfg.root.path = "rootlink";
  writeFileSync(join(b, "config.json"), JSON.stringify(cfg));
  const id = h.id("nomnt");
  h.ok(["create", "--bundle", b, id]);
  assert.ok(mountsUnder(ctRoot(id)).length > 0, "the mounts are there while the container exists");
  h.ok(["delete", "--force", id]);
  assert.deepEqual(leftFor(id, b), []);
  h.assertGone(id);
});

test("without a mount namespace, delete --force after tsrun was killed mid-create removes the mounts", () => {
  const b = h.bundle({ process: { args: [H, "pause"] }, linux: { namespaces: NO_MNT, maskedPaths: null, readonlyPaths: null } });
  const id = h.id("nomnt");
  const r = h.run(["create", "--bundle", b, id], { env: { ...process.env, TSRUN_FAULT: "create-after-ready" } });
  assert.notEqual(r.status, 0, "tsrun killed itself at the fault point");
  assert.ok(mountsUnder(ctRoot(id)).length > 0, "the killed create left its mounts");
  h.ok(["delete", "--force", id]);
  assert.deepEqual(leftFor(id, b), []);
  h.assertGone(id);
});

test("without a mount namespace, two containers on one rootfs keep their own mounts: deleting one leaves the other whole", () => {
  const b = h.bundle({ process: { args: [H, "pause"] }, linux: { namespaces: NO_MNT, maskedPaths: null, readonlyPaths: null } });
  const [a, c] = [h.id("nomnt"), h.id("nomnt")];
  h.ok(["create", "--bundle", b, a]);
  h.ok(["create", "--bundle", b, c]);
  const cMounts = mountsUnder(ctRoot(c));
  assert.ok(cMounts.includes(join(ctRoot(c), "proc")), "the second container has its own mounts");
  h.ok(["delete", "--force", a]);
  assert.deepEqual(mountsUnder(ctRoot(c)), cMounts, "deleting the first container left the second one's mounts alone");
  h.ok(["start", c]);
  assert.equal(h.ok(["exec", c, H, "readlink", "/proc/self/root"]).stdout, "/\n", "the second container still runs in its root");
  h.ok(["delete", "--force", c]);
  assert.deepEqual([...leftFor(a, b), ...leftFor(c, b)], [], "nothing of either is left");
  h.assertGone(a);
  h.assertGone(c);
});

test("without a mount namespace, settings that need one are refused with one line and no leftovers", () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ linux: { namespaces: NO_MNT } }, /^config\.json: linux\.maskedPaths: .*without a mount namespace/],
    [{ linux: { namespaces: NO_MNT, maskedPaths: null } }, /^config\.json: linux\.readonlyPaths: .*without a mount namespace/],
    [{ linux: { namespaces: NO_MNT, maskedPaths: null, readonlyPaths: null, rootfsPropagation: "shared" } }, /^config\.json: linux\.rootfsPropagation: /],
    [{
      linux: {
        namespaces: [...NO_MNT, { type: "user" }], maskedPaths: null, readonlyPaths: null,
        uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      },
    }, /^config\.json: linux\.namespaces: a new user namespace cannot mount/],
  ];
  for (const [patch, re] of cases) {
    const b = h.bundle(patch);
    const id = h.id("nomnt");
    const r = h.run(["create", "--bundle", b, id]);
    assert.ok(oneLineError(r), r.stderr);
    assert.match(r.stderr, re);
    assert.deepEqual(leftFor(id, b), []);
    assert.ok(!existsSync(join(h.root, id)));
    h.assertGone(id);
  }
});
