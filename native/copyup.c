/*
 * OP_MOUNT_COPYUP: a tmpfs mount with `tmpcopyup`. The destination directory is
 * resolved inside the root and kept open; the tmpfs is mounted on it; the old fd
 * still sees what is underneath, so its contents (files, directories, symlinks as
 * links, fifos and device nodes; modes, owners and times) are copied into the new tmpfs
 * before anything else runs. A read-only tmpfs is made read-only after the copy.
 *
 * Every lookup is one name relative to an fd, with O_NOFOLLOW: the copy never
 * leaves the directory it started from, whatever the rootfs holds or changes to.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "executor.h"

#define CU_DEPTH 64     /* directory levels copied */
#define CU_DIRBUF 2048  /* getdents64 buffer per level */
#define CU_PERMOUNT (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | \
                     MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW)
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

struct cu_dirent { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; };

static char cu_dirbuf[CU_DEPTH][CU_DIRBUF];
static char cu_data[65536];
static char cu_link[X_PATH_MAX];
static char cu_rel[X_PATH_MAX]; /* path being copied, relative to the destination: the error detail */
static char cu_fdpath[X_FD_PATH_MAX];

/* owner, then mode (chown clears the set-id bits), then times; an owner the namespace cannot
 * map is left as it is. A directory gets this after its contents. */
static long cu_attrs(struct xst *st, int dfd, const char *name, const struct stat *sb, int is_link)
{
  const struct tsrun_sys *s = st->sys;
  struct timespec t[2];
  long r = s->fchownat(dfd, name, sb->st_uid, sb->st_gid, AT_SYMLINK_NOFOLLOW);
  if (r < 0 && r != -EINVAL && r != -EPERM)
    return r;
  if (!is_link && (r = s->attr3(SYS_fchmodat, (unsigned long)dfd, (unsigned long)name, sb->st_mode & 07777)) < 0)
    return r;
  t[0] = sb->st_atim;
  t[1] = sb->st_mtim;
  r = s->utimensat(dfd, name, t, AT_SYMLINK_NOFOLLOW);
  return r == -EPERM ? 0 : r;
}

static long cu_file(struct xst *st, int src, int dst, const char *name, const struct stat *sb)
{
  const struct tsrun_sys *s = st->sys;
  struct stat fsb;
  long in, out, n, r = 0;
  /* O_NONBLOCK: a fifo swapped in after the stat must not block the open */
  in = s->openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
  if (in < 0)
    return in;
  if ((r = s->fstat((int)in, &fsb)) < 0 || !S_ISREG(fsb.st_mode)) {
    s->close((int)in);
    return r < 0 ? r : -EAGAIN;
  }
  out = s->openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, sb->st_mode & 0777);
  if (out < 0) {
    s->close((int)in);
    return out;
  }
  for (;;) {
    long off = 0;
    do
      n = s->read((int)in, cu_data, sizeof cu_data);
    while (n == -EINTR);
    if (n <= 0) {
      r = n;
      break;
    }
    while (off < n) {
      long w = s->write((int)out, cu_data + off, (size_t)(n - off));
      if (w == -EINTR)
        continue;
      if (w <= 0) {
        r = w < 0 ? w : -EIO;
        goto done;
      }
      off += w;
    }
  }
done:
  s->close((int)in);
  s->close((int)out);
  return r < 0 ? r : cu_attrs(st, dst, name, sb, 0);
}

static long cu_dir(struct xst *st, int src, int dst, int depth, size_t rel);

static long cu_entry(struct xst *st, int src, int dst, const char *name, int depth, size_t rel)
{
  const struct tsrun_sys *s = st->sys;
  struct stat sb;
  long r = s->fstatat(src, name, &sb, AT_SYMLINK_NOFOLLOW);
  if (r < 0)
    return r == -ENOENT ? 0 : r; /* gone since the listing */
  switch (sb.st_mode & S_IFMT) {
  case S_IFREG:
    return cu_file(st, src, dst, name, &sb);
  case S_IFLNK:
    r = s->readlinkat(src, name, cu_link, sizeof cu_link - 1);
    if (r < 0)
      return r;
    cu_link[r] = 0;
    if ((r = s->symlinkat(cu_link, dst, name)) < 0)
      return r;
    return cu_attrs(st, dst, name, &sb, 1);
  case S_IFDIR: {
    long sfd, dfd;
    if (depth + 1 >= CU_DEPTH)
      return -ELOOP;
    if ((r = s->mkdirat(dst, name, 0700)) < 0)
      return r;
    sfd = s->openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (sfd < 0)
      return sfd;
    dfd = s->openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (dfd < 0) {
      s->close((int)sfd);
      return dfd;
    }
    r = cu_dir(st, (int)sfd, (int)dfd, depth + 1, rel);
    s->close((int)sfd);
    s->close((int)dfd);
    return r < 0 ? r : cu_attrs(st, dst, name, &sb, 0);
  }
  case S_IFCHR:
  case S_IFBLK:
  case S_IFIFO:
    if ((r = s->mknodat(dst, name, sb.st_mode, sb.st_rdev)) < 0)
      return r;
    return cu_attrs(st, dst, name, &sb, 0);
  default:
    return 0; /* sockets belong to a process, not to the image */
  }
}

static long cu_dir(struct xst *st, int src, int dst, int depth, size_t rel)
{
  char *buf = cu_dirbuf[depth];
  if (rel)
    cu_rel[rel++] = '/';
  for (;;) {
    long n = st->sys->attr3(SYS_getdents64, (unsigned long)src, (unsigned long)buf, CU_DIRBUF), pos = 0;
    if (n <= 0)
      return n;
    while (pos < n) {
      struct cu_dirent *d = (struct cu_dirent *)(buf + pos);
      long r;
      pos += d->reclen;
      if (d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2])))
        continue;
      size_t n = strlen(d->name);
      if (rel + n + 2 > sizeof cu_rel)
        return x_fail(st, -ENAMETOOLONG, d->name);
      memcpy(cu_rel + rel, d->name, n + 1);
      if ((r = cu_entry(st, src, dst, d->name, depth, rel + n)) < 0)
        return x_fail(st, r, cu_rel);
    }
  }
}

int mnt_copyup(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  const char *dest = x_str(st, op->s[1]);
  unsigned long flags = (unsigned long)op->a;
  struct stat sb;
  long under, src = -1, top = -1, dst = -1, r, old;

  under = mnt_resolve_mkdir(st, dest);
  if (under < 0)
    return (int)under;
  if ((r = s->fstat((int)under, &sb)) < 0)
    goto out;
  if (!S_ISDIR(sb.st_mode)) {
    r = -ENOTDIR;
    goto out;
  }
  /* opened before the mount: keeps seeing the rootfs directory underneath */
  if ((src = s->openat((int)under, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0) {
    r = src;
    goto out;
  }
  r = s->mount(x_str(st, op->s[0]), x_fd_path(cu_fdpath, under), x_str(st, op->s[2]), flags & ~(unsigned long)MS_RDONLY,
               x_str(st, op->s[3]));
  if (r < 0)
    goto out;
  if ((top = mnt_resolve(st, dest)) < 0) {
    r = top;
    goto out;
  }
  if ((dst = s->openat((int)top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0) {
    r = dst;
    goto out;
  }
  old = s->umask(0);
  r = cu_dir(st, (int)src, (int)dst, 0, 0);
  if (old >= 0)
    s->umask((unsigned)old);
  if (r < 0)
    goto out;
  /* the tmpfs root takes the directory's owner, and its mode unless the data gave one */
  if (!(op->b & 1))
    sb.st_mode = 0;
  if ((r = s->fchownat((int)dst, "", sb.st_uid, sb.st_gid, AT_EMPTY_PATH)) < 0 && r != -EINVAL && r != -EPERM)
    goto out;
  if ((op->b & 1) && (r = s->attr3(SYS_fchmod, (unsigned long)dst, sb.st_mode & 07777, 0)) < 0)
    goto out;
  {
    struct timespec t[2] = { sb.st_atim, sb.st_mtim };
    if ((r = s->utimensat((int)dst, NULL, t, 0)) < 0 && r != -EPERM)
      goto out;
  }
  r = 0;
  if (flags & MS_RDONLY) {
    r = s->mount(NULL, x_fd_path(cu_fdpath, top), NULL, MS_BIND | MS_REMOUNT | (flags & CU_PERMOUNT), NULL);
    if (r < 0) {
      x_fail(st, r, "remount read-only");
      goto out;
    }
  }
  if (op->c)
    r = s->mount(NULL, x_fd_path(cu_fdpath, top), NULL, op->c, NULL);
out:
  if (dst >= 0)
    s->close((int)dst);
  if (top >= 0)
    s->close((int)top);
  if (src >= 0)
    s->close((int)src);
  s->close((int)under);
  return (int)r;
}
