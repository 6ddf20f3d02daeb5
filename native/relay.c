/*
 * tsrun_stdio_relay: foreground stdio without a terminal (src/commands/stdio-relay.ts). The process
 * has three pipes as fds 0-2; this copies tsrun's stdin into the first and the other two out to
 * tsrun's stdout and stderr, with poll(), on one thread (koffi's async call), so that neither
 * engine's thread pool nor its stream classes decide whether a pipe is read. Returns when both
 * output pipes reached EOF (every holder of their write ends is gone), or when stop_fd becomes
 * readable. Rules, as runc's copy loops:
 *   - our stdin's EOF (or a read error) closes the process's stdin: it sees EOF;
 *   - a failed write into the process's stdin (it closed it) stops reading ours;
 *   - a failed write to our stdout or stderr closes that pipe: the process gets EPIPE.
 * Our own fds 0-2 are never closed; to_child, from_out and from_err are (they are ours).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"
#include "tsrun.h"

#define RELAY_BUF 65536

struct chan {
  int src, dst;       /* -1 once done */
  int own_src;        /* close src when done (our pipe end), not our stdin */
  int own_dst;        /* close dst when done (the process's stdin) */
  size_t len, off;
  char buf[RELAY_BUF];
};

static struct chan ch[3];

static void chan_done(struct chan *c)
{
  if (c->src >= 0 && c->own_src)
    close(c->src);
  if (c->dst >= 0 && c->own_dst)
    close(c->dst);
  c->src = c->dst = -1;
}

/* a SIGPIPE from a write here is ours to swallow: the write's EPIPE says it all */
static void drop_sigpipe(void)
{
  sigset_t s;
  struct timespec zero = { 0, 0 };
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  while (sigtimedwait(&s, NULL, &zero) == SIGPIPE)
    ;
}

static void pump_in(struct chan *c)
{
  ssize_t n = read(c->src, c->buf, sizeof c->buf);
  if (n > 0) {
    c->len = (size_t)n;
    c->off = 0;
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    chan_done(c);
  }
}

static void pump_out(struct chan *c)
{
  ssize_t n = write(c->dst, c->buf + c->off, c->len - c->off);
  if (n > 0) {
    c->off += (size_t)n;
    if (c->off == c->len)
      c->len = c->off = 0;
  } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
    drop_sigpipe();
    chan_done(c);
  }
}

TSRUN_EXPORT int tsrun_stdio_relay(int in, int to_child, int from_out, int out, int from_err, int err, int stop_fd)
{
  sigset_t pipe_set, old;
  int i;

  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ch[0] = (struct chan){ .src = in, .dst = to_child, .own_src = 0, .own_dst = 1 };
  ch[1] = (struct chan){ .src = from_out, .dst = out, .own_src = 1, .own_dst = 0 };
  ch[2] = (struct chan){ .src = from_err, .dst = err, .own_src = 1, .own_dst = 0 };
  for (i = 0; i < 3; i++)
    if (ch[i].src < 0 || ch[i].dst < 0)
      chan_done(&ch[i]);

  while (ch[1].src >= 0 || ch[2].src >= 0) {
    struct pollfd p[7];
    struct chan *who[7];
    int n = 0, r;
    for (i = 0; i < 3; i++) {
      struct chan *c = &ch[i];
      if (c->src < 0)
        continue;
      p[n] = (struct pollfd){ .fd = c->len ? c->dst : c->src, .events = c->len ? POLLOUT : POLLIN };
      who[n++] = c;
    }
    p[n] = (struct pollfd){ .fd = stop_fd, .events = POLLIN };
    who[n++] = NULL;
    r = poll(p, (nfds_t)n, -1);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (p[n - 1].revents)
      break; /* tsrun stops relaying */
    for (i = 0; i < n - 1; i++) {
      struct chan *c = who[i];
      if (!p[i].revents || c->src < 0)
        continue;
      if (c->len)
        pump_out(c);   /* POLLOUT, or POLLERR/POLLHUP: the write says which */
      else
        pump_in(c);    /* POLLIN, or POLLHUP: read gives EOF */
    }
  }
  for (i = 0; i < 3; i++)
    chan_done(&ch[i]);
  drop_sigpipe();
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return 0;
}
