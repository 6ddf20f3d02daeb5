/*
 * tsrun-testhelper, second half: the subcommands that need more than a few
 * lines. The output contract of every subcommand is documented at the top of
 * testhelper.c; the dispatcher and shared helpers live there too.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Shared helpers from testhelper.c. */
const char *errname(int e);
__attribute__((format(printf, 1, 2))) int fail(const char *fmt, ...);
int fail_errno(const char *what);
int parse_long(const char *s, long min, long max, long *out);
int cat_path(const char *path);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int c_ls(int argc, char **argv)
{
	(void)argc;
	DIR *d = opendir(argv[1]);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	if (!d)
		return fail_errno(argv[1]);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof *names);
			if (!nn)
				return fail("out of memory");
			names = nn;
		}
		if (!(names[n++] = strdup(de->d_name)))
			return fail("out of memory");
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		puts(names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

int c_readlink(int argc, char **argv)
{
	(void)argc;
	char buf[PATH_MAX];
	ssize_t r = readlink(argv[1], buf, sizeof buf - 1);
	if (r < 0)
		return fail_errno(argv[1]);
	buf[r] = 0;
	puts(buf);
	return 0;
}

int c_mounts(int argc, char **argv)
{
	(void)argc, (void)argv;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *save;
	size_t cap = 0;
	if (!f)
		return fail_errno("/proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		char *tok = strtok_r(line, " \n", &save);
		for (int i = 1; tok && i < 5; i++)
			tok = strtok_r(NULL, " \n", &save);
		if (tok)
			puts(tok);
	}
	free(line);
	fclose(f);
	return 0;
}

int c_fds(int argc, char **argv)
{
	(void)argc, (void)argv;
	DIR *d = opendir("/proc/self/fd");
	int fds[4096], n = 0, self;
	struct dirent *de;
	if (!d)
		return fail_errno("/proc/self/fd");
	self = dirfd(d);
	while ((de = readdir(d)) && n < (int)(sizeof fds / sizeof *fds)) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		int fd = atoi(de->d_name);
		if (fd != self)
			fds[n++] = fd;
	}
	qsort(fds, (size_t)n, sizeof *fds, cmp_int);
	for (int i = 0; i < n; i++) {
		char name[16], target[PATH_MAX];
		snprintf(name, sizeof name, "%d", fds[i]);
		ssize_t r = readlinkat(self, name, target, sizeof target - 1);
		if (r < 0)
			continue; /* closed meanwhile */
		target[r] = 0;
		printf("%d -> %s\n", fds[i], target);
	}
	closedir(d);
	return 0;
}

int c_cwd(int argc, char **argv)
{
	(void)argc, (void)argv;
	char buf[PATH_MAX];
	if (!getcwd(buf, sizeof buf))
		return fail_errno("getcwd");
	puts(buf);
	return 0;
}

static const struct {
	const char *name;
	int res;
} rlimits[] = {
	{ "AS", RLIMIT_AS },		 { "CORE", RLIMIT_CORE },	{ "CPU", RLIMIT_CPU },
	{ "DATA", RLIMIT_DATA },	 { "FSIZE", RLIMIT_FSIZE },	{ "LOCKS", RLIMIT_LOCKS },
	{ "MEMLOCK", RLIMIT_MEMLOCK }, { "MSGQUEUE", RLIMIT_MSGQUEUE }, { "NICE", RLIMIT_NICE },
	{ "NOFILE", RLIMIT_NOFILE },	 { "NPROC", RLIMIT_NPROC },	{ "RSS", RLIMIT_RSS },
	{ "RTPRIO", RLIMIT_RTPRIO },	 { "RTTIME", RLIMIT_RTTIME },	{ "SIGPENDING", RLIMIT_SIGPENDING },
	{ "STACK", RLIMIT_STACK },
};

static void print_rlim(rlim_t v, const char *end)
{
	if (v == RLIM_INFINITY)
		printf("unlimited%s", end);
	else
		printf("%llu%s", (unsigned long long)v, end);
}

int c_rlimit(int argc, char **argv)
{
	(void)argc;
	const char *name = argv[1];
	if (!strncmp(name, "RLIMIT_", 7))
		name += 7;
	for (size_t i = 0; i < sizeof rlimits / sizeof *rlimits; i++) {
		if (strcasecmp(name, rlimits[i].name))
			continue;
		struct rlimit rl;
		if (getrlimit(rlimits[i].res, &rl) < 0)
			return fail_errno("getrlimit");
		print_rlim(rl.rlim_cur, " ");
		print_rlim(rl.rlim_max, "\n");
		return 0;
	}
	return fail("unknown rlimit '%s'", argv[1]);
}

int c_write(int argc, char **argv)
{
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail_errno(argv[1]);
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];
		size_t len = strlen(s);
		if ((i > 2 && write(fd, " ", 1) != 1) || write(fd, s, len) != (ssize_t)len) {
			int rc = fail_errno(argv[1]);
			close(fd);
			return rc;
		}
	}
	if (close(fd) < 0)
		return fail_errno(argv[1]);
	return 0;
}

int c_mkdir(int argc, char **argv)
{
	(void)argc;
	return mkdir(argv[1], 0755) < 0 ? fail_errno(argv[1]) : 0;
}

int c_touch(int argc, char **argv)
{
	(void)argc;
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0 && errno == EISDIR)
		fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(argv[1]);
	int r = futimens(fd, NULL);
	close(fd);
	return r < 0 ? fail_errno(argv[1]) : 0;
}

int c_stat(int argc, char **argv)
{
	(void)argc;
	struct stat st;
	const char *t;
	if (lstat(argv[1], &st) < 0)
		return fail_errno(argv[1]);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: t = "file"; break;
	case S_IFDIR: t = "dir"; break;
	case S_IFLNK: t = "symlink"; break;
	case S_IFCHR: t = "chr"; break;
	case S_IFBLK: t = "blk"; break;
	case S_IFIFO: t = "fifo"; break;
	case S_IFSOCK: t = "sock"; break;
	default: t = "unknown"; break;
	}
	printf("%u %u %04o %s\n", (unsigned)st.st_uid, (unsigned)st.st_gid,
	       (unsigned)(st.st_mode & 07777), t);
	return 0;
}

static char trap_msg[65][32];

static void on_trap(int sig)
{
	if (sig > 0 && sig < 65) {
		ssize_t r = write(1, trap_msg[sig], strlen(trap_msg[sig]));
		(void)r;
	}
	_exit(0);
}

static int parse_signal(const char *s)
{
	long n;
	if (isdigit((unsigned char)*s))
		return parse_long(s, 1, 64, &n) ? -1 : (int)n;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < 65; i++) {
		const char *a = sigabbrev_np(i);
		if (a && !strcasecmp(a, s))
			return i;
	}
	fail("unknown signal '%s'", s);
	return -1;
}

int c_trap(int argc, char **argv)
{
	static char *defaults[] = { "TERM", "INT", "HUP", "USR1" };
	char **sigs = argc > 1 ? argv + 1 : defaults;
	int n = argc > 1 ? argc - 1 : 4;
	struct sigaction sa = { .sa_handler = on_trap };
	sigset_t set;
	sigfillset(&sa.sa_mask);
	sigemptyset(&set);
	for (int i = 0; i < n; i++) {
		int sig = parse_signal(sigs[i]);
		if (sig < 0)
			return 2;
		const char *a = sigabbrev_np(sig);
		if (a)
			snprintf(trap_msg[sig], sizeof trap_msg[sig], "got SIG%s\n", a);
		else
			snprintf(trap_msg[sig], sizeof trap_msg[sig], "got SIG%d\n", sig);
		if (sigaction(sig, &sa, NULL) < 0)
			return fail_errno(sigs[i]);
		sigaddset(&set, sig);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	puts("ready");
	fflush(stdout);
	for (;;)
		pause();
	return 0; /* not reached */
}

int c_alloc(int argc, char **argv)
{
	(void)argc;
	long mb;
	if (parse_long(argv[1], 0, 1L << 30, &mb))
		return 2;
	size_t len = (size_t)mb << 20;
	if (len) {
		volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail_errno("mmap");
		long page = sysconf(_SC_PAGESIZE);
		for (size_t off = 0; off < len; off += (size_t)page)
			p[off] = 1;
	}
	puts("allocated");
	return 0;
}

int c_fork(int argc, char **argv)
{
	(void)argc;
	long want;
	int err = 0, got = 0;
	if (parse_long(argv[1], 0, 100000, &want))
		return 2;
	pid_t *kids = calloc((size_t)want + 1, sizeof *kids);
	pid_t parent = getpid();
	if (!kids)
		return fail("out of memory");
	fflush(stdout);
	while (got < want) {
		pid_t p = fork();
		if (p < 0) {
			err = errno;
			break;
		}
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			alarm(120);
			for (;;)
				pause();
		}
		kids[got++] = p;
	}
	if (err)
		printf("forked %d %s\n", got, errname(err));
	else
		printf("forked %d\n", got);
	for (int i = 0; i < got; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < got; i++)
		while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
			;
	free(kids);
	return 0;
}

int c_open(int argc, char **argv)
{
	const char *m = argc > 2 ? argv[2] : "r";
	int flags;
	if (!strcmp(m, "r"))
		flags = O_RDONLY;
	else if (!strcmp(m, "w"))
		flags = O_WRONLY;
	else if (!strcmp(m, "rw"))
		flags = O_RDWR;
	else
		return fail("mode must be r, w or rw"), 2;
	int fd = open(argv[1], flags | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		printf("%s\n", errname(e));
		errno = e;
		return fail_errno(argv[1]);
	}
	close(fd);
	puts("ok");
	return 0;
}

/* what a process can read back through PATH (e.g. its own /proc/self/fd/1) */
int c_readback(int argc, char **argv)
{
	(void)argc;
	char buf[4096];
	int fd = open(argv[1], O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
	if (n < 0)
		printf("%s\n", errname(errno));
	else
		printf("read %zd: %.*s\n", n, (int)n, buf);
	if (fd >= 0)
		close(fd);
	return 0;
}

int c_sysctl(int argc, char **argv)
{
	(void)argc;
	char path[PATH_MAX];
	const char *k = argv[1];
	if (!strncmp(k, "/proc/sys/", 10))
		k += 10;
	int n = snprintf(path, sizeof path, "/proc/sys/%s", k);
	if (n < 0 || (size_t)n >= sizeof path)
		return fail("key too long");
	if (!strchr(k, '/'))
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
	return cat_path(path);
}

int c_exec(int argc, char **argv)
{
	(void)argc;
	fflush(stdout);
	execvp(argv[1], argv + 1);
	int e = errno;
	fail_errno(argv[1]);
	return e == ENOENT ? 127 : 126;
}

int c_tty(int argc, char **argv)
{
	(void)argc, (void)argv;
	if (!isatty(0)) {
		puts("not a tty");
		return 0;
	}
	const char *t = ttyname(0);
	if (!t)
		return fail_errno("ttyname");
	puts(t);
	return 0;
}

int c_winsize(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) < 0)
		return fail_errno("TIOCGWINSZ on fd 0");
	printf("%u %u\n", (unsigned)ws.ws_row, (unsigned)ws.ws_col);
	return 0;
}

int c_personality(int argc, char **argv)
{
	(void)argc, (void)argv;
	int p = personality(0xffffffff);
	if (p < 0)
		return fail_errno("personality");
	printf("0x%08x\n", (unsigned)p);
	return 0;
}

/*
 * syscall NAME [ARG]: try one syscall, print "ok" (and the result for personality) or the
 * errno name; exit 0 / 1. NAME: unshare (CLONE_NEWNS), keyctl (KEYCTL_GET_KEYRING_ID of the
 * session keyring, no create), kcmp (own fd 0 with itself), mkdir ARG (mode 0755),
 * personality ARG (a number: decimal or 0x...), getcwd.
 */
int c_syscall(int argc, char **argv)
{
	const char *n = argv[1];
	char buf[4096];
	long r;
	errno = 0;
	if (!strcmp(n, "unshare"))
		r = unshare(CLONE_NEWNS);
	else if (!strcmp(n, "keyctl"))
		r = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* KEY_SPEC_SESSION_KEYRING */, 0);
	else if (!strcmp(n, "kcmp"))
		r = syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0);
	else if (!strcmp(n, "getcwd"))
		r = syscall(SYS_getcwd, buf, sizeof buf);
	else if (!strcmp(n, "mkdir") && argc > 2)
		r = mkdir(argv[2], 0755);
	else if (!strcmp(n, "personality") && argc > 2) {
		char *end;
		unsigned long v = strtoul(argv[2], &end, 0);
		if (*end)
			return fail("invalid number '%s'", argv[2]), 2;
		r = syscall(SYS_personality, v);
	} else
		return fail("unknown syscall '%s' (unshare keyctl kcmp getcwd, mkdir PATH, personality N)", n), 2;
	if (r < 0) {
		printf("%s\n", errname(errno));
		return 1;
	}
	if (!strcmp(n, "personality"))
		printf("ok 0x%08lx\n", (unsigned long)r);
	else
		puts("ok");
	return 0;
}
