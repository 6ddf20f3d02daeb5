/*
 * --no-pivot (OP_MOVE_ROOT in a mount namespace of our own), as runc's msMoveRoot does it.
 *
 * MS_MOVE + chroot leaves the host's mounts in the container's mount namespace, under the
 * moved rootfs. The kernel lets a nested user namespace mount a fresh procfs or sysfs when
 * the mount namespace holds one that is fully visible (mount_too_revealing looks at every
 * mount of the namespace, not only those under the root), so `unshare -mrpf` and
 * `mount -t proc` would give the container a proc without its masks. Before the move, every
 * whole proc and sysfs mount outside the rootfs is made a slave (nothing reaches the host)
 * and detached; one that cannot be (locked, in a user namespace) is covered by a tmpfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>

#include "executor.h"

#define NP_LINE 8192            /* the longest mountinfo line we read */
#define NP_KEEP (256 * 1024)    /* the mount points found, NUL-separated */

static char np_buf[NP_LINE];
static char np_found[NP_KEEP];
static size_t np_kept;

/* mountinfo's \ooo escapes (space, tab, newline, backslash), undone in place */
static void np_unescape(char *s)
{
  char *o = s;
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 3;
    } else {
      *o++ = *s;
    }
  }
  *o = 0;
}

/* The mount point of one mountinfo line (cut and unescaped in place) when the line is a
 * whole (root "/") proc or sysfs mount; NULL for any other line. */
char *np_kernfs_point(char *line)
{
  char *f[6], *p = line, *fstype, *w;
  int i;
  for (i = 0; i < 6; i++) {     /* id, parent, major:minor, root, mount point, options */
    f[i] = p;
    if (!(p = strchr(p, ' ')))
      return NULL;
    *p++ = 0;
  }
  for (;;) {                    /* optional fields up to "-" */
    w = p;
    if (!(p = strchr(p, ' ')))
      return NULL;
    *p++ = 0;
    if (!strcmp(w, "-"))
      break;
  }
  fstype = p;
  if ((p = strchr(p, ' ')))
    *p = 0;
  if (strcmp(f[3], "/") || (strcmp(fstype, "proc") && strcmp(fstype, "sysfs")))
    return NULL;
  np_unescape(f[4]);
  return f[4];
}

static int np_under(const char *path, const char *root)
{
  size_t n = strlen(root);
  if (n == 1 && root[0] == '/')
    return 1;
  return !strncmp(path, root, n) && (path[n] == 0 || path[n] == '/');
}

static long np_line(char *line, const char *root)
{
  char *pt = np_kernfs_point(line);
  size_t n;
  if (!pt || np_under(pt, root))
    return 0;
  n = strlen(pt) + 1;
  if (np_kept + n > sizeof np_found)
    return -ENOMEM;
  memcpy(np_found + np_kept, pt, n);
  np_kept += n;
  return 0;
}

/* Read /proc/self/mountinfo whole before changing anything (the table moves as we detach). */
static long np_collect(struct xst *st, const char *root)
{
  const struct tsrun_sys *s = st->sys;
  size_t have = 0;
  long fd, n, r = 0;
  char *start, *nl;
  np_kept = 0;
  fd = s->openat(AT_FDCWD, "/proc/self/mountinfo", O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return x_fail(st, fd, "open /proc/self/mountinfo");
  for (;;) {
    n = s->read((int)fd, np_buf + have, sizeof np_buf - 1 - have);
    if (n < 0) {
      r = x_fail(st, n, "read /proc/self/mountinfo");
      break;
    }
    have += (size_t)n;
    np_buf[have] = 0;
    start = np_buf;
    while (r == 0 && (nl = strchr(start, '\n'))) {
      *nl = 0;
      r = np_line(start, root);
      start = nl + 1;
    }
    have -= (size_t)(start - np_buf);
    if (r == 0 && n == 0 && have > 0)
      r = np_line(start, root);
    if (r < 0) {
      x_fail(st, r, "/proc/self/mountinfo: too many proc and sysfs mounts");
      break;
    }
    if (n == 0)
      break;
    if (have == sizeof np_buf - 1) {
      r = x_fail(st, -ENAMETOOLONG, "/proc/self/mountinfo: a line too long");
      break;
    }
    memmove(np_buf, start, have);
  }
  s->close((int)fd);
  return r;
}

/* `root`: the rootfs as the kernel names it (getcwd after chdir into it). */
long mnt_hide_host_kernfs(struct xst *st, const char *root)
{
  const struct tsrun_sys *s = st->sys;
  size_t off;
  long r = np_collect(st, root);
  for (off = 0; r == 0 && off < np_kept; off += strlen(np_found + off) + 1) {
    const char *p = np_found + off;
    r = s->mount("", p, NULL, MS_SLAVE | MS_REC, NULL);
    if (r == -ENOENT) {         /* under one detached already */
      r = 0;
      continue;
    }
    if (r == 0) {
      r = s->umount2(p, MNT_DETACH);
      if (r == -EINVAL || r == -EPERM)
        r = s->mount("tmpfs", p, "tmpfs", 0, NULL);
    }
    if (r < 0)
      x_fail(st, r, p);
  }
  return r;
}
