// `tsrun spec` and `tsrun spec --rootless`: the config.json they write is a wire format clients
// and users start from, pinned by golden files (UPDATE_GOLDEN=1 npm run test:unit rewrites them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultSpec } from "../../src/spec/default.js";
import { parseSpec } from "../../src/spec/load.js";
import { repoRoot } from "../helpers/rootfs.js";
import { tsrun } from "../helpers/cli.js";

function golden(name: string, text: string): void {
  const file = join(repoRoot, "test", "golden", name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
  assert.ok(existsSync(file), `golden ${file} is missing (UPDATE_GOLDEN=1 writes it, on purpose)`);
  assert.equal(text, readFileSync(file, "utf8"));
}

const render = (o: unknown): string => JSON.stringify(o, null, "\t") + "\n";

test("spec --rootless writes runc's rootless template: the caller's ids mapped to 0, no network namespace, /sys bound, no resources, no gid= on devpts (golden)", () => {
  const spec = defaultSpec({ rootless: true, ids: { uid: 1000, gid: 1001 } });
  golden("spec-rootless.json", render(spec));
  const linux = spec.linux as Record<string, unknown>;
  assert.deepEqual(linux.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  assert.deepEqual(linux.gidMappings, [{ containerID: 0, hostID: 1001, size: 1 }]);
  const types = (linux.namespaces as Array<{ type: string }>).map((n) => n.type);
  assert.ok(types.includes("user") && !types.includes("network"), types.join(","));
  assert.equal(linux.resources, undefined);
  const mounts = spec.mounts as Array<{ destination: string; type: string; source: string; options?: string[] }>;
  assert.deepEqual(mounts.find((m) => m.destination === "/sys"), { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] });
  assert.ok(!mounts.some((m) => m.options?.some((o) => o.startsWith("gid=") || o.startsWith("uid="))));
  parseSpec(render(spec));                          // and it is a valid config
});

test("spec without --rootless is runc's default template (golden)", () => {
  golden("spec-default.json", render(defaultSpec({ rootless: false })));
});

test("tsrun spec --rootless maps the caller's effective ids", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsrun-spec-rl-"));
  try {
    const r = tsrun(["spec", "--rootless", "--bundle", dir]);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    assert.deepEqual(c.linux.uidMappings, [{ containerID: 0, hostID: process.geteuid!(), size: 1 }]);
    assert.deepEqual(c.linux.gidMappings, [{ containerID: 0, hostID: process.getegid!(), size: 1 }]);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
