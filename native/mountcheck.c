/*
 * Paths that must not be redirected by the image (issue 13, src/plan/kernel-fs.ts):
 *
 * - The mount point of a kernel filesystem (OP_MOUNT with OPF_CHECK_PROCFS: proc,
 *   sysfs, cgroup, and the tmpfs and binds of a v1 cgroup mount) is walked one
 *   component at a time with O_NOFOLLOW: every component must be a directory, a
 *   symlink anywhere is refused (ELOOP), missing ones are made as directories.
 *   Following links inside the root is not enough: a link can point into a
 *   directory that a later mount hides (/proc -> /dev/x, /dev/x -> /elsewhere),
 *   and /proc's masks would then miss the real proc.
 *
 * - OP_MASK_PATH and OP_READONLY_PATH with a = statfs magic (the path lies under a
 *   proc or sysfs mount of the config): the parent is walked the same way (no
 *   symlink, no creation) and must be on that filesystem (EXDEV otherwise). The
 *   path may only be missing where the kernel does not have it: a component
 *   missing below a directory on that filesystem (/proc/sched_debug). Any other
 *   failure is an error, never a skip. With a = 0 the path is an ordinary one of
 *   the image: resolved inside the root following its symlinks, missing is fine.
 *
 * - Every OP_MOUNT, on the fd it is about to mount on (runc's checkProcMount, done where
 *   no symlink changed after a check, or planted by an earlier mount, can move it): a
 *   destination on a procfs is refused unless it is the root of a procfs and the mount
 *   is proc or a bind of a procfs root, or it is one of the files lxcfs emulates. A
 *   destination that is not on proc yet is fine: a later proc mount hides it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "mountcheck.h"

static char m_rel[X_PATH_MAX];        /* cleaned path of the current op */
static char m_par[X_PATH_MAX];        /* its parent */
static char m_pfx[X_PATH_MAX];        /* the component a walk stopped at, as a path */
static char m_detail[X_PATH_MAX + 64];
static char m_src[X_FD_PATH_MAX];     /* a fallback's bind source, as /proc/self/fd/N */

/* Failure detail `"/<first n bytes of rel>" <what>`; returns err. */
static long fail_at(struct xst *st, long err, const char *rel, size_t n, const char *what)
{
  struct sbuf b;
  memcpy(m_pfx, rel, n);
  m_pfx[n] = 0;
  sb_init(&b, m_detail, sizeof m_detail);
  sb_str(&b, "\"/");
  sb_str(&b, m_pfx);
  sb_str(&b, "\"");
  if (what) {
    sb_str(&b, " ");
    sb_str(&b, what);
  }
  return x_fail(st, err, m_detail);
}

static int on_fs(struct xst *st, int fd, unsigned long magic)
{
  struct statfs sf;
  return st->sys->fstatfs(fd, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

static const char *fs_name(unsigned long magic)
{
  return magic == 0x9fa0 ? "is not on proc" : magic == 0x62656572 ? "is not on sysfs" : "is on another filesystem";
}

/*
 * Open the cleaned root-relative `rel` (O_PATH), every component a directory reached
 * without a symlink. create: make missing components (0755). want (statfs magic) and
 * absent: a component missing below a directory on that filesystem sets *absent and
 * returns -ENOENT with no failure recorded.
 */
static long walk_nofollow(struct xst *st, const char *rel, int create, unsigned long want, int *absent)
{
  const struct tsrun_sys *s = st->sys;
  long dir = -1, fd = 0;
  size_t pos = 0, e = 0;
  const char *what = NULL;

  if (st->rootfd < 0)
    return -EBADF;
  while (rel[pos]) {
    int base = dir < 0 ? st->rootfd : (int)dir;
    char name[256];
    struct stat sb;
    long r;
    for (e = pos; rel[e] && rel[e] != '/'; e++)
      ;
    if (e - pos >= sizeof name) {
      fd = -ENAMETOOLONG;
      goto fail;
    }
    memcpy(name, rel + pos, e - pos);
    name[e - pos] = 0;
    fd = s->openat(base, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd == -ENOENT && create) {
      r = s->mkdirat(base, name, 0755);
      fd = r < 0 && r != -EEXIST ? r : s->openat(base, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
    }
    if (fd == -ENOENT && want && absent && on_fs(st, base, want)) {
      *absent = 1;
      goto out;
    }
    if (fd < 0)
      goto fail;
    r = s->fstat((int)fd, &sb);
    if (r < 0 || !S_ISDIR(sb.st_mode)) {
      int link = r == 0 && S_ISLNK(sb.st_mode);
      s->close((int)fd);
      fd = r < 0 ? r : link ? -ELOOP : -ENOTDIR;
      what = r < 0 ? NULL : link ? "is a symlink" : "is not a directory";
      goto fail;
    }
    if (dir >= 0)
      s->close((int)dir);
    dir = fd;
    pos = rel[e] ? e + 1 : e;
  }
  return dir >= 0 ? dir : s->openat(st->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
fail:
  fail_at(st, fd, rel, e, what);
out:
  if (dir >= 0)
    s->close((int)dir);
  return fd;
}

#define PROC_MAGIC 0x9fa0UL
static const char *const lxcfs_files[] = {
  "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
  "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid", NULL,
};
static char m_link[X_PATH_MAX], m_rootlink[X_PATH_MAX];

/* The path of fd as a NUL-terminated string in buf (readlink of /proc/self/fd/N), or NULL. */
static const char *fd_link(struct xst *st, long fd, char *buf)
{
  char p[X_FD_PATH_MAX];
  long n = st->sys->readlinkat(AT_FDCWD, x_fd_path(p, fd), buf, X_PATH_MAX - 1);
  if (n < 0)
    return NULL;
  buf[n] = 0;
  return buf;
}

/* "/proc/meminfo": fd's path inside the root, or NULL when it cannot be told. */
static const char *in_root(struct xst *st, long fd)
{
  const char *p = fd_link(st, fd, m_link), *r = fd_link(st, st->rootfd, m_rootlink);
  size_t n;
  if (!p || !r)
    return NULL;
  n = strcmp(r, "/") ? strlen(r) : 0;
  if (strncmp(p, r, n) || (p[n] && p[n] != '/'))
    return NULL;
  return p[n] ? p + n : "/";
}

static long proc_refusal(struct xst *st, const char *rel, const char *why, const char *at)
{
  struct sbuf b;
  sb_init(&b, m_detail, sizeof m_detail);
  sb_str(&b, "\"/");
  sb_str(&b, rel);
  sb_str(&b, "\" ");
  sb_str(&b, why);
  if (at && strcmp(at + 1, rel)) {
    sb_str(&b, " (resolved to ");
    sb_str(&b, at);
    sb_str(&b, ")");
  }
  return x_fail(st, -EPERM, m_detail);
}

long mchk_proc_parent(struct xst *st, long pfd, const char *rel)
{
  return on_fs(st, (int)pfd, PROC_MAGIC) ? proc_refusal(st, rel, "cannot be mounted because it is inside /proc", NULL) : 0;
}

long mchk_proc_dest(struct xst *st, long fd, long srcfd, const char *fstype, const char *rel)
{
  const struct tsrun_sys *s = st->sys;
  struct stat sb;
  const char *at, *why;
  int i;

  if (!on_fs(st, (int)fd, PROC_MAGIC))
    return 0;
  if (s->fstat((int)fd, &sb) == 0 && sb.st_ino == 1) { /* the root of a procfs */
    if (srcfd < 0 && fstype && !strcmp(fstype, "proc"))
      return 0;
    if (srcfd >= 0 && on_fs(st, (int)srcfd, PROC_MAGIC) && s->fstat((int)srcfd, &sb) == 0 && sb.st_ino == 1)
      return 0;
    why = srcfd >= 0 && on_fs(st, (int)srcfd, PROC_MAGIC) ? "cannot be mounted because its source is not the root of a procfs"
                                                           : "cannot be mounted because it is not of type proc";
    at = NULL;
  } else {
    at = in_root(st, fd);
    for (i = 0; at && lxcfs_files[i]; i++)
      if (!strcmp(at, lxcfs_files[i]))
        return 0;
    why = "cannot be mounted because it is inside /proc";
  }
  return proc_refusal(st, rel, why, at);
}

long mchk_mount_point(struct xst *st, const char *rel, int create)
{
  return walk_nofollow(st, rel, create, 0, NULL);
}

/* The path of an OP_MASK_PATH / OP_READONLY_PATH as an O_PATH fd; *fd = -1 when it
 * genuinely does not exist (see the top of the file). */
static long masked_target(struct xst *st, const struct tsrun_op *op, long *fd)
{
  const struct tsrun_sys *s = st->sys;
  unsigned long want = (unsigned long)op->a;
  const char *name = m_rel;
  char *slash;
  struct stat sb;
  int absent = 0;
  long pfd, r;

  *fd = -1;
  if ((r = mnt_clean(x_str(st, op->s[0]), m_rel)) < 0)
    return r;
  if (!want) {
    r = mnt_resolve(st, m_rel);
    if (r == -ENOENT)
      return 0;
    if (r >= 0)
      *fd = r;
    return r < 0 ? r : 0;
  }
  if (!*m_rel)
    return -EINVAL;
  strcpy(m_par, m_rel);
  slash = strrchr(m_par, '/');
  if (slash) {
    *slash = 0;
    name = m_rel + (slash - m_par) + 1;
  } else {
    m_par[0] = 0;
  }
  pfd = walk_nofollow(st, m_par, 0, want, &absent);
  if (absent)
    return 0;
  if (pfd < 0)
    return pfd;
  if (!on_fs(st, (int)pfd, want)) {
    s->close((int)pfd);
    return fail_at(st, -EXDEV, m_par, strlen(m_par), fs_name(want));
  }
  r = s->openat((int)pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
  s->close((int)pfd);
  if (r == -ENOENT)
    return 0; /* not on this kernel */
  if (r < 0)
    return r;
  if (s->fstat((int)r, &sb) == 0 && S_ISLNK(sb.st_mode)) {
    s->close((int)r); /* the filesystem's own link (/proc/mounts): followed inside the root */
    r = mnt_resolve(st, m_rel);
    if (r < 0)
      return r;
  }
  *fd = r;
  return 0;
}

int mnt_mask_path(struct xst *st, const struct tsrun_op *op)
{
  struct stat sb;
  long fd, r = masked_target(st, op, &fd);
  if (r < 0 || fd < 0)
    return (int)r;
  if ((r = st->sys->fstat((int)fd, &sb)) == 0) {
    if (S_ISDIR(sb.st_mode))
      r = st->sys->mount("tmpfs", mnt_target(st, fd, m_rel), "tmpfs", MS_RDONLY, NULL);
    else
      r = st->sys->mount("/dev/null", mnt_target(st, fd, m_rel), NULL, MS_BIND, NULL);
  }
  st->sys->close((int)fd);
  return (int)r;
}

int mnt_readonly_path(struct xst *st, const struct tsrun_op *op)
{
  const char *t;
  long fd, r = masked_target(st, op, &fd);
  if (r < 0 || fd < 0)
    return (int)r;
  t = mnt_target(st, fd, m_rel);
  r = st->sys->mount(t, t, NULL, MS_BIND | MS_REC, NULL);
  st->sys->close((int)fd);
  if (r < 0)
    return (int)r;
  if ((r = masked_target(st, op, &fd)) < 0) /* again: the bind on top */
    return (int)r;
  if (fd < 0)
    return -ENOENT;
  /* keep nosuid/nodev/noexec of what is bound (proc's), as runc does */
  r = mnt_remount(st, fd, m_rel, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC |
                  (mnt_kept_flags(st, fd, 0) & (MS_NOSUID | MS_NODEV | MS_NOEXEC)));
  st->sys->close((int)fd);
  return (int)r;
}

/* runc's fallbacks for kernel filesystems a user namespace may not mount: sysfs without owning
 * the network namespace gets the host's /sys bound recursively, cgroup2 without owning the
 * cgroup namespace the host's /sys/fs/cgroup; then the mount's nosuid/nodev/noexec/ro are
 * applied as a bind remount, keeping the flags the kernel locked. */
long mchk_kernfs_fallback(struct xst *st, long fd, const char *rel, const char *type, uint64_t flags)
{
  const struct tsrun_sys *s = st->sys;
  int sysfs = type && strcmp(type, "sysfs") == 0;
  const char *host = sysfs ? "/sys" : "/sys/fs/cgroup";
  long srcfd = s->openat(AT_FDCWD, host, O_PATH | O_DIRECTORY | O_CLOEXEC, 0), r, again;
  if (srcfd < 0)
    return x_fail(st, srcfd, host);
  r = s->mount(x_fd_path(m_src, srcfd), mnt_target(st, fd, rel), NULL, MS_BIND | (sysfs ? MS_REC : 0), NULL);
  s->close((int)srcfd);
  if (r < 0)
    return x_fail(st, r, sysfs ? "bind /sys (sysfs could not be mounted)" : "bind /sys/fs/cgroup (cgroup2 could not be mounted)");
  again = mchk_mount_point(st, rel, 0);
  if (again < 0)
    return again;
  r = mnt_remount(st, again, rel, MS_BIND | MS_REMOUNT | (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)));
  s->close((int)again);
  return r;
}
