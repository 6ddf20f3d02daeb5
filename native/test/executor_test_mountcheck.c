/*
 * Native tests for mountcheck.c (issue 13): kernel filesystems' mount points reached
 * without symlinks, and masked paths whose parent must be on the expected filesystem.
 * Included by executor_test.c, whose harness (plan builder, RUN/CHECK, the fake) it uses.
 * The fake's fstatfs reports f_type 0 (no directory on proc) unless systest.proc_root is set.
 */

static struct tsrun_op *check_mount(const char *type, const char *dest)
{
  struct tsrun_op *o = pb_op1(&P, OP_MOUNT, OPF_CHECK_PROCFS, type);
  o->s[1] = pb_str(&P, dest);
  o->s[2] = pb_str(&P, type);
  return o;
}

/* the audit's chain: /proc -> /dev/lnk -> /realp; the first link already stops it */
TEST(proc_mount_point_symlink_refused)
{
  systest.strict = 1;
  systest_file("/rootfs", S_IFDIR | 0755, NULL);
  systest_file("/rootfs/proc", S_IFLNK | 0777, "/dev/lnk");
  systest_file("/rootfs/dev", S_IFDIR | 0755, NULL);
  systest_file("/rootfs/dev/lnk", S_IFLNK | 0777, "/realp");
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  check_mount("proc", "/proc");
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == -ELOOP);
  CHECK(ctx.err_op == 1);
  CHECK(!strcmp(ctx.err_text, "\"/proc\" is a symlink"));
  CHECK(!has_line("mount("));
  CHECK(!has_line("readlinkat("));
  CHECK(systest_mode("/rootfs/realp") == 0);
}

TEST(cgroup_mount_point_intermediate_symlink_refused)
{
  systest.strict = 1;
  systest_file("/rootfs", S_IFDIR | 0755, NULL);
  systest_file("/rootfs/sys", S_IFDIR | 0755, NULL);
  systest_file("/rootfs/sys/fs", S_IFLNK | 0777, "x");
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  check_mount("cgroup2", "/sys/fs/cgroup");
  CHECK(run(&P) == -ELOOP);
  CHECK(!strcmp(ctx.err_text, "\"/sys/fs\" is a symlink"));
  CHECK(!has_line("mount("));
  CHECK(systest_mode("/rootfs/sys/x") == 0);
}

TEST(sysfs_mount_point_file_refused)
{
  systest.strict = 1;
  systest_file("/rootfs", S_IFDIR | 0755, NULL);
  systest_file("/rootfs/sys", S_IFREG | 0644, NULL);
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  check_mount("sysfs", "/sys");
  CHECK(run(&P) == -ENOTDIR);
  CHECK(!strcmp(ctx.err_text, "\"/sys\" is not a directory"));
  CHECK(!has_line("mount("));
}

/* missing components become real directories, and the mount goes on the last one's fd */
TEST(kernel_mount_point_made_as_directories)
{
  systest.strict = 1;
  systest_file("/rootfs", S_IFDIR | 0755, NULL);
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  check_mount("cgroup2", "/sys/fs/cgroup")->c = MS_PRIVATE;
  CHECK(run(&P) == 0);
  CHECK(S_ISDIR(systest_mode("/rootfs/sys/fs/cgroup")));
  const char *want[] = {
    "openat(10,\"sys\",O_PATH|O_NOFOLLOW|O_CLOEXEC,00) = -2", "mkdirat(10,\"sys\",0755) = 0",
    "openat(10,\"sys\",O_PATH|O_NOFOLLOW|O_CLOEXEC,00) = 11", "fstat(11) = 0",
    "mkdirat(11,\"fs\",0755) = 0", "mkdirat(12,\"cgroup\",0755) = 0", "fstat(13) = 0",
    "mount(\"cgroup2\",\"/proc/self/fd/13\",\"cgroup2\",0x0,NULL) = 0",
    /* the propagation change resolves the same way again */
    "openat(10,\"sys\",O_PATH|O_NOFOLLOW|O_CLOEXEC,00)",
    "mount(NULL,\"/proc/self/fd/", NULL };
  CHECK(has_seq(want));
  CHECK(!has_line("openat2("));
}

/* a = proc's magic: a parent that is not on proc is an error, even for a missing path */
TEST(masked_path_parent_not_on_proc_is_an_error)
{
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_MASK_PATH, 0, "/proc/kcore")->a = 0x9fa0;
  systest_file("/rootfs/proc/kcore", 0, NULL);
  CHECK(run(&P) == -EXDEV);
  CHECK(ctx.err_op == 1);
  CHECK(!strcmp(ctx.err_text, "\"/proc\" is not on proc"));
  CHECK(!has_line("mount("));
}

TEST(readonly_path_parent_symlink_is_an_error)
{
  systest.strict = 1;
  systest_file("/rootfs", S_IFDIR | 0755, NULL);
  systest_file("/rootfs/proc", S_IFLNK | 0777, "/dev/lnk");
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_READONLY_PATH, 0, "/proc/sys")->a = 0x9fa0;
  pb_op1(&P, OP_MASK_PATH, 0, "/proc/kcore")->a = 0x9fa0;
  CHECK(run(&P) == -ELOOP);
  CHECK(ctx.err_op == 1);
  CHECK(!strcmp(ctx.err_text, "\"/proc\" is a symlink"));
  CHECK(!has_line("mount("));
}


/* ---- nothing is mounted over part of a procfs (runc's checkProcMount, on the fd) ---- */

static struct tsrun_op *mount_op(const char *src, const char *dest, const char *type, unsigned flags)
{
  struct tsrun_op *o = pb_op1(&P, OP_MOUNT, flags, src);
  o->s[1] = pb_str(&P, dest);
  o->s[2] = pb_str(&P, type);
  return o;
}

static void proc_rootfs(void)
{
  systest_file("/rootfs", S_IFDIR | 0755, NULL);
  systest_file("/rootfs/proc", S_IFDIR | 0555, NULL);
  systest_file("/rootfs/proc/sys", S_IFDIR | 0555, NULL);
  systest_file("/rootfs/proc/kcore", S_IFREG | 0400, NULL);
  systest_file("/rootfs/proc/uptime", S_IFREG | 0444, NULL);
  systest_file("/host", S_IFDIR | 0755, NULL);
  systest_file("/host/uptime", S_IFREG | 0644, NULL);
  systest.proc_root = "/rootfs/proc";
}

TEST(bind_inside_proc_refused)
{
  proc_rootfs();
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  mount_op("/host", "/proc/sys", "bind", OPF_BIND)->a = MS_BIND;
  CHECK(run(&P) == -EPERM);
  CHECK(ctx.err_op == 1);
  CHECK(!strcmp(ctx.err_text, "\"/proc/sys\" cannot be mounted because it is inside /proc"));
  CHECK(!has_line("mount("));
}

/* a link in the image moves an innocent destination into /proc: the fd tells */
TEST(symlink_into_proc_refused_with_resolved_path)
{
  proc_rootfs();
  systest.openat2_enosys = 1;
  systest_file("/rootfs/p", S_IFLNK | 0777, "/proc");
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  mount_op("/host/uptime", "/p/kcore", "bind", OPF_BIND)->a = MS_BIND;
  CHECK(run(&P) == -EPERM);
  CHECK(!strcmp(ctx.err_text, "\"/p/kcore\" cannot be mounted because it is inside /proc (resolved to /proc/kcore)"));
  CHECK(!has_line("mount("));
}

TEST(lxcfs_file_bind_and_proc_on_proc_allowed)
{
  proc_rootfs();
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  mount_op("proc", "/proc", "proc", 0);
  mount_op("/host/uptime", "/proc/uptime", "bind", OPF_BIND)->a = MS_BIND;
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == 0);
  const char *want[] = { "mount(\"proc\",\"/proc/self/fd/", "mount(\"/proc/self/fd/", NULL };
  CHECK(has_seq(want));
}

TEST(non_proc_on_proc_root_refused)
{
  proc_rootfs();
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  mount_op("tmpfs", "/proc", "tmpfs", 0);
  CHECK(run(&P) == -EPERM);
  CHECK(!strcmp(ctx.err_text, "\"/proc\" cannot be mounted because it is not of type proc"));
  CHECK(!has_line("mount("));
}

/* before any proc is mounted the destination is an ordinary directory: the proc mount hides it */
TEST(mount_under_proc_dir_before_proc_allowed)
{
  systest_file("/rootfs", S_IFDIR | 0755, NULL);
  systest_file("/host", S_IFDIR | 0755, NULL);
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  mount_op("/host", "/proc/sys", "bind", OPF_BIND)->a = MS_BIND;
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == 0);
  CHECK(has_line("mount(\"/proc/self/fd/"));
}

/* a file bind (/dev/null on /proc/kcore) is refused before make_file tries to create on proc */
TEST(file_bind_on_proc_file_refused_before_creating)
{
  proc_rootfs();
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  mount_op("/host/uptime", "/proc/kcore", "bind", OPF_BIND)->a = MS_BIND;
  CHECK(run(&P) == -EPERM);
  CHECK(!strcmp(ctx.err_text, "\"/proc/kcore\" cannot be mounted because it is inside /proc"));
  CHECK(!has_line("mount("));
}

/* a file this kernel's proc lacks: its parent is on proc, so it is inside /proc all the same */
TEST(file_bind_on_missing_proc_file_refused)
{
  proc_rootfs();
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  mount_op("/host/uptime", "/proc/nosuch", "bind", OPF_BIND)->a = MS_BIND;
  CHECK(run(&P) == -EPERM);
  CHECK(!strcmp(ctx.err_text, "\"/proc/nosuch\" cannot be mounted because it is inside /proc"));
  CHECK(!has_line("mount("));
}

static void mountcheck_tests(void)
{
  RUN(proc_mount_point_symlink_refused);
  RUN(cgroup_mount_point_intermediate_symlink_refused);
  RUN(sysfs_mount_point_file_refused);
  RUN(kernel_mount_point_made_as_directories);
  RUN(masked_path_parent_not_on_proc_is_an_error);
  RUN(readonly_path_parent_symlink_is_an_error);
  RUN(bind_inside_proc_refused);
  RUN(symlink_into_proc_refused_with_resolved_path);
  RUN(lxcfs_file_bind_and_proc_on_proc_allowed);
  RUN(non_proc_on_proc_root_refused);
  RUN(mount_under_proc_dir_before_proc_allowed);
  RUN(file_bind_on_proc_file_refused_before_creating);
  RUN(file_bind_on_missing_proc_file_refused);
}
