/**
 * Structural types for the OCI `linux.resources` object, as the cgroup code reads it.
 * Kept local on purpose: src/spec/ owns validation (zod); this module only needs the shape.
 * Every field is optional, as in the spec; numbers are JS numbers (the spec's int64/uint64
 * values that matter here fit in 2^53; larger "unlimited" values are written as -1 / "max").
 */

export interface LinuxDeviceCgroup {
  allow: boolean;
  /** "a" (all), "c" or "b"; absent means "a" */
  type?: string;
  /** absent or -1 means wildcard */
  major?: number;
  minor?: number;
  /** any of "rwm" */
  access?: string;
}

export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface LinuxCPU {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface LinuxPids {
  limit?: number;
}

export interface LinuxBlockIODevice {
  major: number;
  minor: number;
}
export interface LinuxWeightDevice extends LinuxBlockIODevice {
  weight?: number;
  leafWeight?: number;
}
export interface LinuxThrottleDevice extends LinuxBlockIODevice {
  rate?: number;
}

export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

export interface LinuxHugepageLimit {
  pageSize: string;
  limit: number;
}

export interface LinuxInterfacePriority {
  name: string;
  priority: number;
}

export interface LinuxNetwork {
  classID?: number;
  priorities?: LinuxInterfacePriority[];
}

export interface LinuxRdma {
  hcaHandles?: number;
  hcaObjects?: number;
}

export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  pids?: LinuxPids;
  blockIO?: LinuxBlockIO;
  hugepageLimits?: LinuxHugepageLimit[];
  network?: LinuxNetwork;
  rdma?: Record<string, LinuxRdma>;
  unified?: Record<string, string>;
}

/** One cgroupfs write: `value` goes into `<dir of controller>/<file>`. */
export interface CgroupWrite {
  controller: string;
  file: string;
  value: string;
  /**
   * When this write fails with EINVAL, try it again once the other writes for the same
   * controller are done (cpu burst/period vs quota: the kernel checks each against the
   * current value of the other, so the right order depends on old and new values).
   */
  retryLater?: boolean;
}

/**
 * What the pure mappers may ask about the target directory: whether an optional file
 * exists (io.bfq.weight, hugetlb.*.rsvd.max, memory.memsw.*), and a current value
 * (v1 memory limit, to order memory/swap writes). A test passes a fake.
 */
export interface CgroupProbe {
  exists(controller: string, file: string): boolean;
  read(controller: string, file: string): string | undefined;
}

/** Probe that says nothing exists: the mapping then takes the plain path everywhere. */
export const emptyProbe: CgroupProbe = { exists: () => false, read: () => undefined };

/** True when n is a finite integer (the spec's numbers are all integers). */
export function isInt(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n);
}
