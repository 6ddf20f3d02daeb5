/*
 * OP_SETUP_CONSOLE: the container's terminal. The pty is made inside the container
 * (the ptmx of its own devpts, in the root the process already lives in: after the
 * pivot for init, after the mount namespace join for exec), never on the host.
 * The master goes to the console socket; the slave becomes the controlling terminal
 * and fds 0, 1 and 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <termios.h>

#include "executor.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static char g_name[32];

/* the console socket protocol: one message, data = the pty name, one SCM_RIGHTS fd */
static long send_master(struct xst *st, int master)
{
  long r;
  do
    r = st->sys->send_fd(st->ctx->console_fd, g_name, strlen(g_name), master);
  while (r == -EINTR);
  return r < 0 ? r : 0;
}

/* fd k := slave, for k = 0, 1, 2 (no dup2 in the table: close + F_DUPFD to the lowest free) */
static long slave_to_stdio(struct xst *st, int slave)
{
  const struct tsrun_sys *s = st->sys;
  int k;
  long r;
  for (k = 0; k < 3; k++) {
    if (k == slave)
      continue;
    s->close(k);
    r = s->fcntl(slave, F_DUPFD, (unsigned long)k);
    if (r < 0)
      return r;
    if (r != k)
      return -EBADF;
  }
  return 0;
}

int con_setup(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  const char *path = x_str(st, op->s[0]);
  struct stat sb;
  struct winsize ws;
  unsigned int n = 0;
  int unlock = 0, master, slave = -1;
  long r;
  struct sbuf b;

  if (st->ctx->console_fd < 0)
    return (int)x_fail(st, -EBADF, "no console socket");
  r = s->openat(AT_FDCWD, path, O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
  if (r < 0)
    return (int)x_fail(st, r, path);
  master = (int)r;
  /* the container owns its /dev: accept only a real ptmx (char 5:2) */
  if ((r = s->fstat(master, &sb)) < 0)
    goto out;
  if (!S_ISCHR(sb.st_mode) || major(sb.st_rdev) != 5 || minor(sb.st_rdev) != 2) {
    r = x_fail(st, -ENXIO, "not a ptmx device");
    goto out;
  }
  if ((r = s->ioctl(master, TIOCSPTLCK, (unsigned long)&unlock)) < 0 ||
      (r = s->ioctl(master, TIOCGPTN, (unsigned long)&n)) < 0)
    goto out;
  if ((r = s->ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
    goto out;
  slave = (int)r;
  /* runc's fixStdioPermissions: the process's uid owns its terminal, the gid (devpts's tty) stays;
   * an id this user namespace cannot map or own is left as it is */
  r = s->fchownat(slave, "", (unsigned)op->c, (unsigned)-1, AT_EMPTY_PATH);
  if (r < 0 && r != -EINVAL && r != -EPERM) {
    x_fail(st, r, "chown pty slave");
    goto out;
  }
  if (op->a && op->b) {
    memset(&ws, 0, sizeof ws);
    ws.ws_row = (unsigned short)op->a;
    ws.ws_col = (unsigned short)op->b;
    if ((r = s->ioctl(slave, TIOCSWINSZ, (unsigned long)&ws)) < 0)
      goto out;
  }
  sb_init(&b, g_name, sizeof g_name);
  sb_str(&b, "/dev/pts/");
  sb_num(&b, n);
  if ((r = send_master(st, master)) < 0) {
    x_fail(st, r, "console socket");
    goto out;
  }
  s->close(st->ctx->console_fd);
  st->ctx->console_fd = -1;
  if ((r = s->ioctl(slave, TIOCSCTTY, 0)) < 0) {
    x_fail(st, r, "TIOCSCTTY");
    goto out;
  }
  if ((r = slave_to_stdio(st, slave)) < 0)
    x_fail(st, r, "dup pty slave");
out:
  s->close(master);
  if (slave > 2)
    s->close(slave);
  return r < 0 ? (int)r : 0;
}
