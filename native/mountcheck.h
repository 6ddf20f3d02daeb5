/*
 * Shared between mounts.c and mountcheck.c (not part of the executor's API):
 * path helpers of mounts.c, and mountcheck.c's symlink-free resolution for the
 * mount points of kernel filesystems and for masked / read-only paths.
 */
#ifndef TSRUN_MOUNTCHECK_H
#define TSRUN_MOUNTCHECK_H
#include "executor.h"

/* mounts.c */
int mnt_clean(const char *in, char *out); /* lexically clean into a root-relative path ("" = root) */
const char *mnt_target(struct xst *st, long fd, const char *rel); /* mount(2) target for fd */
unsigned long mnt_kept_flags(struct xst *st, long fd, unsigned long want);
long mnt_remount(struct xst *st, long fd, const char *rel, unsigned long flags);

/* mountcheck.c: O_PATH fd of the cleaned `rel`, every component a directory reached
 * without a symlink; create: missing components made (0755). -ELOOP / -ENOTDIR with
 * the offending component as the failure detail. */
long mchk_mount_point(struct xst *st, const char *rel, int create);
/* 0, or -EPERM (recorded) when the O_PATH fd a mount is about to go on lies on a procfs
 * and the mount may not go there (see mountcheck.c); srcfd: the bind source, or -1. */
long mchk_proc_dest(struct xst *st, long fd, long srcfd, const char *fstype, const char *rel);
/* 0, or -EPERM (recorded) when pfd, the parent of a missing destination `rel`, is on a procfs. */
long mchk_proc_parent(struct xst *st, long pfd, const char *rel);

/* The fallback for sysfs/cgroup2 refused (EPERM) to a user namespace: the host's /sys (recursively) or
 * /sys/fs/cgroup bound on fd (the mount point of `rel`), then nosuid/nodev/noexec/ro of `flags` as a bind
 * remount keeping the locked flags. */
long mchk_kernfs_fallback(struct xst *st, long fd, const char *rel, const char *type, uint64_t flags);

#endif
