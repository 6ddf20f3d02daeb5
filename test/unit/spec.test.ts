import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TsrunError } from "../../src/errors.js";
import { formatPath, loadProcess, loadSpec, parseProcess, parseSpec } from "../../src/spec/load.js";
import type { Spec } from "../../src/spec/schema.js";

// dist/test/unit/ -> repository root
const FIX = fileURLToPath(new URL("../../../spec-fixtures/", import.meta.url));
const fixture = (rel: string) => readFileSync(join(FIX, rel), "utf8");
const tmp = mkdtempSync(join(tmpdir(), "tsrun-spec-test-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The one-line message of the TsrunError that fn throws. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TsrunError, `not a TsrunError: ${String(err)}`);
    assert.ok(!/[\n\r]/.test(err.message), `message spans lines: ${JSON.stringify(err.message)}`);
    return err.message;
  }
  assert.fail("expected an error");
}

/** parseSpec of `doc` with ociVersion replaced (the spec's examples say 0.5.0-dev). */
function withVersion(text: string, v: string): string {
  return JSON.stringify({ ...JSON.parse(text), ociVersion: v });
}

describe("OCI good fixtures", () => {
  for (const name of ["minimal.json", "minimal-for-start.json", "linux-netdevice.json", "linux-rdma.json"]) {
    test(`${name} loads`, () => {
      const spec = parseSpec(fixture(`oci/good/${name}`));
      assert.equal(spec.root.path, "rootfs");
    });
  }

  test("linux fields type-check after loading", () => {
    const nd = parseSpec(fixture("oci/good/linux-netdevice.json"));
    assert.deepEqual(nd.linux?.netDevices, { eth0: { name: "container_eth0" }, ens4: {}, ens5: {} });
    const rdma = parseSpec(fixture("oci/good/linux-rdma.json"));
    assert.equal(rdma.linux?.resources?.rdma?.["mlx5_1"]?.hcaHandles, 3);
    const start = parseSpec(fixture("oci/good/minimal-for-start.json"));
    assert.deepEqual(start.process?.args, ["sh"]);
    assert.equal(parseSpec(fixture("oci/good/minimal.json")).process, undefined);
  });

  // Decision: ociVersion must be 1.0.0..1.3.x, so the spec's own example (which still says
  // "0.5.0-dev") is rejected as written; with a supported version it loads in full.
  test("spec-example.json: rejected for its 0.5.0-dev version, loads with 1.0.0", () => {
    const text = fixture("oci/good/spec-example.json");
    assert.equal(errorOf(() => parseSpec(text)),
      'config.json: ociVersion: unsupported version "0.5.0-dev" (tsrun supports 1.0.0 to 1.3.x)');
    const spec: Spec = parseSpec(withVersion(text, "1.0.0"));
    const linux = spec.linux!;
    assert.equal(linux.namespaces?.length, 8);
    assert.equal(linux.rootfsPropagation, "slave");
    assert.equal(linux.resources?.hugepageLimits?.[0]?.limit, 9223372036854772000); // beyond 2^53: kept as a double
    assert.equal(linux.resources?.memory?.kernel, -1);
    assert.equal(linux.seccomp?.syscalls?.[0]?.action, "SCMP_ACT_ERRNO");
    assert.equal(linux.timeOffsets?.boottime?.secs, 604800);
    assert.equal(spec.hooks?.poststart?.[0]?.timeout, 5);
    assert.deepEqual(spec.process?.user?.additionalGids, [5, 6]);
    // unknown members are tolerated and kept (the example puts oomScoreAdj under resources)
    assert.equal((linux.resources as Record<string, unknown>)["oomScoreAdj"], 100);
  });

  // Non-Linux examples: their platform section is an unknown member to tsrun, so they load.
  for (const name of ["freebsd-example.json", "freebsd-minimal.json", "zos-minimal.json"]) {
    test(`${name} (non-Linux) loads, platform section kept`, () => {
      const spec = parseSpec(fixture(`oci/good/${name}`)) as Record<string, unknown>;
      assert.ok("freebsd" in spec || "zos" in spec);
    });
  }

  test("zos-example.json: rejected for 0.5.0-dev, loads with 1.0.0", () => {
    const text = fixture("oci/good/zos-example.json");
    assert.match(errorOf(() => parseSpec(text)), /^config\.json: ociVersion: unsupported version "0\.5\.0-dev"/);
    const spec = parseSpec(withVersion(text, "1.0.0"));
    assert.equal(spec.hooks?.createContainer?.[0]?.path, "/usr/bin/mount-hook");
  });
});

describe("OCI bad fixtures", () => {
  const cases: [string, string][] = [
    ["linux-hugepage.json", 'config.json: linux.resources.hugepageLimits[0].pageSize: invalid hugepage size "64kB"'],
    ["linux-netdevice.json", "config.json: linux.netDevices.eth0.name: expected a string, got 23"],
    ["linux-rdma.json",
      'config.json: linux.resources.rdma.mlx5_1.hcaHandles: expected a non-negative integer, got "not a uint32"'],
    ["invalid-json.json", "config.json: invalid JSON: "],
  ];
  for (const [name, want] of cases) {
    test(`${name} is rejected`, () => {
      const msg = errorOf(() => parseSpec(fixture(`oci/bad/${name}`)));
      if (want.endsWith(": ")) assert.ok(msg.startsWith(want) && msg.length > want.length, msg);
      else assert.equal(msg, want);
    });
  }

  test("freebsd-vnet-disable.json loads: the freebsd section is not validated by a Linux runtime", () => {
    assert.equal(parseSpec(fixture("oci/bad/freebsd-vnet-disable.json")).root.path, "rootfs");
  });
});

describe("client bundles", () => {
  for (const client of ["containerd", "podman"]) {
    test(`${client} config.json loads from a bundle`, () => {
      const bundle = join(tmp, client);
      mkdirSync(bundle);
      copyFileSync(join(FIX, `clients/${client}-config.json`), join(bundle, "config.json"));
      const spec = loadSpec(bundle);
      assert.equal(spec.ociVersion, "1.0.2-dev");
      assert.equal(spec.process?.cwd, "/");
      assert.ok((spec.linux?.namespaces?.length ?? 0) >= 5);
      assert.deepEqual(spec.process?.rlimits?.[0], { type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 });
    });

    test(`${client} exec process.json loads with loadProcess`, () => {
      const proc = loadProcess(join(FIX, `clients/${client}-exec-process.json`));
      assert.equal(proc.cwd, "/");
      assert.ok(proc.args.length > 0);
      assert.equal(proc.user?.uid, 0);
    });
  }

  test("podman seccomp and umask type-check", () => {
    const spec = parseSpec(fixture("clients/podman-config.json"));
    assert.equal(spec.linux?.seccomp?.defaultErrnoRet, 38);
    assert.equal(spec.process?.user?.umask, 18);
    assert.equal(spec.annotations?.["io.container.manager"], "libpod");
  });
});

describe("file errors", () => {
  test("missing bundle directory", () => {
    const dir = join(tmp, "no-such-bundle");
    assert.equal(errorOf(() => loadSpec(dir)), `bundle \`${dir}\`: ENOENT`);
  });
  test("bundle that is a file", () => {
    const file = join(tmp, "plain-file");
    writeFileSync(file, "{}");
    assert.equal(errorOf(() => loadSpec(file)), `bundle \`${file}\`: ENOTDIR`);
  });
  test("bundle without config.json", () => {
    const dir = join(tmp, "empty-bundle");
    mkdirSync(dir);
    assert.equal(errorOf(() => loadSpec(dir)), `open \`${dir}/config.json\`: ENOENT`);
  });
  test("missing process.json", () => {
    const file = join(tmp, "nope.json");
    assert.equal(errorOf(() => loadProcess(file)), `open \`${file}\`: ENOENT`);
  });
  test("process.json errors name the file given", () => {
    const file = join(tmp, "proc.json");
    writeFileSync(file, JSON.stringify({ cwd: "/", args: [] }));
    assert.equal(errorOf(() => loadProcess(file)), `${file}: args: must have at least one element`);
    writeFileSync(file, "[]");
    assert.equal(errorOf(() => loadProcess(file)), `${file}: expected an object`);
    assert.equal(errorOf(() => parseProcess('{"cwd":"/","args":["a\\u0000"]}', "p.json")), "p.json: args[0]: contains a NUL byte");
  });
});

describe("document-level errors", () => {
  const cases: [string, string][] = [
    ["", "config.json: invalid JSON: Unexpected end of JSON input"],
    ["[]", "config.json: expected an object"],
    ["null", "config.json: expected an object"],
    ['"x"', "config.json: expected an object"],
    ["{}", "config.json: ociVersion: is required"],
  ];
  for (const [text, want] of cases) {
    test(JSON.stringify(text), () => assert.equal(errorOf(() => parseSpec(text)), want));
  }
  test("an invalid-JSON message with newlines in the parser's excerpt stays on one line", () => {
    // V8 quotes the offending text ("{\n"a": x\n}" is not valid JSON); errorOf asserts one line.
    assert.match(errorOf(() => parseSpec('{\n"a": x\n}')), /^config\.json: invalid JSON: \S/);
  });
  test("custom file name in the prefix", () => {
    assert.equal(errorOf(() => parseSpec("[]", "bundle/cfg.json")), "bundle/cfg.json: expected an object");
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test documents are mutated freely
type Doc = Record<string, any>;

/** A good Linux config that each mutation below starts from. */
function base(): Doc {
  return {
    ociVersion: "1.0.2-dev",
    root: { path: "rootfs" },
    mounts: [{ destination: "/proc", type: "proc", source: "proc" }],
    process: { cwd: "/", args: ["sh"], env: ["PATH=/bin"], user: { uid: 0, gid: 0 } },
    linux: { namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }] },
  };
}

const P = "config.json: ";
const mutations: [string, (c: Doc) => void, string][] = [
  ["uid is a string", (c) => { c.process.user.uid = "x"; }, 'process.user.uid: expected a non-negative integer, got "x"'],
  ["uid negative", (c) => { c.process.user.uid = -1; }, "process.user.uid: expected a non-negative integer, got -1"],
  ["uid fractional", (c) => { c.process.user.uid = 1.5; }, "process.user.uid: expected a non-negative integer, got 1.5"],
  ["uid above uint32", (c) => { c.process.user.uid = 4294967296; },
    "process.user.uid: expected a non-negative integer at most 4294967295, got 4294967296"],
  ["unknown namespace", (c) => { c.linux.namespaces[2].type = "foo"; }, 'linux.namespaces[2].type: unknown namespace "foo"'],
  ["duplicate namespace", (c) => { c.linux.namespaces.splice(3, 0, { type: "pid" }); },
    'linux.namespaces[3].type: duplicate namespace "pid"'],
  ["namespaces not an array", (c) => { c.linux.namespaces = {}; }, "linux.namespaces: expected an array, got an object"],
  ["empty args", (c) => { c.process.args = []; }, "process.args: must have at least one element"],
  ["missing args", (c) => { delete c.process.args; }, "process.args: is required"],
  ["args element not a string", (c) => { c.process.args = ["sh", 1]; }, "process.args[1]: expected a string, got 1"],
  ["relative cwd", (c) => { c.process.cwd = "tmp"; }, 'process.cwd: expected an absolute path, got "tmp"'],
  ["missing cwd", (c) => { delete c.process.cwd; }, "process.cwd: is required"],
  ["terminal is a string", (c) => { c.process.terminal = "true"; }, 'process.terminal: expected a boolean, got "true"'],
  ["env is a string", (c) => { c.process.env = "A=1"; }, 'process.env: expected an array, got "A=1"'],
  ["long strings are cut", (c) => { c.process.env = "x".repeat(100); },
    `process.env: expected an array, got "${"x".repeat(64)}"...`],
  ["null linux", (c) => { c.linux = null; }, "linux: expected an object, got null"],
  ["null process", (c) => { c.process = null; }, "process: expected an object, got null"],
  ["null root", (c) => { c.root = null; }, "root: expected an object, got null"],
  ["missing root", (c) => { delete c.root; }, "root: is required"],
  ["missing root.path", (c) => { c.root = {}; }, "root.path: is required"],
  ["empty root.path", (c) => { c.root.path = ""; }, "root.path: must not be empty"],
  ["mount without destination", (c) => { c.mounts[0] = { type: "tmpfs" }; }, "mounts[0].destination: is required"],
  ["ociVersion 2.0.0", (c) => { c.ociVersion = "2.0.0"; },
    'ociVersion: unsupported version "2.0.0" (tsrun supports 1.0.0 to 1.3.x)'],
  ["ociVersion 1.4.0", (c) => { c.ociVersion = "1.4.0"; },
    'ociVersion: unsupported version "1.4.0" (tsrun supports 1.0.0 to 1.3.x)'],
  ["ociVersion not semver", (c) => { c.ociVersion = "1.0"; },
    'ociVersion: expected a semantic version such as "1.0.2", got "1.0"'],
  ["ociVersion a number", (c) => { c.ociVersion = 1; }, "ociVersion: expected a string, got 1"],
  ["int64 far out of range", (c) => { c.linux.resources = { memory: { limit: 1e30 } }; },
    "linux.resources.memory.limit: expected an integer between -9223372036854775808 and 9223372036854775807, got 1e+30"],
  ["uint64 above range", (c) => { c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1e20, hard: 1 }]; },
    "process.rlimits[0].soft: expected a non-negative integer at most 18446744073709551615, got 100000000000000000000"],
  ["int32 out of range", (c) => { c.process.scheduler = { policy: "SCHED_OTHER", nice: 2147483648 }; },
    "process.scheduler.nice: expected an integer between -2147483648 and 2147483647, got 2147483648"],
  ["pids without limit", (c) => { c.linux.resources = { pids: {} }; }, "linux.resources.pids.limit: is required"],
  ["sysctl value not a string", (c) => { c.linux.sysctl = { "net.ipv4.ip_forward": 1 }; },
    'linux.sysctl["net.ipv4.ip_forward"]: expected a string, got 1'],
  ["unknown rootfsPropagation", (c) => { c.linux.rootfsPropagation = "bogus"; },
    'linux.rootfsPropagation: unknown rootfs propagation "bogus"'],
  ["unknown scheduler policy", (c) => { c.process.scheduler = { policy: "SCHED_FOO" }; },
    'process.scheduler.policy: unknown scheduler policy "SCHED_FOO"'],
  ["bad rlimit type", (c) => { c.process.rlimits = [{ type: "nofile", soft: 1, hard: 1 }]; },
    'process.rlimits[0].type: invalid rlimit type "nofile"'],
  ["bad device type", (c) => { c.linux.devices = [{ path: "/dev/x", type: "x" }]; },
    'linux.devices[0].type: invalid device type "x"'],
  ["hook timeout 0", (c) => { c.hooks = { prestart: [{ path: "/bin/true", timeout: 0 }] }; },
    "hooks.prestart[0].timeout: expected a positive integer, got 0"],
  ["seccomp rule without names", (c) => { c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: [], action: "SCMP_ACT_ERRNO" }] }; },
    "linux.seccomp.syscalls[0].names: must have at least one element"],
  ["seccomp without defaultAction", (c) => { c.linux.seccomp = {}; }, "linux.seccomp.defaultAction: is required"],
  ["uid mapping size missing", (c) => { c.linux.uidMappings = [{ containerID: 0, hostID: 1000 }]; },
    "linux.uidMappings[0].size: is required"],
  ["NUL byte in root.path", (c) => { c.root.path = "root\0fs"; }, "root.path: contains a NUL byte"],
  ["NUL byte in a mount option", (c) => { c.mounts[0].options = ["ro", "x\0"]; }, "mounts[0].options[1]: contains a NUL byte"],
  ["NUL byte in a sysctl key", (c) => { c.linux.sysctl = { "a\0b": "1" }; }, 'linux.sysctl["a\\u0000b"]: contains a NUL byte'],
  ["newline in a key stays escaped", (c) => { c.linux.sysctl = { "a\nb": 1 }; }, 'linux.sysctl["a\\nb"]: expected a string, got 1'],
  ["first problem only", (c) => { c.ociVersion = 7; delete c.root; }, "ociVersion: expected a string, got 7"],
];

describe("mutations of a good config", () => {
  test("the base config loads", () => {
    const spec = parseSpec(JSON.stringify(base()));
    assert.equal(spec.linux?.namespaces?.length, 5);
  });
  for (const [name, mutate, want] of mutations) {
    test(name, () => {
      const doc = base();
      mutate(doc);
      assert.equal(errorOf(() => parseSpec(JSON.stringify(doc))), P + want);
    });
  }
});

describe("accepted variations", () => {
  const ok = (mutate: (c: Doc) => void): Spec => {
    const doc = base();
    mutate(doc);
    return parseSpec(JSON.stringify(doc));
  };
  test("process may be absent", () => assert.equal(ok((c) => { delete c.process; }).process, undefined));
  test("1.0.2-dev, 1.3.0 and a pre-release with build metadata", () => {
    for (const v of ["1.0.0", "1.0.2-dev", "1.1.0", "1.2.1", "1.3.0", "1.3.7-rc.1+abc"]) {
      assert.equal(ok((c) => { c.ociVersion = v; }).ociVersion, v);
    }
  });
  test("unknown members are kept at every level", () => {
    const spec = ok((c) => {
      c.futureField = { x: 1 };
      c.process.user.future = true;
      c.linux.resources = { memory: { limit: -1, future: "y" } };
    }) as Doc;
    assert.deepEqual(spec.futureField, { x: 1 });
    assert.equal(spec.process.user.future, true);
    assert.equal(spec.linux.resources.memory.future, "y");
  });
  test("uint64/int64 extremes load (as doubles)", () => {
    const spec = ok((c) => {
      c.process.rlimits = [{ type: "RLIMIT_CORE", soft: 18446744073709551615, hard: 18446744073709551615 }];
      c.linux.resources = { memory: { limit: 9223372036854775807, swap: -9223372036854775808 } };
    });
    assert.equal(spec.process?.rlimits?.[0]?.hard, 2 ** 64);
    assert.equal(spec.linux?.resources?.memory?.swap, -(2 ** 63));
  });
  test("every seccomp action, architecture, operator and flag of src/seccomp/tables.ts is accepted", async () => {
    const { ACTIONS, ARCHS, FLAGS, OPERATORS } = await import("../../src/seccomp/tables.js");
    const spec = ok((c) => {
      c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", architectures: Object.keys(ARCHS), flags: Object.keys(FLAGS), listenerPath: "/s",
        syscalls: Object.keys(ACTIONS).map((action) => ({ names: ["read"], action, args: Object.keys(OPERATORS).map((op) => ({ index: 0, value: 1, op })) })) };
    });
    assert.equal(spec.linux?.seccomp?.syscalls?.length, Object.keys(ACTIONS).length);
  });
  // Decision: NUL bytes are only refused in members that reach C strings; annotations never do.
  test("a NUL byte in an annotation is accepted", () => {
    assert.equal(ok((c) => { c.annotations = { k: "v\0" }; }).annotations?.["k"], "v\0");
  });
  test("a __proto__ member does not leak into the parsed value", () => {
    const text = '{"ociVersion":"1.0.0","root":{"path":"r"},"process":{"cwd":"/","args":["sh"],"__proto__":{"user":{"uid":"x"}}}}';
    assert.equal(parseSpec(text).process?.user, undefined);
  });
});

test("formatPath", () => {
  assert.equal(formatPath(["linux", "namespaces", 2, "type"]), "linux.namespaces[2].type");
  assert.equal(formatPath(["annotations", "io.podman"]), 'annotations["io.podman"]');
  assert.equal(formatPath([0, "a"]), "[0].a");
});
