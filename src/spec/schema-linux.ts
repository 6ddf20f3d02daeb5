/**
 * The `linux` section of the OCI runtime-spec config (config-linux.json, defs-linux.json),
 * versions 1.0.0 to 1.3.x. Unknown members are tolerated everywhere. Seccomp actions,
 * architectures, operators and flags are the names of src/seccomp/tables.ts; whether this
 * host's libseccomp and kernel support one is checked when the filter is compiled.
 */
import { z } from "zod";
import {
  arr, bool, fileMode, int32, int64, map, mapStringString, nonEmpty, obj, oneOf, pattern, seccompData, str, strs,
  syscallArgIndex, uint16, uint32, uint64,
} from "./schema-base.js";
import { ACTIONS, ARCHS, FLAGS, OPERATORS } from "../seccomp/tables.js";

const namesOf = (t: object) => Object.keys(t) as [string, ...string[]];

export const NAMESPACE_TYPES = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"] as const;

export const idMappingSchema = obj({
  containerID: uint32,
  hostID: uint32,
  size: uint32,
});

export const namespaceSchema = obj({
  type: oneOf("namespace", NAMESPACE_TYPES),
  path: str.optional(),
});

export const deviceSchema = obj({
  type: pattern(/^[cbup]$/, "device type"),
  path: str,
  fileMode: fileMode.optional(),
  major: int64.optional(),
  minor: int64.optional(),
  uid: uint32.optional(),
  gid: uint32.optional(),
});

export const deviceCgroupSchema = obj({
  allow: bool,
  type: str.optional(),
  major: int64.optional(),
  minor: int64.optional(),
  access: str.optional(),
});

const blockIODeviceWeightSchema = obj({
  major: int64,
  minor: int64,
  weight: uint16.optional(),
  leafWeight: uint16.optional(),
});

const blockIODeviceThrottleSchema = obj({
  major: int64,
  minor: int64,
  rate: uint64.optional(),
});

export const memorySchema = obj({
  limit: int64.optional(),
  reservation: int64.optional(),
  swap: int64.optional(),
  kernel: int64.optional(),
  kernelTCP: int64.optional(),
  swappiness: uint64.optional(),
  disableOOMKiller: bool.optional(),
  useHierarchy: bool.optional(),
  checkBeforeUpdate: bool.optional(),
});

export const cpuSchema = obj({
  shares: uint64.optional(),
  quota: int64.optional(),
  burst: uint64.optional(),
  period: uint64.optional(),
  realtimeRuntime: int64.optional(),
  realtimePeriod: uint64.optional(),
  cpus: str.optional(),
  mems: str.optional(),
  idle: int64.optional(),
});

export const blockIOSchema = obj({
  weight: uint16.optional(),
  leafWeight: uint16.optional(),
  weightDevice: arr(blockIODeviceWeightSchema).optional(),
  throttleReadBpsDevice: arr(blockIODeviceThrottleSchema).optional(),
  throttleWriteBpsDevice: arr(blockIODeviceThrottleSchema).optional(),
  throttleReadIOPSDevice: arr(blockIODeviceThrottleSchema).optional(),
  throttleWriteIOPSDevice: arr(blockIODeviceThrottleSchema).optional(),
});

export const hugepageLimitSchema = obj({
  pageSize: pattern(/^[1-9][0-9]*[KMG]B$/, "hugepage size"),
  limit: uint64,
});

export const networkSchema = obj({
  classID: uint32.optional(),
  priorities: arr(obj({ name: str, priority: uint32 })).optional(),
});

export const pidsSchema = obj({
  limit: int64,
});

export const rdmaSchema = obj({
  hcaHandles: uint32.optional(),
  hcaObjects: uint32.optional(),
});

export const resourcesSchema = obj({
  devices: arr(deviceCgroupSchema).optional(),
  memory: memorySchema.optional(),
  cpu: cpuSchema.optional(),
  blockIO: blockIOSchema.optional(),
  hugepageLimits: arr(hugepageLimitSchema).optional(),
  network: networkSchema.optional(),
  pids: pidsSchema.optional(),
  rdma: map(rdmaSchema).optional(),
  unified: mapStringString.optional(),
});

export const syscallArgSchema = obj({
  index: syscallArgIndex,
  value: uint64,
  valueTwo: uint64.optional(),
  op: oneOf("seccomp operator", namesOf(OPERATORS)),
});

const seccompAction = oneOf("seccomp action", namesOf(ACTIONS));

export const syscallSchema = obj({
  names: nonEmpty(str.min(1, { error: "must not be empty" })),
  action: seccompAction,
  errnoRet: seccompData.optional(),
  args: arr(syscallArgSchema).optional(),
});

/** defaultAction "" with no syscalls asks for no filter at all, as runc reads it. */
export const seccompSchema = obj({
  defaultAction: oneOf("seccomp action", ["", ...namesOf(ACTIONS)]),
  defaultErrnoRet: seccompData.optional(),
  architectures: arr(oneOf("seccomp architecture", namesOf(ARCHS))).optional(),
  flags: arr(oneOf("seccomp flag", namesOf(FLAGS))).optional(),
  listenerPath: str.optional(),
  listenerMetadata: str.optional(),
  syscalls: arr(syscallSchema).optional(),
});

export const intelRdtSchema = obj({
  closID: str.optional(),
  schemata: strs.optional(),
  l3CacheSchema: str.optional(),
  memBwSchema: pattern(/^MB:[^\n]*$/, "memory bandwidth schema").optional(),
  enableMonitoring: bool.optional(),
});

export const personalitySchema = obj({
  domain: oneOf("personality domain", ["LINUX", "LINUX32"]).optional(),
  flags: strs.optional(),
});

export const memoryPolicySchema = obj({
  mode: oneOf("memory policy mode", [
    "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",
  ]).optional(),
  nodes: str.optional(),
  flags: arr(oneOf("memory policy flag", [
    "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES",
  ])).optional(),
});

const timeOffsetSchema = obj({
  secs: int64.optional(),
  nanosecs: uint32.optional(),
});

export const timeOffsetsSchema = obj({
  boottime: timeOffsetSchema.optional(),
  monotonic: timeOffsetSchema.optional(),
});

export const netDeviceSchema = obj({
  name: str.optional(),
});

export const linuxSchema = obj({
  namespaces: arr(namespaceSchema).optional(),
  uidMappings: arr(idMappingSchema).optional(),
  gidMappings: arr(idMappingSchema).optional(),
  timeOffsets: timeOffsetsSchema.optional(),
  devices: arr(deviceSchema).optional(),
  netDevices: map(netDeviceSchema).optional(),
  cgroupsPath: str.optional(),
  // runc also takes the recursive names; podman sends "rslave"/"rshared" with a bind-propagation mount
  rootfsPropagation: oneOf("rootfs propagation", ["private", "shared", "slave", "unbindable", "rprivate", "rshared", "rslave", "runbindable"]).optional(),
  resources: resourcesSchema.optional(),
  intelRdt: intelRdtSchema.optional(),
  sysctl: mapStringString.optional(),
  seccomp: seccompSchema.optional(),
  maskedPaths: strs.optional(),
  readonlyPaths: strs.optional(),
  mountLabel: str.optional(),
  personality: personalitySchema.optional(),
  memoryPolicy: memoryPolicySchema.optional(),
});

export type NamespaceType = (typeof NAMESPACE_TYPES)[number];
export type IDMapping = z.output<typeof idMappingSchema>;
export type LinuxNamespace = z.output<typeof namespaceSchema>;
export type LinuxDevice = z.output<typeof deviceSchema>;
export type LinuxDeviceCgroup = z.output<typeof deviceCgroupSchema>;
export type LinuxMemory = z.output<typeof memorySchema>;
export type LinuxCPU = z.output<typeof cpuSchema>;
export type LinuxBlockIO = z.output<typeof blockIOSchema>;
export type LinuxHugepageLimit = z.output<typeof hugepageLimitSchema>;
export type LinuxNetwork = z.output<typeof networkSchema>;
export type LinuxPids = z.output<typeof pidsSchema>;
export type LinuxRdma = z.output<typeof rdmaSchema>;
export type LinuxResources = z.output<typeof resourcesSchema>;
export type LinuxSyscallArg = z.output<typeof syscallArgSchema>;
export type LinuxSyscall = z.output<typeof syscallSchema>;
export type LinuxSeccomp = z.output<typeof seccompSchema>;
export type LinuxIntelRdt = z.output<typeof intelRdtSchema>;
export type LinuxPersonality = z.output<typeof personalitySchema>;
export type LinuxMemoryPolicy = z.output<typeof memoryPolicySchema>;
export type LinuxTimeOffsets = z.output<typeof timeOffsetsSchema>;
export type LinuxNetDevice = z.output<typeof netDeviceSchema>;
export type Linux = z.output<typeof linuxSchema>;
