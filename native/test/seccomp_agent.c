/*
 * tsrun-seccomp-agent: a seccomp notify listener for the integration tests.
 *
 *   tsrun-seccomp-agent SOCKET OUT ANSWER
 *
 * Listens on the unix stream socket SOCKET, accepts one connection, receives the state
 * JSON and the listener fd (SCM_RIGHTS) in one message, writes the JSON to OUT, then
 * answers every notification: ANSWER "errno:N" fails the syscall with errno N, "ok"
 * makes it return 0 without running it. For each one it appends "notify NR pid PID" to
 * OUT.log. Exits 0 when the filter has no users left (POLLHUP), 1 on errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "tsrun-seccomp-agent: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fputs("usage: tsrun-seccomp-agent SOCKET OUT errno:N|ok\n", stderr);
		return 2;
	}
	int err = 0;
	if (!strncmp(argv[3], "errno:", 6))
		err = atoi(argv[3] + 6);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[1]);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0)
		return die("listen");
	int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return die("accept");
	static char buf[65536];
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } cm;
	struct iovec iov = { buf, sizeof buf - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof cm.b };
	ssize_t n = recvmsg(c, &m, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return die("recvmsg");
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	if (!h || h->cmsg_type != SCM_RIGHTS) {
		fputs("tsrun-seccomp-agent: no fd in the message\n", stderr);
		return 1;
	}
	int nfd;
	memcpy(&nfd, CMSG_DATA(h), sizeof nfd);
	close(c);
	close(ls);
	unlink(argv[1]);
	FILE *out = fopen(argv[2], "w");
	if (!out)
		return die(argv[2]);
	fwrite(buf, 1, (size_t)n, out);
	fclose(out);
	char logp[4096];
	snprintf(logp, sizeof logp, "%s.log", argv[2]);
	FILE *log = fopen(logp, "w");
	if (!log)
		return die(logp);
	setvbuf(log, NULL, _IOLBF, 0);
	for (;;) {
		struct pollfd p = { .fd = nfd, .events = POLLIN };
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return die("poll");
		}
		if (!(p.revents & POLLIN))
			return 0; /* POLLHUP: every task of the filter is gone */
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		memset(&req, 0, sizeof req);
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return die("SECCOMP_IOCTL_NOTIF_RECV");
		}
		fprintf(log, "notify %d pid %u\n", req.data.nr, req.pid);
		memset(&resp, 0, sizeof resp);
		resp.id = req.id;
		resp.error = err ? -err : 0;
		resp.val = 0;
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
			return die("SECCOMP_IOCTL_NOTIF_SEND");
	}
}
