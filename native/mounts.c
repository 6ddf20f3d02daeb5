/*
 * Executor ops on paths inside the container's root: mounts, device nodes,
 * symlinks, directories, pivot_root, masked and read-only paths.
 *
 * Every rootfs-relative path is resolved inside the root: openat2() with
 * RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS, or (kernel without openat2, or when
 * directories must be created) a component-by-component walk with O_NOFOLLOW that
 * follows symlinks itself, relative to the root. Mounts then target the resolved
 * fd through /proc/self/fd/N, so a symlink in the rootfs can never redirect a
 * mount onto the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "executor.h"
#include "mountcheck.h"

#define WALK_DEPTH 128 /* directories deep */
#define WALK_LINKS 40  /* symlinks followed per resolution, as the kernel */

static char g_dest[X_PATH_MAX];    /* cleaned path of the current op */
static char g_par[X_PATH_MAX];     /* parent part of g_dest */
static char g_walk[2][X_PATH_MAX]; /* manual walk: remaining path, swapped on each symlink */
static int g_stack[WALK_DEPTH];    /* manual walk: fds of the directories so far */
static char g_tgt[X_PATH_MAX + 16], g_src[X_FD_PATH_MAX];

/* Lexically clean `in` into a root-relative path: no leading '/', no "." or "..",
 * ".." clamped at the root. The root itself is "". */
int mnt_clean(const char *in, char *out)
{
  size_t len = 0;
  const char *p = in;
  while (*p) {
    const char *e;
    size_t n;
    while (*p == '/')
      p++;
    if (!*p)
      break;
    for (e = p; *e && *e != '/'; e++)
      ;
    n = (size_t)(e - p);
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      while (len > 0 && out[len - 1] != '/')
        len--;
      if (len > 0)
        len--;
    } else if (!(n == 1 && p[0] == '.')) {
      if (len + 1 + n + 1 > X_PATH_MAX)
        return -ENAMETOOLONG;
      if (len)
        out[len++] = '/';
      memcpy(out + len, p, n);
      len += n;
    }
    p = e;
  }
  out[len] = 0;
  return 0;
}

static long open_root_again(struct xst *st)
{
  return st->sys->openat(st->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
}

/* The manual walk. `create`: make missing directories (0755, the last one last_mode). */
static long walk(struct xst *st, const char *rel, int create, unsigned last_mode)
{
  const struct tsrun_sys *s = st->sys;
  char *rem = g_walk[0], *tmp = g_walk[1];
  size_t pos = 0;
  int depth = 0, links = 0;
  long err = 0, fd;

  if (strlen(rel) >= X_PATH_MAX)
    return -ENAMETOOLONG;
  strcpy(rem, rel);
  g_stack[0] = st->rootfd;
  for (;;) {
    char name[256];
    size_t e, n, after;
    int last;
    struct stat sb;

    while (rem[pos] == '/')
      pos++;
    if (!rem[pos])
      break;
    for (e = pos; rem[e] && rem[e] != '/'; e++)
      ;
    n = e - pos;
    for (after = e; rem[after] == '/'; after++)
      ;
    last = rem[after] == 0;
    if (n >= sizeof name) {
      err = -ENAMETOOLONG;
      goto out;
    }
    memcpy(name, rem + pos, n);
    name[n] = 0;
    pos = e;
    if (n == 1 && name[0] == '.')
      continue;
    if (n == 2 && name[0] == '.' && name[1] == '.') {
      if (depth > 0)
        s->close(g_stack[depth--]);
      continue;
    }
    fd = s->openat(g_stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd == -ENOENT && create) {
      long r = s->mkdirat(g_stack[depth], name, last ? last_mode : 0755);
      if (r < 0 && r != -EEXIST) {
        err = r;
        goto out;
      }
      fd = s->openat(g_stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
    }
    if (fd < 0) {
      err = fd;
      goto out;
    }
    err = s->fstat((int)fd, &sb);
    if (err < 0) {
      s->close((int)fd);
      goto out;
    }
    if (S_ISLNK(sb.st_mode)) {
      long ln;
      size_t rest = strlen(rem + pos);
      if (++links > WALK_LINKS) {
        s->close((int)fd);
        err = -ELOOP;
        goto out;
      }
      ln = s->readlinkat((int)fd, "", tmp, X_PATH_MAX);
      s->close((int)fd);
      if (ln < 0) {
        err = ln;
        goto out;
      }
      if ((size_t)ln + 1 + rest + 1 > X_PATH_MAX) {
        err = -ENAMETOOLONG;
        goto out;
      }
      tmp[ln] = '/';
      memcpy(tmp + ln + 1, rem + pos, rest + 1);
      if (tmp[0] == '/')
        while (depth > 0)
          s->close(g_stack[depth--]);
      { char *t = rem; rem = tmp; tmp = t; }
      pos = 0;
      continue;
    }
    if (!last && !S_ISDIR(sb.st_mode)) {
      s->close((int)fd);
      err = -ENOTDIR;
      goto out;
    }
    if (depth + 1 >= WALK_DEPTH) {
      s->close((int)fd);
      err = -ENAMETOOLONG;
      goto out;
    }
    g_stack[++depth] = (int)fd;
  }
  if (depth == 0)
    return open_root_again(st);
  err = g_stack[depth--];
out:
  while (depth > 0)
    s->close(g_stack[depth--]);
  return err;
}

/* Open the cleaned root-relative path `rel` as an O_PATH fd inside the root. */
static long resolve(struct xst *st, const char *rel, int create, unsigned last_mode)
{
  if (st->rootfd < 0)
    return -EBADF;
  if (!st->no_openat2) {
    struct open_how how;
    long fd;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    fd = st->sys->openat2(st->rootfd, *rel ? rel : ".", &how, sizeof how);
    if (fd == -ENOSYS)
      st->no_openat2 = 1;
    else if (fd != -ENOENT || !create)
      return fd;
  }
  return walk(st, rel, create, last_mode);
}

/* Resolve the parent directory of the cleaned path `rel` (created if missing);
 * *name points at the last component. */
static long resolve_parent(struct xst *st, const char *rel, const char **name)
{
  char *slash;
  if (!*rel)
    return -EINVAL;
  strcpy(g_par, rel);
  slash = strrchr(g_par, '/');
  if (slash) {
    *slash = 0;
    *name = slash + 1;
  } else {
    *name = g_par;
    return resolve(st, "", 1, 0755);
  }
  return resolve(st, g_par, 1, 0755);
}

/* What to hand mount(2) as the target for fd (opened from the cleaned `rel`):
 * /proc/self/fd/N, or after pivot without a /proc the plain path. */
const char *mnt_target(struct xst *st, long fd, const char *rel)
{
  struct sbuf b;
  if (!st->pivoted || st->sys->faccessat(AT_FDCWD, "/proc/self/fd", F_OK, 0) == 0)
    return x_fd_path(g_tgt, fd);
  sb_init(&b, g_tgt, sizeof g_tgt);
  sb_str(&b, "/");
  sb_str(&b, rel);
  return g_tgt;
}

static void xclose(struct xst *st, long *fd)
{
  if (*fd >= 0)
    st->sys->close((int)*fd);
  *fd = -1;
}

#define ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

/* The flags a bind remount must keep: the kernel refuses (EPERM) to clear flags
 * that are locked on the mount (a mount inherited into a user namespace).
 * statfs reports them as ST_* bits; ST_RELATIME differs from MS_RELATIME. */
unsigned long mnt_kept_flags(struct xst *st, long fd, unsigned long want)
{
  static const struct { unsigned long st, ms; } map[] = {
    { 0x0001, MS_RDONLY }, { 0x0002, MS_NOSUID }, { 0x0004, MS_NODEV }, { 0x0008, MS_NOEXEC },
    { 0x0400, MS_NOATIME }, { 0x0800, MS_NODIRATIME }, { 0x1000, MS_RELATIME },
  };
  struct statfs sf;
  unsigned long keep = 0;
  size_t i;
  if (st->sys->fstatfs((int)fd, &sf) < 0)
    return 0;
  for (i = 0; i < sizeof map / sizeof map[0]; i++)
    if ((unsigned long)sf.f_flags & map[i].st)
      keep |= map[i].ms;
  if (want & ATIME_FLAGS) /* the caller chose the atime behaviour */
    keep &= ~(unsigned long)ATIME_FLAGS;
  return keep;
}

/* mount(NULL, fd, NULL, flags); on EPERM retry with the mount's locked flags added. */
long mnt_remount(struct xst *st, long fd, const char *rel, unsigned long flags)
{
  const char *t = mnt_target(st, fd, rel);
  long r = st->sys->mount(NULL, t, NULL, flags, NULL);
  unsigned long keep;
  if (r != -EPERM)
    return r;
  keep = mnt_kept_flags(st, fd, flags);
  if ((flags | keep) == flags)
    return r;
  return st->sys->mount(NULL, t, NULL, flags | keep, NULL);
}

/* Create the last component of the cleaned `rel` as an empty file (EEXIST is fine). */
static long make_file(struct xst *st, const char *rel)
{
  const char *name;
  long pfd = resolve_parent(st, rel, &name), fd;
  if (pfd < 0)
    return pfd;
  fd = st->sys->openat((int)pfd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  xclose(st, &pfd);
  if (fd == -EEXIST)
    return 0;
  if (fd < 0)
    return fd;
  xclose(st, &fd);
  return 0;
}

int mnt_open_root(struct xst *st, const struct tsrun_op *op)
{
  const char *path = x_str(st, op->s[0]);
  long fd = st->sys->openat(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0)
    return (int)fd;
  mnt_close_root(st);
  st->rootfd = (int)fd;
  st->rootpath = path;
  return 0;
}

void mnt_close_root(struct xst *st)
{
  if (st->rootfd >= 0)
    st->sys->close(st->rootfd);
  st->rootfd = -1;
}

static int reopen_root(struct xst *st, const char *path)
{
  long fd = st->sys->openat(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0)
    return (int)x_fail(st, fd, path);
  mnt_close_root(st);
  st->rootfd = (int)fd;
  st->rootpath = path;
  return 0;
}

/* The /proc rule for a file bind, on the destination as it exists, before make_file touches it
 * (it cannot create on proc). Without openat2 the check after make_file is the one that counts. */
static long proc_rule_existing(struct xst *st, const char *rel, long srcfd)
{
  struct open_how how;
  long fd, r;
  if (st->rootfd < 0 || st->no_openat2)
    return 0;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  fd = st->sys->openat2(st->rootfd, rel, &how, sizeof how);
  if (fd == -ENOENT && strrchr(rel, '/')) { /* a file proc does not have: is its parent on proc? */
    strcpy(g_par, rel);
    *strrchr(g_par, '/') = 0;
    if ((fd = st->sys->openat2(st->rootfd, g_par, &how, sizeof how)) < 0)
      return 0;
    r = mchk_proc_parent(st, fd, rel);
    st->sys->close((int)fd);
    return r;
  }
  if (fd < 0)
    return 0;
  r = mchk_proc_dest(st, fd, srcfd, NULL, rel);
  st->sys->close((int)fd);
  return r;
}

int mnt_mount(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  const char *src = x_str(st, op->s[0]), *dest = x_str(st, op->s[1]);
  long srcfd = -1, fd = -1, r;
  int bind = (op->flags & OPF_BIND) != 0, mkfile = (op->flags & OPF_MKFILE) != 0, is_root;
  int check = (op->flags & OPF_CHECK_PROCFS) != 0;
  struct stat sb;

  if ((r = mnt_clean(dest, g_dest)) < 0)
    return (int)r;
  is_root = g_dest[0] == 0;
  if (bind) {
    srcfd = s->openat(AT_FDCWD, src, O_PATH | O_CLOEXEC, 0);
    if (srcfd < 0)
      return (int)x_fail(st, srcfd, src);
    if (s->fstat((int)srcfd, &sb) == 0 && !S_ISDIR(sb.st_mode))
      mkfile = 1;
  }
  if (check) /* a kernel filesystem: an ordinary directory, reached without symlinks */
    fd = mchk_mount_point(st, g_dest, 1);
  else if (mkfile && !is_root && ((r = proc_rule_existing(st, g_dest, srcfd)) < 0 || (r = make_file(st, g_dest)) < 0))
    goto out;
  else
    fd = resolve(st, g_dest, !mkfile, 0755);
  if (fd < 0) {
    r = fd;
    goto out;
  }
  if (!is_root && (r = mchk_proc_dest(st, fd, bind ? srcfd : -1, x_str(st, op->s[2]), g_dest)) < 0)
    goto out;
  r = s->mount(bind ? x_fd_path(g_src, srcfd) : src, mnt_target(st, fd, g_dest), x_str(st, op->s[2]),
               op->a, x_str(st, op->s[3]));
  if ((r == -EPERM || r == -EBUSY) && !bind && (op->flags & OPF_BIND_FALLBACK)) {
    /* sysfs or cgroup2 the user namespace may not mount: the host's, bound */
    r = mchk_kernfs_fallback(st, fd, g_dest, x_str(st, op->s[2]), op->a);
    xclose(st, &fd);
    xclose(st, &srcfd);
    return (int)r;
  }
  xclose(st, &fd);
  xclose(st, &srcfd);
  if (r < 0)
    goto out;
  /* fds opened before the mount see what is underneath it: reopen */
  if (is_root && (r = reopen_root(st, st->rootpath)) < 0)
    return (int)r;
  if (!(op->flags & OPF_REMOUNT_BIND) && op->c == 0)
    return 0;
  fd = check ? mchk_mount_point(st, g_dest, 0) : resolve(st, g_dest, 0, 0);
  if (fd < 0) {
    r = fd;
    goto out;
  }
  if ((op->flags & OPF_REMOUNT_BIND) && (r = mnt_remount(st, fd, g_dest, MS_BIND | MS_REMOUNT | op->b)) < 0)
    goto out;
  if (op->c)
    r = s->mount(NULL, mnt_target(st, fd, g_dest), NULL, op->c, NULL);
out:
  xclose(st, &fd);
  xclose(st, &srcfd);
  return (int)r;
}

/* Device node fallback in a user namespace: an empty file with the host node bound on it. */
static long bind_host_node(struct xst *st, long pfd, const char *name, const char *host)
{
  const struct tsrun_sys *s = st->sys;
  long fd, src, r;
  fd = s->openat((int)pfd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && fd != -EEXIST)
    return fd;
  xclose(st, &fd);
  fd = s->openat((int)pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0)
    return fd;
  src = s->openat(AT_FDCWD, host, O_PATH | O_CLOEXEC, 0);
  if (src < 0) {
    xclose(st, &fd);
    return x_fail(st, src, host);
  }
  r = s->mount(x_fd_path(g_src, src), mnt_target(st, fd, g_dest), NULL, MS_BIND, NULL);
  xclose(st, &fd);
  xclose(st, &src);
  return r;
}

int mnt_mknod(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  const char *name;
  unsigned mode = (unsigned)op->a;
  unsigned long dev = (unsigned long)op->b;
  struct stat sb;
  long pfd, r, old;

  if ((r = mnt_clean(x_str(st, op->s[0]), g_dest)) < 0)
    return (int)r;
  if ((pfd = resolve_parent(st, g_dest, &name)) < 0)
    return (int)pfd;
  r = s->fstatat((int)pfd, name, &sb, AT_SYMLINK_NOFOLLOW);
  if (r == 0 && (sb.st_mode & S_IFMT) == (mode & S_IFMT) && sb.st_rdev == dev)
    goto chown; /* already there (a default the config repeats) */
  if (r == 0 && S_ISDIR(sb.st_mode)) {
    r = -EEXIST;
    goto out;
  }
  if (r == 0 && (r = s->unlinkat((int)pfd, name, 0)) < 0)
    goto out;
  old = s->umask(0);
  r = s->mknodat((int)pfd, name, mode, dev);
  if (old >= 0)
    s->umask((unsigned)old);
  if ((r == -EPERM || r == -EACCES) && (op->flags & OPF_BIND_FALLBACK)) {
    r = bind_host_node(st, pfd, name, x_str(st, op->s[0]));
    goto out;
  }
  if (r < 0)
    goto out;
chown:
  r = s->fchownat((int)pfd, name, (unsigned)(op->c >> 32), (unsigned)(op->c & 0xffffffffu),
                  AT_SYMLINK_NOFOLLOW);
out:
  xclose(st, &pfd);
  return (int)r;
}

int mnt_symlink(struct xst *st, const struct tsrun_op *op)
{
  const char *name;
  long pfd, r;
  if ((r = mnt_clean(x_str(st, op->s[1]), g_dest)) < 0)
    return (int)r;
  if ((pfd = resolve_parent(st, g_dest, &name)) < 0)
    return (int)pfd;
  r = st->sys->symlinkat(x_str(st, op->s[0]), (int)pfd, name);
  xclose(st, &pfd);
  return r == -EEXIST ? 0 : (int)r;
}

int mnt_mkdir(struct xst *st, const struct tsrun_op *op)
{
  long fd, r;
  if ((r = mnt_clean(x_str(st, op->s[0]), g_dest)) < 0)
    return (int)r;
  if (op->flags & OPF_MKFILE) /* an empty file (a mount point for a file) */
    return *g_dest ? (int)make_file(st, g_dest) : -EISDIR;
  fd = resolve(st, g_dest, 1, (unsigned)op->a);
  if (fd < 0)
    return (int)fd;
  xclose(st, &fd);
  return 0;
}

int mnt_pivot_root(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  const char *rootfs = x_str(st, op->s[0]);
  long oldroot, newroot, r;

  oldroot = s->openat(AT_FDCWD, "/", O_DIRECTORY | O_PATH | O_CLOEXEC, 0);
  if (oldroot < 0)
    return (int)x_fail(st, oldroot, "/");
  newroot = s->openat(AT_FDCWD, rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC, 0);
  if (newroot < 0) {
    xclose(st, &oldroot);
    return (int)newroot;
  }
  if ((r = s->fchdir((int)newroot)) < 0 || (r = s->pivot_root(".", ".")) < 0 ||
      (r = s->fchdir((int)oldroot)) < 0)
    goto out;
  /* the old root is stacked under the new one at "."; keep its unmount from propagating */
  if ((r = s->mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL)) < 0) {
    x_fail(st, r, "old root");
    goto out;
  }
  if ((r = s->umount2(".", MNT_DETACH)) < 0) {
    x_fail(st, r, "old root");
    goto out;
  }
  if ((r = s->chdir("/")) < 0)
    goto out;
  st->pivoted = 1;
  r = reopen_root(st, "/");
out:
  xclose(st, &oldroot);
  xclose(st, &newroot);
  return (int)r;
}

int mnt_move_root(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  const char *rootfs = x_str(st, op->s[0]);
  static char real[X_PATH_MAX];
  long r;
  if ((r = s->chdir(rootfs)) < 0)
    return (int)r;
  /* a=1: no mount namespace of our own (the host's): chroot only, never MS_MOVE there, nothing to hide */
  if (!(op->a & 1)) {
    if ((r = s->getcwd(real, sizeof real)) < 0 || (r = mnt_hide_host_kernfs(st, real)) < 0 ||
        (r = s->mount(rootfs, "/", NULL, MS_MOVE, NULL)) < 0)
      return (int)r;
  }
  if ((r = s->chroot(".")) < 0 || (r = s->chdir("/")) < 0)
    return (int)r;
  st->pivoted = 1;
  return reopen_root(st, "/");
}

int mnt_remount_ro(struct xst *st, const struct tsrun_op *op)
{
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  long fd, r;
  if ((r = mnt_clean(x_str(st, op->s[0]), g_dest)) < 0)
    return (int)r;
  fd = resolve(st, g_dest, 0, 0);
  if (fd < 0)
    return (int)fd;
  r = mnt_remount(st, fd, g_dest, flags | mnt_kept_flags(st, fd, flags));
  xclose(st, &fd);
  return (int)r;
}

/* O_PATH fd of an existing path inside the root (for mountattr.c, copyup.c) */
long mnt_resolve(struct xst *st, const char *path)
{
  long r = mnt_clean(path, g_dest);
  return r < 0 ? r : resolve(st, g_dest, 0, 0);
}

/* the same, missing directories made (0755) */
long mnt_resolve_mkdir(struct xst *st, const char *path)
{
  long r = mnt_clean(path, g_dest);
  return r < 0 ? r : resolve(st, g_dest, 1, 0755);
}

int mnt_private_root(struct xst *st, const struct tsrun_op *op)
{
  long r = st->sys->mount(NULL, "/", NULL, op->a, NULL);
  return r < 0 ? (int)x_fail(st, r, "/") : 0;
}
