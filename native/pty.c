/*
 * Helpers for the runtime side of terminals (exported to TypeScript):
 * connecting to a console socket, the socketpair tsrun receives a master on when it
 * proxies the pty itself, the proxy loop, and window sizes. These run in the Node
 * process (the proxy on a worker thread through koffi's async calls), not in the child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "executor.h"
#include "tsrun.h"

TSRUN_EXPORT int tsrun_connect_unix(const char *path)
{
  struct sockaddr_un a;
  int fd, r;
  if (!path || strlen(path) >= sizeof a.sun_path)
    return -ENAMETOOLONG;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  strcpy(a.sun_path, path);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  do
    r = connect(fd, (struct sockaddr *)&a, sizeof a);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    r = -errno;
    close(fd);
    return r;
  }
  return fd;
}

TSRUN_EXPORT int tsrun_socketpair(int32_t *fds)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return -errno;
  fds[0] = sv[0];
  fds[1] = sv[1];
  return 0;
}

TSRUN_EXPORT int tsrun_winsize_copy(int from, int to)
{
  struct winsize ws;
  if (ioctl(from, TIOCGWINSZ, &ws) < 0 || ioctl(to, TIOCSWINSZ, &ws) < 0)
    return -errno;
  return 0;
}

/* rows << 16 | cols of the terminal on fd, or -errno */
TSRUN_EXPORT int tsrun_winsize_get(int fd)
{
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
    return -errno;
  return (int)(((unsigned)ws.ws_row & 0x7fff) << 16 | ws.ws_col);
}

static struct termios g_saved;
static int g_raw = -1;

TSRUN_EXPORT int tsrun_tty_raw(int fd, int on)
{
  struct termios t;
  if (!on) {
    if (g_raw >= 0 && tcsetattr(g_raw, TCSANOW, &g_saved) < 0)
      return -errno;
    g_raw = -1;
    return 0;
  }
  if (!isatty(fd))
    return 0;
  if (tcgetattr(fd, &g_saved) < 0)
    return -errno;
  t = g_saved;
  cfmakeraw(&t);
  if (tcsetattr(fd, TCSANOW, &t) < 0)
    return -errno;
  g_raw = fd;
  return 1;
}

/* write all of buf to fd, waiting on POLLOUT when fd is non-blocking */
static int write_all(int fd, const char *buf, size_t n)
{
  while (n) {
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN) {
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        poll(&p, 1, -1);
        continue;
      }
      return -errno;
    }
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

/* input for the terminal: while the master is full, keep draining its output (the process
 * may be blocked writing it), so that neither side waits on the other */
static int to_master(int master, int out, const char *buf, size_t n, char *scratch, size_t cap)
{
  while (n) {
    ssize_t w = write(master, buf, n);
    if (w >= 0) {
      buf += w;
      n -= (size_t)w;
      continue;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN)
      return -errno;
    {
      struct pollfd p = { .fd = master, .events = POLLIN | POLLOUT };
      if (poll(&p, 1, -1) < 0 && errno != EINTR)
        return -errno;
      if (p.revents & POLLIN) {
        ssize_t k = read(master, scratch, cap);
        if (k > 0)
          write_all(out, scratch, (size_t)k);
        else if (k == 0 || (errno != EAGAIN && errno != EINTR))
          return -EIO;
      } else if (p.revents & (POLLERR | POLLHUP)) {
        return -EIO;
      }
    }
  }
  return 0;
}

/*
 * Copy in -> master and master -> out until the master reports EOF/EIO (every slave
 * fd closed: the process and its children are gone). EOF on `in` is passed on as the
 * terminal's EOF character (^D), once. Returns 0, or -errno.
 */
TSRUN_EXPORT int tsrun_pty_proxy(int master, int in, int out)
{
  static char buf[16384], spare[16384];
  struct pollfd p[2];
  int in_open = in >= 0, fl = fcntl(master, F_GETFL);
  if (fl >= 0)
    fcntl(master, F_SETFL, fl | O_NONBLOCK);
  for (;;) {
    int n = 1, r;
    p[0].fd = master;
    p[0].events = POLLIN;
    p[0].revents = 0;
    if (in_open) {
      p[1].fd = in;
      p[1].events = POLLIN;
      p[1].revents = 0;
      n = 2;
    }
    r = poll(p, (nfds_t)n, -1);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    if (p[0].revents) {
      ssize_t k = read(master, buf, sizeof buf);
      if (k > 0) {
        if (write_all(out, buf, (size_t)k) < 0)
          return 0; /* nobody reads our output any more */
        continue;
      }
      if (k < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      return 0; /* EIO: the slave side is closed */
    }
    if (in_open && p[1].revents) {
      ssize_t k = read(in, buf, sizeof buf);
      if (k < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (k <= 0) {
        in_open = 0;
        if (to_master(master, out, "\x04", 1, spare, sizeof spare) < 0)
          return 0;
        continue;
      }
      if (to_master(master, out, buf, (size_t)k, spare, sizeof spare) < 0)
        return 0;
    }
  }
}
