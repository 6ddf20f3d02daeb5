/*
 * OP_MOUNT_SETATTR: recursive mount options (rro, rnosuid, rnodev, rnoexec, the atime
 * ones, rnosymfollow) and recursive propagation through mount_setattr(2) with
 * AT_RECURSIVE, on an O_PATH fd resolved inside the root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include "executor.h"
#include "mountcheck.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

struct x_mount_attr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

int mnt_setattr(struct xst *st, const struct tsrun_op *op)
{
  struct x_mount_attr a;
  long fd, r;
  fd = mnt_resolve(st, x_str(st, op->s[0]));
  if (fd < 0)
    return (int)fd;
  memset(&a, 0, sizeof a);
  a.attr_set = op->a;
  a.attr_clr = op->b;
  a.propagation = op->c;
  r = st->sys->mount_setattr((int)fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a);
  st->sys->close((int)fd);
  return (int)r;
}

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#define X_MOUNT_ATTR_IDMAP 0x00100000
#define X_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define X_MOVE_MOUNT_T_EMPTY_PATH 0x00000040

/* OP_MOUNT_IDMAP, run by the runtime's host-side helper: a detached clone of the source, idmapped
 * with the user namespace at s2 (a helper the runtime keeps alive during create) or, without s2,
 * as it is (a bind source the container's mapped root cannot reach), moved onto the destination
 * fd once that passes the executor's /proc rule (mchk_proc_dest, as every OP_MOUNT does) */
int mnt_idmap(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  unsigned rec = op->a ? AT_RECURSIVE : 0;
  const char *rel = x_str(st, op->s[1]);
  struct x_mount_attr a;
  long tree, ns, dest, r;

  tree = s->open_tree(AT_FDCWD, x_str(st, op->s[0]), OPEN_TREE_CLONE | O_CLOEXEC | rec);
  if (tree < 0)
    return (int)x_fail(st, tree, x_str(st, op->s[0]));
  if (op->s[2] != TSRUN_NOSTR) {
    ns = s->openat(AT_FDCWD, x_str(st, op->s[2]), O_RDONLY | O_CLOEXEC, 0);
    if (ns < 0) {
      s->close((int)tree);
      return (int)x_fail(st, ns, x_str(st, op->s[2]));
    }
    memset(&a, 0, sizeof a);
    a.attr_set = X_MOUNT_ATTR_IDMAP;
    a.userns_fd = (uint64_t)ns;
    r = s->mount_setattr((int)tree, "", AT_EMPTY_PATH | rec, &a, sizeof a);
    s->close((int)ns);
    if (r < 0) {
      s->close((int)tree);
      return (int)x_fail(st, r, "mount_setattr MOUNT_ATTR_IDMAP");
    }
  }
  dest = mnt_resolve(st, rel);
  if (dest < 0) {
    s->close((int)tree);
    return (int)dest;
  }
  r = mchk_proc_dest(st, dest, tree, NULL, rel + (rel[0] == '/'));
  if (r == 0)
    r = s->move_mount((int)tree, "", (int)dest, "", X_MOVE_MOUNT_F_EMPTY_PATH | X_MOVE_MOUNT_T_EMPTY_PATH);
  s->close((int)tree);
  s->close((int)dest);
  return (int)r;
}
