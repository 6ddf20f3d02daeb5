/*
 * native/build/tsrun: the compiled launcher (bin/tsrun links to it; it replaced a sh
 * script, saving a shell and its fork per call): find the repository from
 * /proc/self/exe (so it works through symlinks, from any cwd and with an empty
 * environment), pick the node that built tsrun (dist/node-path, then $TSRUN_NODE,
 * /usr/local/bin/node, /usr/bin/node), drop NODE_EXTRA_CA_CERTS (it triples node's
 * start-up) and exec node on dist/bundle/launch.cjs, or dist/src/main.js with
 * TSRUN_NO_BUNDLE=1 or without a bundle. See docs/PERFORMANCE.md.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char repo[PATH_MAX];

/*
 * TSRUN_PASSED_FDS: the fds above 2 the caller passed us, recorded before anything is opened
 * (node marks some inherited fds close-on-exec at start, so tsrun cannot tell them from its own
 * later). `--preserve-fds` and LISTEN_FDS hand over only these (src/passed-fds.ts). Ranges,
 * "3-5,9"; set even when empty, so that a value the caller put in the environment never counts.
 */
static void record_passed_fds(void) {
	char list[4096] = "";
	size_t len = 0;
	int fds[1024], n = 0;
	DIR *d = opendir("/proc/self/fd"); /* O_CLOEXEC: skipped below */
	if (!d) { unsetenv("TSRUN_PASSED_FDS"); return; }
	for (struct dirent *e; (e = readdir(d)) && n < 1024;) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd < 3 || fd == dirfd(d)) continue;
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC)) fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++) /* sort: readdir's order is not numeric */
		for (int j = i + 1; j < n; j++)
			if (fds[j] < fds[i]) { int t = fds[i]; fds[i] = fds[j]; fds[j] = t; }
	for (int i = 0; i < n && len < sizeof list - 32;) {
		int j = i;
		while (j + 1 < n && fds[j + 1] == fds[j] + 1) j++;
		len += (size_t)snprintf(list + len, sizeof list - len, j > i ? "%s%d-%d" : "%s%d", len ? "," : "", fds[i], fds[j]);
		i = j + 1;
	}
	setenv("TSRUN_PASSED_FDS", list, 1);
}

static int under(char *out, const char *rel) {
	return snprintf(out, PATH_MAX, "%s/%s", repo, rel) < PATH_MAX;
}

int main(int argc, char **argv) {
	record_passed_fds();
	ssize_t n = readlink("/proc/self/exe", repo, sizeof repo - 1);
	if (n > 0) {
		repo[n] = '\0';
	} else if (!strchr(argv[0], '/') || !realpath(argv[0], repo)) { /* no /proc: the path we were run by */
		fprintf(stderr, "tsrun: cannot find the launcher's own path (/proc/self/exe, argv[0])\n");
		return 1;
	}
	for (int up = 0; up < 3; up++) { /* <repo>/native/build/tsrun -> <repo> */
		char *slash = strrchr(repo, '/');
		if (!slash || slash == repo) { fprintf(stderr, "tsrun: launcher not under <repo>/native/build\n"); return 1; }
		*slash = '\0';
	}

	char recorded[PATH_MAX] = "", path[PATH_MAX];
	if (under(path, "dist/node-path")) {
		FILE *f = fopen(path, "re");
		if (f) {
			if (!fgets(recorded, sizeof recorded, f)) recorded[0] = '\0';
			recorded[strcspn(recorded, "\n")] = '\0';
			fclose(f);
		}
	}
	const char *env_node = getenv("TSRUN_NODE");
	const char *cands[] = { recorded, env_node ? env_node : "", "/usr/local/bin/node", "/usr/bin/node" };
	const char *node = NULL;
	for (size_t i = 0; i < sizeof cands / sizeof cands[0] && !node; i++)
		if (cands[i][0] && access(cands[i], X_OK) == 0) node = cands[i];
	if (!node) { fprintf(stderr, "tsrun: node not found (set TSRUN_NODE)\n"); return 1; }
	unsetenv("NODE_EXTRA_CA_CERTS");

	char script[PATH_MAX];
	const char *nb = getenv("TSRUN_NO_BUNDLE");
	if (!(nb && nb[0]) && under(script, "dist/bundle/launch.cjs") && access(script, R_OK) == 0) {
		/* the bundle with its code cache */
	} else if (!under(script, "dist/src/main.js")) {
		fprintf(stderr, "tsrun: path too long\n");
		return 1;
	}

	char **args = calloc((size_t)argc + 2, sizeof *args);
	if (!args) { perror("tsrun: calloc"); return 1; }
	args[0] = (char *)node;
	args[1] = script;
	for (int i = 1; i < argc; i++) args[i + 1] = argv[i];
	execv(node, args);
	fprintf(stderr, "tsrun: exec %s: ", node);
	perror(NULL);
	return 1;
}
