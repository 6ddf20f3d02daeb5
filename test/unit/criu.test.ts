// What tsrun asks criu to do for checkpoint and restore (pure; no root, no criu): the command lines
// (golden, they are criu's wire format), the externals runc's rules give for a config and a
// mountinfo, the stdio keys, the --cgroup-root values, the image's config check and criu's errors
// in one line. Regenerate the goldens after an intended change with: UPDATE_GOLDEN=1 npm run test:unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/rootfs.js";
import { parseSpec } from "../../src/spec/load.js";
import { dumpArgv, restoreArgv, criuErrorLine, parseCriuVersion, versionOk } from "../../src/criu/argv.js";
import {
  parseMounts, dumpMountExternals, restoreMountExternals, stdioKey, stdioExternals, parseDescriptors, joinedNamespaces,
  nsExternal, emptyNamespaces, cgroupRoots,
} from "../../src/criu/externals.js";
import { metaOf, mismatch, parseMeta } from "../../src/criu/image.js";
import { parseMountinfo } from "../../src/cgroup/mountinfo.js";
import { DEFAULT_DEVICES } from "../../src/plan/compile.js";

const DEVICES = DEFAULT_DEVICES.map(([p]) => p);

function golden(name: string, text: string): void {
  const file = join(repoRoot, "test", "golden", name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);      // never recreated silently: a missing golden fails
  assert.ok(existsSync(file), `golden ${file} is missing (UPDATE_GOLDEN=1 writes it, on purpose)`);
  assert.equal(text, readFileSync(file, "utf8"), `criu command line ${name} changed`);
}

const config = (extra: Record<string, unknown> = {}) => {
  const base = JSON.parse(readFileSync(join(repoRoot, "test", "helpers", "base-config.json"), "utf8"));
  base.mounts.push({ destination: "/data", type: "bind", source: "/srv/data", options: ["rbind", "rw"] },
    { destination: "/etc/conf", type: "none", source: "conf", options: ["bind", "ro"] },
    { destination: "/scratch", type: "tmpfs", source: "tmpfs" });
  return parseSpec(JSON.stringify({ ...base, ...extra }));
};

// the container's mount table as /proc/<init>/mountinfo shows it after create (taken in the qemu guest)
const MOUNTINFO = [
  "62 42 0:29 /e/b/rootfs / rw,nosuid,nodev,relatime - tmpfs tmpfs rw,inode64",
  "63 62 0:36 / /proc rw,relatime - proc proc rw",
  "64 62 0:37 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755,inode64",
  "68 62 0:40 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro",
  "70 62 0:29 /srv/data /data rw,nosuid,nodev,relatime - tmpfs tmpfs rw,inode64",
  "71 62 0:41 / /scratch rw,relatime - tmpfs tmpfs rw,size=1024k,inode64",
  "50 63 0:42 / /proc/acpi ro,relatime - tmpfs tmpfs ro,inode64",
  "51 63 0:37 /null /proc/kcore rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755,inode64",
  "52 63 0:37 /null /proc/keys rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755,inode64",
  "54 68 0:43 / /sys/firmware ro,relatime - tmpfs tmpfs ro,inode64",
  "",
].join("\n");

test("dump externals: each bind mount under its destination, masked files as /dev/null; masked dirs, tmpfs and paths the kernel lacks are criu's own", () => {
  const ext = dumpMountExternals(config(), parseMounts(MOUNTINFO), DEVICES);
  // /etc/conf is a bind in the config but not mounted in this table: criu is not told about it
  assert.deepEqual(ext, ["mnt[/data]:/data", "mnt[/proc/kcore]:/dev/null", "mnt[/proc/keys]:/dev/null"]);
});

test("restore externals: each dumped name mapped to the new config's source (a relative one from the bundle) and the host's /dev/null", () => {
  assert.deepEqual(restoreMountExternals(config(), "/bundles/b", DEVICES),
    ["mnt[/data]:/srv/data", "mnt[/etc/conf]:/bundles/b/conf", "mnt[/dev/null]:/dev/null"]);
});

test("in a user namespace the devices are binds of the host's nodes: each is external under its path", () => {
  const spec = config({ linux: { ...config().linux, namespaces: [{ type: "user" }, { type: "mount" }, { type: "pid" }],
    uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] } });
  const info = MOUNTINFO + "80 64 0:5 /null /dev/null rw,nosuid - devtmpfs udev rw\n81 64 0:5 /tty /dev/tty rw,nosuid - devtmpfs udev rw\n";
  const ext = dumpMountExternals(spec, parseMounts(info), DEVICES);
  assert.ok(ext.includes("mnt[/dev/null]:/dev/null") && ext.includes("mnt[/dev/tty]:/dev/tty"), ext.join(" "));
  assert.ok(!ext.some((e) => e.startsWith("mnt[/dev/zero]")), "a device that is not mounted is not named");
  const rext = restoreMountExternals(spec, "/b", DEVICES);
  assert.ok(DEVICES.every((d) => rext.includes(`mnt[${d}]:${d}`)), rext.join(" "));
});

test("stdio keys: a pipe is reconnected, a file outside the container's mounts is external, one inside is criu's", () => {
  const inside = new Set([62, 63, 64]);
  assert.equal(stdioKey("pipe:[4242]", 13, 4242, inside), "pipe:[4242]");
  assert.equal(stdioKey("/dev/null", 24, 4, inside), "file[18:4]");
  assert.equal(stdioKey("/tmp/run.err", 32, 43, inside), "file[20:2b]");
  assert.equal(stdioKey("/dev/pts/0", 64, 3, inside), undefined);
  assert.equal(stdioKey("socket:[77]", 9, 77, inside), undefined);
  const ds = [{ fd: 0, key: "file[18:4]" }, { fd: 1, key: "file[18:4]" }, { fd: 2, key: "pipe:[9]" }];
  assert.deepEqual(stdioExternals(ds), ["file[18:4]"]);
  assert.deepEqual(parseDescriptors(JSON.stringify([...ds, { fd: 5, key: "file[1:1]" }, { fd: 1, key: "mnt[/x]:/y" }])), ds);
});

test("namespaces joined by path: network and pid are external by inode (runc's keys); others are refused in one line", () => {
  const spec = config({ linux: { ...config().linux, namespaces: [{ type: "network", path: "/run/netns/a" }, { type: "pid" }, { type: "mount" }] } });
  assert.deepEqual(joinedNamespaces(spec, "checkpoint"), [{ type: "network", path: "/run/netns/a" }]);
  assert.equal(nsExternal("network", 4026532000), "net[4026532000]:extRootNetNS");
  assert.equal(nsExternal("pid", 12), "pid[12]:extRootPidNS");
  const ipc = config({ linux: { ...config().linux, namespaces: [{ type: "ipc", path: "/proc/1/ns/ipc" }, { type: "mount" }] } });
  assert.throws(() => joinedNamespaces(ipc, "checkpoint"), { message: "checkpoint: the ipc namespace joined by path (linux.namespaces: /proc/1/ns/ipc) cannot be checkpointed: criu takes only network and pid from outside" });
  assert.deepEqual(emptyNamespaces(["network"], "checkpoint"), ["net"]);
  assert.deepEqual(emptyNamespaces(undefined, "restore"), ["net"]);
  assert.throws(() => emptyNamespaces(["ipc"], "restore"), /restore: --empty-ns: namespace "ipc" is not supported \(only network\)/);
});

test("criu dump, pre-dump and restore command lines (golden)", () => {
  const common = { imagePath: "/img", workPath: "/work", emptyNs: ["net"] };
  const lines = [
    dumpArgv({ ...common, pid: 4321, freezeCgroup: "/sys/fs/cgroup/c1", externals: ["mnt[/data]:/data", "mnt[/proc/kcore]:/dev/null", "file[18:4]"] }),
    dumpArgv({ ...common, pid: 4321, leaveRunning: true, tcpEstablished: true, extUnixSk: true, shellJob: true, fileLocks: true,
      manageCgroupsMode: "full", autoDedup: true, parentPath: "../pre", externals: ["net[4026532000]:extRootNetNS"] }),
    dumpArgv({ ...common, pid: 4321, preDump: true, leaveRunning: true, externals: [] }),
    restoreArgv({ ...common, root: "/b/rootfs", pidFile: "/run/tsrun/c1/criu.pid", cgroupRoots: ["/c1"],
      externals: ["mnt[/data]:/srv/data", "mnt[/dev/null]:/dev/null"], inheritFds: [{ fd: 0, key: "file[18:4]" }, { fd: 3, key: "extRootNetNS" }] }),
    restoreArgv({ ...common, root: "/b/rootfs", pidFile: "/p", manageCgroupsMode: "ignore", fileLocks: true,
      cgroupRoots: ["memory:/user/c1", "pids:/user/c1"], externals: [], inheritFds: [] }),
  ];
  golden("criu.argv", lines.map((l) => l.map((a) => JSON.stringify(a)).join(" ")).join("\n") + "\n");
  assert.equal(lines[0][0], "dump");
  assert.ok(lines[1].includes("--manage-cgroups=full") && !lines[1].includes("full"), "the mode is attached: getopt takes an optional value only so");
  assert.ok(lines[2][0] === "pre-dump" && lines[2].includes("--track-mem") && !lines[2].includes("--leave-running"));
});

test("--cgroup-root: the container's cgroup as a path inside each hierarchy", () => {
  const v2 = parseMountinfo("30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  assert.deepEqual(cgroupRoots({ v2: "/sys/fs/cgroup/c1" }, v2), ["/c1"]);
  const hybrid = parseMountinfo([
    "30 1 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
    "31 1 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
    "32 1 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd",
  ].join("\n"));
  assert.deepEqual(cgroupRoots({ v2: "/sys/fs/cgroup/unified/a/c1", v1: { memory: "/sys/fs/cgroup/memory/a/c1", "name=systemd": "/sys/fs/cgroup/systemd/a/c1" } }, hybrid),
    ["/a/c1", "memory:/a/c1"]);
});

test("restore's config check: other namespaces, mounts or terminal than the checkpoint's are named in one line", () => {
  const saved = metaOf(config());
  assert.equal(mismatch(saved, config()), undefined);
  assert.deepEqual(parseMeta(JSON.stringify(saved)), saved);
  assert.equal(parseMeta("{}"), undefined);
  const noData = config();
  noData.mounts = noData.mounts!.filter((m) => m.destination !== "/data");
  assert.equal(mismatch(saved, noData), "mounts: the checkpoint's /data missing");
  const moreNs = config({ linux: { ...config().linux, namespaces: [...config().linux!.namespaces!, { type: "cgroup" }] } });
  assert.equal(mismatch(saved, moreNs), "linux.namespaces: the checkpoint has [ipc, mount, network, pid, uts], config.json has [cgroup, ipc, mount, network, pid, uts]");
});

test("criu's failure in one line: the error that ended it, without log positions or the probes it tolerates", () => {
  const check = "Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\nError (criu/vdso.c:613): vdso: Failed to fill self vdso symtable\n"
    + "Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.\nError (criu/crtools.c:260): Could not initialize kernel features detection.\n";
  assert.equal(criuErrorLine(check), "vdso: Unexpected rt vDSO area bounds");
  const log = "(01.96) Error (criu/tun.c:85): tun: Unable to create tun: No such file or directory\n(02.85) Info: x\n"
    + "(02.859424) Error (criu/files-reg.c:1710): Can't lookup mount=24 for fd=0 path=/dev/null\n(03.06) Error (criu/cr-dump.c:2053): Dumping FAILED.\n";
  assert.equal(criuErrorLine(log), "Can't lookup mount=24 for fd=0 path=/dev/null");
  assert.equal(criuErrorLine("(01.369428)      1: Error (criu/files-reg.c:2259): Can't open file fd/2 on restore: Device or resource busy\n"),
    "Can't open file fd/2 on restore: Device or resource busy");
  assert.equal(criuErrorLine("all fine\n"), undefined);
  assert.deepEqual(parseCriuVersion("Version: 3.17.1\n"), [3, 17, 1]);
  assert.deepEqual(parseCriuVersion("Version: 4.0\nGitID: v4.0"), [4, 0, 0]);
  assert.ok(versionOk([3, 17, 1]) && versionOk([4, 0, 0]) && !versionOk([3, 13, 0]) && !versionOk([2, 99, 0]));
});
