/*
 * tmpcopyup (a crun/runc mount option podman uses for --read-only's tmpfs mounts): after a
 * tmpfs is mounted over a directory of the image, copy what the image had there into it.
 * The caller opens the directory before the mount, so that fd still reads what is underneath;
 * the copy keeps each entry's type, mode, owner, symlink target and device number (not times),
 * and the mount's root takes the covered directory's owner and mode.
 * Directories deeper than COPY_DEPTH fail with ELOOP rather than use unbounded memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "executor.h"

#define COPY_DEPTH 24

struct dirent64_raw {
  unsigned long long d_ino;
  long long d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

static char g_dents[COPY_DEPTH][2048]; /* one getdents buffer per level: entries survive recursion */
static char g_data[16384];             /* file contents, one file at a time */
static char g_link[4096];

static long set_owner_mode(struct xst *st, int dir, const char *name, const struct stat *sb, int is_link)
{
  long r = st->sys->fchownat(dir, name, sb->st_uid, sb->st_gid, AT_SYMLINK_NOFOLLOW);
  if (r < 0 || is_link)
    return r;
  return st->sys->attr3(SYS_fchmodat, (unsigned long)dir, (unsigned long)name, sb->st_mode & 07777);
}

static long copy_file(struct xst *st, int src, int dst, const char *name, const struct stat *sb)
{
  const struct tsrun_sys *s = st->sys;
  long in, out, n, r = 0;
  in = s->openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (in < 0)
    return in;
  out = s->openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) {
    s->close((int)in);
    return out;
  }
  while ((n = s->read((int)in, g_data, sizeof g_data)) > 0) {
    long off = 0;
    while (off < n) {
      long w = s->write((int)out, g_data + off, (size_t)(n - off));
      if (w < 0) {
        r = w;
        goto done;
      }
      off += w;
    }
  }
  if (n < 0)
    r = n;
done:
  s->close((int)in);
  s->close((int)out);
  return r < 0 ? r : set_owner_mode(st, dst, name, sb, 0);
}

static long copy_dir(struct xst *st, int src, int dst, int depth);

static long copy_entry(struct xst *st, int src, int dst, const char *name, int depth)
{
  const struct tsrun_sys *s = st->sys;
  struct stat sb;
  long r = s->fstatat(src, name, &sb, AT_SYMLINK_NOFOLLOW), n;
  if (r < 0)
    return r;
  switch (sb.st_mode & S_IFMT) {
  case S_IFREG:
    return copy_file(st, src, dst, name, &sb);
  case S_IFLNK:
    n = s->readlinkat(src, name, g_link, sizeof g_link - 1);
    if (n < 0)
      return n;
    g_link[n] = 0;
    if ((r = s->symlinkat(g_link, dst, name)) < 0)
      return r;
    return set_owner_mode(st, dst, name, &sb, 1);
  case S_IFDIR: {
    long a, b;
    if ((r = s->mkdirat(dst, name, 0700)) < 0)
      return r;
    a = s->openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (a < 0)
      return a;
    b = s->openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (b < 0) {
      s->close((int)a);
      return b;
    }
    r = copy_dir(st, (int)a, (int)b, depth + 1);
    s->close((int)a);
    s->close((int)b);
    return r < 0 ? r : set_owner_mode(st, dst, name, &sb, 0);
  }
  default: /* devices, fifos, sockets */
    if ((r = s->mknodat(dst, name, sb.st_mode & (S_IFMT | 0600), sb.st_rdev)) < 0)
      return r;
    return set_owner_mode(st, dst, name, &sb, 0);
  }
}

static long copy_dir(struct xst *st, int src, int dst, int depth)
{
  char *buf;
  long n, r;
  if (depth >= COPY_DEPTH)
    return -ELOOP;
  buf = g_dents[depth];
  while ((n = st->sys->attr3(SYS_getdents64, (unsigned long)src, (unsigned long)buf, sizeof g_dents[0])) > 0) {
    long off = 0;
    while (off < n) {
      struct dirent64_raw *d = (struct dirent64_raw *)(buf + off);
      off += d->d_reclen;
      if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
        continue;
      if ((r = copy_entry(st, src, dst, d->d_name, depth)) < 0)
        return x_fail(st, r, d->d_name);
    }
  }
  return n;
}

long mnt_copyup(struct xst *st, int src, int dst)
{
  struct stat sb;
  long r = copy_dir(st, src, dst, 0);
  if (r < 0)
    return r;
  /* the new mount's root takes the owner and mode of the directory it covers */
  if ((r = st->sys->fstat(src, &sb)) < 0 ||
      (r = st->sys->fchownat(dst, "", sb.st_uid, sb.st_gid, AT_EMPTY_PATH)) < 0)
    return r;
  return st->sys->attr3(SYS_fchmod, (unsigned long)dst, sb.st_mode & 07777, 0);
}
