/*
 * Parent-side socket helpers for seccomp notify: receive one sync message that may
 * carry an fd (SCM_RIGHTS; read() would drop it), and connect to a unix stream socket
 * (the seccomp listener). The fd itself goes out with tsrun_send_fd (fdpass.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "executor.h"
#include "tsrun.h"

TSRUN_EXPORT int tsrun_recv_msg(int sock, void *buf, uint32_t len, int32_t *fd)
{
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int) * 4)]; } c;
  struct msghdr m;
  struct iovec iov = { buf, len };
  struct cmsghdr *cm;
  ssize_t r;
  *fd = -1;
  memset(&m, 0, sizeof m);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = c.buf;
  m.msg_controllen = sizeof c.buf;
  do
    r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
  while (r < 0 && (errno == EINTR || errno == EAGAIN));
  if (r < 0)
    return errno == ECONNRESET ? 0 : -errno;
  for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
    size_t n, i;
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
      continue;
    n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (i = 0; i < n; i++) {
      int f;
      memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof f);
      if (*fd < 0)
        *fd = f; /* the first one; any others are closed */
      else
        close(f);
    }
  }
  if (m.msg_flags & MSG_CTRUNC) {
    if (*fd >= 0)
      close(*fd);
    *fd = -1;
    return -EBADMSG;
  }
  return (int)r;
}

TSRUN_EXPORT int tsrun_unix_connect(const char *path)
{
  struct sockaddr_un a;
  int s, e;
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof a.sun_path)
    return -ENAMETOOLONG;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  memcpy(a.sun_path, path, n);
  s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return -errno;
  while (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
    if (errno == EINTR)
      continue;
    e = errno;
    close(s);
    return -e;
  }
  return s;
}
