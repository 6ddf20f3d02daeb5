/** tsrun features: runc's JSON shape, derived from the tables the code itself uses. */
import { NAMESPACES } from "../plan/ops.js";
import { CAPABILITIES } from "../plan/caps.js";
import { knownMountOptions } from "../plan/mount-options.js";
import { SPEC_VERSION_MIN, SPEC_VERSION_MAX } from "../version.js";
import { HOOK_KINDS } from "../hooks.js";
import { seccompFeatures, seccompFeatureAnnotations } from "../seccomp/tables.js";
import { COMMANDS } from "../flags.js";
import { RESOURCE_PROPERTIES } from "../cgroup/systemd-props.js";

/** checkpoint and restore are commands of the table (they drive criu, found when they run) */
const checkpointEnabled = (): boolean => "checkpoint" in COMMANDS && "restore" in COMMANDS;

export function features(): Record<string, unknown> {
  return {
    ociVersionMin: SPEC_VERSION_MIN,
    ociVersionMax: SPEC_VERSION_MAX,
    hooks: [...HOOK_KINDS],
    mountOptions: knownMountOptions(),
    linux: {
      namespaces: Object.keys(NAMESPACES),
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true },
      seccomp: seccompFeatures(),
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
    },
    annotations: sortedKeys({
      ...seccompFeatureAnnotations(),
      "io.github.tsrun.version": "0.1.0",
      // the systemd driver: the unit properties linux.resources become (the rest is written to the unit's cgroup)
      "io.github.tsrun.systemd.properties": RESOURCE_PROPERTIES.join(","),
      "org.opencontainers.runc.checkpoint.enabled": String(checkpointEnabled()),
    }),
  };
}

/** Go's encoding/json sorts map keys: runc's annotations come out in this order. */
function sortedKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

