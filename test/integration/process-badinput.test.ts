// Bad input for mounts, idmaps, capabilities, rlimits and LSMs: one clear line, nothing left behind.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";
import { mountsConcerning } from "../helpers/leftovers.js";

let h: Harness;
let mountsBefore: string[];
// a leaked mount would be under our tmp dir or on the configs' /mnt (bound from /tmp): not other suites' mounts
const ours = (): string[] => mountsConcerning([h.tmp, "/mnt"]);
before(() => { requireRoot(); h = new Harness(); mountsBefore = ours(); });
after(() => h.cleanup());

const cases: Array<[string, Record<string, unknown>, RegExp]> = [
  ["unknown mount option", { mounts: [{ destination: "/mnt", type: "bind", source: "/tmp", options: ["rbind", "bogus"] }] },
    /^config\.json: mounts\[\d+\]\.options: unknown mount option "bogus" for a bind mount$/m],
  ["invalid idmap", { linux: { namespaces: [{ type: "pid" }, { type: "mount" }, { type: "user" }], uidMappings: [{ containerID: 0, hostID: 100000, size: 0 }] } },
    /^config\.json: linux\.uidMappings\[0\]\.size: must be at least 1$/m],
  ["overlapping idmap", { linux: { namespaces: [{ type: "pid" }, { type: "mount" }, { type: "user" }], gidMappings: [{ containerID: 0, hostID: 100000, size: 10 }, { containerID: 5, hostID: 200000, size: 10 }] } },
    /^config\.json: linux\.gidMappings\[1\]: containerID range overlaps linux\.gidMappings\[0\]$/m],
  ["unknown capability", { process: { capabilities: { bounding: ["CAP_NOPE"] } } },
    /^config\.json: process\.capabilities\.bounding\[0\]: unknown capability "CAP_NOPE"$/m],
  ["idmapped mount without maps", { mounts: [{ destination: "/mnt", type: "bind", source: "/tmp", options: ["rbind", "idmap"] }] },
    /^config\.json: mounts\[0\]: an idmapped mount needs uidMappings and gidMappings \(on the mount or in linux\)$/m],
  ["hook path that does not exist", { hooks: { prestart: [{ path: "/no/such/hook-s3a" }] } },
    /^config\.json: hooks\.prestart\[0\]\.path: `\/no\/such\/hook-s3a`: ENOENT$/m],
  ["unknown rlimit", { process: { rlimits: [{ type: "RLIMIT_NOPE", soft: 1, hard: 1 }] } }, /^config\.json: process\.rlimits\[0\]\.type: unknown rlimit "RLIMIT_NOPE"$/m],
  ["apparmor without AppArmor", { process: { apparmorProfile: "tsrun-test" } },
    /^config\.json: process\.apparmorProfile: "tsrun-test" requested, but AppArmor is not enabled on this host$/m],
  ["selinux without SELinux", { process: { selinuxLabel: "system_u:system_r:container_t:s0" } },
    /^config\.json: process\.selinuxLabel: .* but SELinux is not enabled on this host$/m],
];

for (const [name, patch, re] of cases) {
  test(`${name}: one line, exit 1, nothing left`, () => {
    const id = h.id();
    const r = h.run(["create", "--bundle", h.bundle(patch), id]);
    assert.ok(oneLineError(r), `status ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, re);
    h.assertGone(id);
  });
}

test("no mount leaked onto the host", () => {
  assert.deepEqual(ours(), mountsBefore, "no mount leaked onto the host");
});
