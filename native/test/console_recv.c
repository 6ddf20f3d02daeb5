/*
 * tsrun-console-recv SOCKET INPUT: a console-socket receiver for the integration tests,
 * as containerd's shim or conmon would be. It listens on SOCKET, accepts one
 * connection, receives the pty master (exactly one SCM_RIGHTS fd), prints
 * "name=<text>" and "size=<rows> <cols>", writes INPUT to the master, then copies
 * everything the terminal prints to stdout until the slave side closes (or 20 s pass).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  struct sockaddr_un a;
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int) * 4)]; } c;
  struct msghdr m;
  struct iovec iov;
  struct cmsghdr *cm;
  struct winsize ws;
  char name[256], buf[4096];
  int ls, s, master, n;

  if (argc != 3 || strlen(argv[1]) >= sizeof a.sun_path) {
    fprintf(stderr, "usage: tsrun-console-recv SOCKET INPUT\n");
    return 2;
  }
  alarm(20);
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  strcpy(a.sun_path, argv[1]);
  ls = socket(AF_UNIX, SOCK_STREAM, 0);
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0) {
    perror("listen");
    return 1;
  }
  s = accept(ls, NULL, NULL);
  if (s < 0) {
    perror("accept");
    return 1;
  }
  memset(&m, 0, sizeof m);
  iov.iov_base = name;
  iov.iov_len = sizeof name - 1;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = c.buf;
  m.msg_controllen = sizeof c.buf;
  n = (int)recvmsg(s, &m, 0);
  cm = CMSG_FIRSTHDR(&m);
  if (n <= 0 || !cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int))) {
    fprintf(stderr, "recvmsg: expected one fd, got %d bytes\n", n);
    return 1;
  }
  memcpy(&master, CMSG_DATA(cm), sizeof master);
  name[n] = 0;
  printf("name=%s\n", name);
  if (ioctl(master, TIOCGWINSZ, &ws) == 0)
    printf("size=%u %u\n", ws.ws_row, ws.ws_col);
  fflush(stdout);
  if (write(master, argv[2], strlen(argv[2])) < 0)
    perror("write");
  for (;;) {
    ssize_t k = read(master, buf, sizeof buf);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    fwrite(buf, 1, (size_t)k, stdout);
    fflush(stdout);
  }
  return 0;
}
