/*
 * tsrun-testhelper: a small static multi-call program that tsrun's tests put
 * into synthetic container root filesystems as /bin/tsrun-testhelper.
 *
 * Usage: tsrun-testhelper SUBCOMMAND [ARGS...]
 *   (or invoked through a symlink named after a subcommand, busybox style)
 *
 * Contract (integration tests rely on it; keep it stable):
 *   - Success: output on stdout as described below, exit status 0.
 *   - Failure: exactly one line on stderr, "tsrun-testhelper CMD: message",
 *     exit status 1 (2 for bad usage / unknown subcommand).
 *   - Errno names are symbolic (ENOENT, EACCES, EAGAIN, ...).
 *
 * Subcommands and their stdout:
 *   cat [FILE...]          file contents verbatim (stdin if no FILE)
 *   echo [ARGS...]         ARGS joined by single spaces, then "\n"
 *   printenv [NAME]        all "K=V" lines of the environment, or the value of
 *                          NAME alone; exit 1 if NAME is not set
 *   id                     "uid=U gid=G groups=G1,G2,..." (numeric; real uid
 *                          and gid; groups as getgroups() returns them, in that
 *                          order; "groups=" with nothing after it if none)
 *   sleep SECONDS          nothing; SECONDS may be fractional ("0.25")
 *   pause                  nothing; blocks until a signal kills it
 *   ls DIR                 one entry name per line, sorted bytewise, no . ..
 *   readlink PATH          the link target
 *   mounts                 field 5 (mount point) of each /proc/self/mountinfo
 *                          line, one per line, octal escapes (\040) kept
 *   caps                   the CapInh/CapPrm/CapEff/CapBnd/CapAmb lines of
 *                          /proc/self/status exactly as found ("CapEff:\t...")
 *   hostname               uname() nodename
 *   domainname             uname() domainname
 *   exit N                 nothing; exits with status N (0-255)
 *   pid | ppid             getpid() / getppid() in decimal
 *   fds                    "N -> target" per open fd, ascending, excluding the
 *                          fd used to read /proc/self/fd
 *   cwd                    getcwd()
 *   rlimit NAME            "soft hard", each a number or "unlimited"; NAME is
 *                          NOFILE, NPROC, CORE, ... (RLIMIT_ prefix optional)
 *   nnp                    the NoNewPrivs value of /proc/self/status ("0"/"1")
 *   umask                  the umask as 4 octal digits ("0022")
 *   write FILE TEXT...     nothing; creates/truncates FILE (mode 0644 before
 *                          umask) and writes TEXT joined by spaces, no newline
 *   mkdir PATH             nothing; mkdir(PATH, 0755)
 *   touch PATH             nothing; creates PATH if missing, sets times to now
 *   stat PATH              "uid gid mode type" from lstat(): mode is the
 *                          permission bits as 4 octal digits ("0755"), type is
 *                          file|dir|symlink|chr|blk|fifo|sock
 *   trap [SIG...]          prints "ready" once handlers are installed, then
 *                          waits; on a trapped signal prints "got SIGNAME"
 *                          (e.g. "got SIGTERM") and exits 0. Default signals:
 *                          TERM INT HUP USR1. SIG is "TERM", "SIGTERM" or a
 *                          number. The trapped signals are unblocked first.
 *   alloc MB               allocates and touches MB MiB, then "allocated"
 *   fork N                 forks up to N children that sleep, stops at the
 *                          first failure, prints "forked K" or, if a fork
 *                          failed, "forked K ERRNAME"; then kills and reaps
 *                          the children and exits 0
 *   open PATH [r|w|rw]     "ok" if open() succeeds (default r); otherwise
 *                          the errno name on stdout and exit 1
 *   readback PATH          opens PATH read-only and non-blocking (no O_CREAT),
 *                          reads once (up to 4096 bytes): "read N: DATA"
 *                          (DATA verbatim, then "\n"), or the errno name of the
 *                          failing open/read (e.g. "EAGAIN"); exit 0 either way
 *   sysctl KEY             contents of /proc/sys/KEY verbatim; dots in KEY
 *                          become slashes ("kernel.hostname")
 *   seccomp-status         the "Seccomp:" line of /proc/self/status
 *   exec CMD [ARGS...]     execvp(CMD, ARGS) (also "sh-like"); exit 127 if
 *                          CMD is not found, 126 for other exec errors
 *   signal-mask            the SigBlk and SigIgn lines of /proc/self/status
 *   tty                    ttyname(0), or "not a tty" (exit 0 either way)
 *   winsize                "rows cols" of the terminal on fd 0
 *   personality            personality(0xffffffff) as "0x%08x"
 *   syscall NAME [ARG]     tries one syscall: "ok" (exit 0) or the errno name (exit 1);
 *                          unshare keyctl kcmp getcwd, mkdir PATH, personality N
 *   sleep-then-exit SECONDS [N]   nothing; sleeps, then exits with N (0)
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *cmd = "?";

/* Subcommands implemented in testhelper_cmds.c. */
int c_ls(int argc, char **argv);
int c_readlink(int argc, char **argv);
int c_mounts(int argc, char **argv);
int c_fds(int argc, char **argv);
int c_cwd(int argc, char **argv);
int c_rlimit(int argc, char **argv);
int c_write(int argc, char **argv);
int c_mkdir(int argc, char **argv);
int c_touch(int argc, char **argv);
int c_stat(int argc, char **argv);
int c_trap(int argc, char **argv);
int c_alloc(int argc, char **argv);
int c_fork(int argc, char **argv);
int c_open(int argc, char **argv);
int c_readback(int argc, char **argv);
int c_sysctl(int argc, char **argv);
int c_exec(int argc, char **argv);
int c_tty(int argc, char **argv);
int c_winsize(int argc, char **argv);
int c_personality(int argc, char **argv);
int c_syscall(int argc, char **argv);


const char *errname(int e)
{
	static char buf[24];
	const char *n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof buf, "E%d", e);
	return buf;
}

/* One-line diagnostic on stderr; returns 1 so callers can `return fail(...)`. */
__attribute__((format(printf, 1, 2))) int fail(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "tsrun-testhelper %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int fail_errno(const char *what)
{
	int e = errno;
	return fail("%s: %s (%s)", what, errname(e), strerror(e));
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return fail("invalid number '%s'", s);
	*out = v;
	return 0;
}

static int sleep_seconds(const char *s)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (errno || end == s || *end || !(d >= 0) || d > 1e9)
		return fail("invalid duration '%s'", s);
	struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			return fail_errno("nanosleep");
	return 0;
}

static void print_joined(int n, char **v, const char *end)
{
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", v[i]);
	fputs(end, stdout);
}

/* Copies fd to stdout. */
static int copy_fd(int fd, const char *name)
{
	char buf[8192];
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return fail_errno(name);
		}
		fwrite(buf, 1, (size_t)r, stdout);
	}
	return 0;
}

int cat_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(path);
	int rc = copy_fd(fd, path);
	close(fd);
	return rc;
}

/*
 * Prints the /proc/self/status lines whose key (text before ':') is in keys,
 * whole or (value_only) just the value after the tab.
 */
static int status_lines(const char *const *keys, int value_only)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	int found = 0;
	if (!f)
		return fail_errno("/proc/self/status");
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		for (const char *const *k = keys; *k; k++) {
			if ((size_t)(colon - line) != strlen(*k) || strncmp(line, *k, strlen(*k)))
				continue;
			const char *v = colon + 1;
			while (value_only && (*v == '\t' || *v == ' '))
				v++;
			fputs(value_only ? v : line, stdout);
			found++;
		}
	}
	fclose(f);
	return found ? 0 : fail("no matching line in /proc/self/status");
}


/* ---- subcommands: argv[0] is the subcommand name ---- */

static int c_cat(int argc, char **argv)
{
	if (argc == 1)
		return copy_fd(0, "stdin");
	for (int i = 1; i < argc; i++)
		if (cat_path(argv[i]))
			return 1;
	return 0;
}

static int c_echo(int argc, char **argv)
{
	print_joined(argc - 1, argv + 1, "\n");
	return 0;
}

static int c_printenv(int argc, char **argv)
{
	if (argc == 1) {
		for (char **e = environ; e && *e; e++)
			printf("%s\n", *e);
		return 0;
	}
	const char *v = getenv(argv[1]);
	if (!v)
		return fail("%s is not set", argv[1]);
	printf("%s\n", v);
	return 0;
}

static int c_id(int argc, char **argv)
{
	(void)argc, (void)argv;
	int n = getgroups(0, NULL);
	if (n < 0)
		return fail_errno("getgroups");
	gid_t *g = calloc((size_t)n + 1, sizeof *g);
	if (!g || (n = getgroups(n, g)) < 0)
		return fail_errno("getgroups");
	printf("uid=%u gid=%u groups=", (unsigned)getuid(), (unsigned)getgid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned)g[i]);
	putchar('\n');
	free(g);
	return 0;
}

static int c_sleep(int argc, char **argv)
{
	(void)argc;
	return sleep_seconds(argv[1]);
}

static int c_pause(int argc, char **argv)
{
	(void)argc, (void)argv;
	fflush(stdout);
	for (;;)
		pause();
	return 0; /* not reached */
}

static int c_caps(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const keys[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", NULL };
	return status_lines(keys, 0);
}

static int c_uname(int argc, char **argv)
{
	(void)argc;
	struct utsname u;
	if (uname(&u) < 0)
		return fail_errno("uname");
	puts(strcmp(argv[0], "hostname") ? u.domainname : u.nodename);
	return 0;
}

static int c_exit(int argc, char **argv)
{
	(void)argc;
	long n;
	if (parse_long(argv[1], 0, 255, &n))
		return 2;
	fflush(stdout);
	return (int)n;
}

static int c_pid(int argc, char **argv)
{
	(void)argc;
	printf("%ld\n", (long)(strcmp(argv[0], "pid") ? getppid() : getpid()));
	return 0;
}

static int c_nnp(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const keys[] = { "NoNewPrivs", NULL };
	return status_lines(keys, 1);
}

static int c_umask(int argc, char **argv)
{
	(void)argc, (void)argv;
	mode_t m = umask(0);
	umask(m);
	printf("%04o\n", (unsigned)m);
	return 0;
}

static int c_seccomp(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const keys[] = { "Seccomp", NULL };
	return status_lines(keys, 0);
}

static int c_sigmask(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const keys[] = { "SigBlk", "SigIgn", NULL };
	return status_lines(keys, 0);
}

static int c_sleep_exit(int argc, char **argv)
{
	long n = 0;
	if (argc > 2 && parse_long(argv[2], 0, 255, &n))
		return 2;
	if (sleep_seconds(argv[1]))
		return 1;
	fflush(stdout);
	return (int)n;
}

static const struct command {
	const char *name;
	int (*fn)(int, char **);
	int min, max; /* number of arguments after the name; max -1: any */
	const char *usage;
} commands[] = {
	{ "cat", c_cat, 0, -1, "[FILE...]" },
	{ "echo", c_echo, 0, -1, "[ARGS...]" },
	{ "printenv", c_printenv, 0, 1, "[NAME]" },
	{ "id", c_id, 0, 0, "" },
	{ "sleep", c_sleep, 1, 1, "SECONDS" },
	{ "pause", c_pause, 0, 0, "" },
	{ "ls", c_ls, 1, 1, "DIR" },
	{ "readlink", c_readlink, 1, 1, "PATH" },
	{ "mounts", c_mounts, 0, 0, "" },
	{ "caps", c_caps, 0, 0, "" },
	{ "hostname", c_uname, 0, 0, "" },
	{ "domainname", c_uname, 0, 0, "" },
	{ "exit", c_exit, 1, 1, "N" },
	{ "pid", c_pid, 0, 0, "" },
	{ "ppid", c_pid, 0, 0, "" },
	{ "fds", c_fds, 0, 0, "" },
	{ "cwd", c_cwd, 0, 0, "" },
	{ "rlimit", c_rlimit, 1, 1, "NAME" },
	{ "nnp", c_nnp, 0, 0, "" },
	{ "umask", c_umask, 0, 0, "" },
	{ "write", c_write, 2, -1, "FILE TEXT..." },
	{ "mkdir", c_mkdir, 1, 1, "PATH" },
	{ "touch", c_touch, 1, 1, "PATH" },
	{ "stat", c_stat, 1, 1, "PATH" },
	{ "trap", c_trap, 0, -1, "[SIG...]" },
	{ "alloc", c_alloc, 1, 1, "MB" },
	{ "fork", c_fork, 1, 1, "N" },
	{ "open", c_open, 1, 2, "PATH [r|w|rw]" },
	{ "readback", c_readback, 1, 1, "PATH" },
	{ "sysctl", c_sysctl, 1, 1, "KEY" },
	{ "seccomp-status", c_seccomp, 0, 0, "" },
	{ "exec", c_exec, 1, -1, "CMD [ARGS...]" },
	{ "sh-like", c_exec, 1, -1, "CMD [ARGS...]" },
	{ "signal-mask", c_sigmask, 0, 0, "" },
	{ "tty", c_tty, 0, 0, "" },
	{ "winsize", c_winsize, 0, 0, "" },
	{ "personality", c_personality, 0, 0, "" },
	{ "syscall", c_syscall, 1, 2, "NAME [ARG]" },
	{ "sleep-then-exit", c_sleep_exit, 1, 2, "SECONDS [N]" },
};

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int usage(void)
{
	fputs("usage: tsrun-testhelper SUBCOMMAND [ARGS...]; subcommands:", stderr);
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(stderr, " %s", commands[i].name);
	fputc('\n', stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : (argc > 0 ? argv[0] : "");
	const struct command *c = find(base);
	if (!c) { /* not invoked through an applet symlink */
		if (argc < 2)
			return usage();
		argc--, argv++;
		if (!strcmp(argv[0], "sh-like") && argc > 1 && !strcmp(argv[1], "exec"))
			argc--, argv++; /* "sh-like exec CMD ARGS..." */
		if (!(c = find(argv[0]))) {
			fprintf(stderr, "tsrun-testhelper: unknown subcommand '%s' (run without arguments for the list)\n", argv[0]);
			return 2;
		}
	}
	cmd = c->name;
	int nargs = argc - 1;
	if (nargs < c->min || (c->max >= 0 && nargs > c->max)) {
		fprintf(stderr, "usage: tsrun-testhelper %s %s\n", c->name, c->usage);
		return 2;
	}
	int rc = c->fn(argc, argv);
	if (fflush(stdout) != 0 && rc == 0)
		return fail_errno("stdout");
	return rc;
}
