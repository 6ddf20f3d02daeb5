/*
 * The functions libtsrun.so exports to TypeScript (loaded through koffi in src/sys/native.ts).
 * Every function returns >= 0 on success or -errno on failure; it never prints or aborts.
 */
#ifndef TSRUN_H
#define TSRUN_H
#include <stdint.h>

/* tsrun_spawn inputs, indexes into `in` */
enum { SPAWN_IN_CGROUP_FD = 0,   /* cgroup v2 dir fd for CLONE_INTO_CGROUP, or -1 */
       SPAWN_IN_STATE_DIR_FD,    /* O_PATH|O_DIRECTORY fd of <root>/<id> (holds exec.fifo), or -1 */
       SPAWN_IN_CONSOLE_FD,      /* connected console socket fd, or -1 */
       SPAWN_IN_PRESERVE_FDS,    /* number of fds after 2 that the process keeps (3 .. 3+N-1) */
       SPAWN_IN_INIT_FD,         /* sealed memfd of tsrun-init (tsrun_sealed_memfd); required */
       SPAWN_IN_STDIN_FD,        /* an fd >= 3 that the child dup2s onto 0 first thing (foreground */
       SPAWN_IN_STDOUT_FD,       /*   stdio pipes), likewise onto 1 and 2; anything else (-1, 0): */
       SPAWN_IN_STDERR_FD,       /*   the child keeps the caller's fd */
       SPAWN_IN__COUNT };
/* tsrun_spawn outputs, indexes into `out` */
enum { SPAWN_OUT_PID = 0,        /* pid of the cloned child (in the caller's pid namespace) */
       SPAWN_OUT_PIDFD,          /* pidfd of that child, or -1 */
       SPAWN_OUT_SYNC_FD,        /* parent end of the sync socketpair (see sync.h) */
       SPAWN_OUT_IN_CGROUP,      /* 1 if clone3 placed the child with CLONE_INTO_CGROUP, else 0
                                    (then the caller must write cgroup.procs before MSG_GO) */
       SPAWN_OUT__COUNT };

/* Clone a child that execs tsrun-init (in[SPAWN_IN_INIT_FD]), which runs `plan` (see plan.h).
 * The parent returns at once. */
int tsrun_spawn(const uint8_t *plan, uint32_t plan_len, const int32_t *in, int32_t *out);
/* A sealed (F_SEAL_SEAL|SHRINK|GROW|WRITE), executable, CLOEXEC memfd holding buf: the fd or -errno. */
int tsrun_sealed_memfd(const char *name, const uint8_t *buf, uint32_t len);

/* Send one fd with SCM_RIGHTS over a connected unix socket, with `text` as the data. */
int tsrun_send_fd(int sock, int fd, const char *text);
/* Receive one fd sent with SCM_RIGHTS; returns the fd. */
int tsrun_recv_fd(int sock, char *text, uint32_t text_len);
/* Receive one datagram into buf (bytes, 0 at EOF, or -errno); *fd = the fd it carried, or -1. */
int tsrun_recv_msg(int sock, void *buf, uint32_t len, int32_t *fd);
/* Connect a SOCK_STREAM|SOCK_CLOEXEC unix socket to path: the fd or -errno. */
int tsrun_unix_connect(const char *path);

/* Terminals, runtime side (pty.c). */
int tsrun_connect_unix(const char *path);   /* a connected SOCK_STREAM|SOCK_CLOEXEC fd */
int tsrun_socketpair(int32_t *fds);         /* fds[2]: AF_UNIX SOCK_STREAM, CLOEXEC */
int tsrun_winsize_copy(int from, int to);   /* TIOCGWINSZ from -> TIOCSWINSZ to */
int tsrun_winsize_get(int fd);              /* rows << 16 | cols, or -errno */
int tsrun_tty_raw(int fd, int on);          /* on: raw mode if fd is a tty (1), else 0; off: restore */
int tsrun_pty_proxy(int master, int in, int out); /* until the slave side closes */

/* Foreground stdio without a terminal (relay.c): in -> to_child, from_out -> out, from_err -> err,
 * with poll() on the calling thread, until both from_* reach EOF or stop_fd is readable. */
int tsrun_stdio_relay(int in, int to_child, int from_out, int out, int from_err, int err, int stop_fd);

#endif
