/*
 * bench/rusage.c: run a command and write "<maxrss KiB> <user µs> <sys µs> <exit status>"
 * to a file, from wait4's rusage (GNU time prints CPU time in 10 ms steps only).
 * Built by the native build as native/build/tsrun-rusage; used by bench/bench.mjs.
 * Usage: tsrun-rusage OUTFILE CMD [ARGS...]
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: tsrun-rusage OUTFILE CMD [ARGS...]\n"); return 2; }
	pid_t pid = fork();
	if (pid < 0) { perror("tsrun-rusage: fork"); return 2; }
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("tsrun-rusage: exec");
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) { perror("tsrun-rusage: wait4"); return 2; }
	FILE *f = fopen(argv[1], "w");
	if (!f) { perror("tsrun-rusage: open"); return 2; }
	fprintf(f, "%ld %ld %ld\n", ru.ru_maxrss,
		(long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
		(long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec);
	fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
