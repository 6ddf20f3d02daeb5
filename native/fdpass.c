/*
 * SCM_RIGHTS fd passing over a connected unix socket (the console socket protocol:
 * one fd per message, the data being a name such as the pty path).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "executor.h"
#include "tsrun.h"

TSRUN_EXPORT int tsrun_send_fd(int sock, int fd, const char *text)
{
  long r;
  if (fd < 0)
    return -EBADF;
  if (!text || !*text)
    text = "\0"; /* a stream socket needs at least one byte to carry the fd */
  do
    r = tsrun_sys_real.send_fd(sock, text, *text ? strlen(text) : 1, fd);
  while (r == -EINTR);
  return r < 0 ? (int)r : 0;
}

static void close_all(struct msghdr *m)
{
  struct cmsghdr *cm;
  for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
      size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int), i;
      for (i = 0; i < n; i++) {
        int fd;
        memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
        close(fd);
      }
    }
  }
}

TSRUN_EXPORT int tsrun_recv_fd(int sock, char *text, uint32_t text_len)
{
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int) * 8)]; } c;
  char scratch[4096];
  struct msghdr m;
  struct iovec iov;
  struct cmsghdr *cm;
  ssize_t r;
  int fd = -1;

  memset(&m, 0, sizeof m);
  iov.iov_base = scratch;
  iov.iov_len = sizeof scratch - 1;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = c.buf;
  m.msg_controllen = sizeof c.buf;
  do
    r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return -errno;
  cm = CMSG_FIRSTHDR(&m);
  if ((m.msg_flags & MSG_CTRUNC) || !cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
      cm->cmsg_len != CMSG_LEN(sizeof(int)) || CMSG_NXTHDR(&m, cm)) {
    close_all(&m); /* anything but exactly one fd is refused */
    return r == 0 && !cm ? -ECONNRESET : -EBADMSG;
  }
  memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  if (text && text_len) {
    size_t n = (size_t)r < text_len - 1 ? (size_t)r : text_len - 1;
    memcpy(text, scratch, n);
    text[n] = 0;
  }
  return fd;
}
