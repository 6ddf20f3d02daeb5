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
