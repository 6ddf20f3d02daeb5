/*
 * Native tests for what an unprivileged user namespace refuses: a sysfs mount (the host's /sys
 * is bound instead) and setgroups(2) once "deny" is in /proc/self/setgroups. Included by
 * executor_test.c, whose harness (plan builder, RUN/CHECK, the fake table) it uses.
 */

/* sysfs refused with EPERM: /sys of the host bound recursively, then remounted with the flags */
TEST(sysfs_falls_back_to_a_bind)
{
  struct tsrun_op *o;
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  o = pb_op1(&P, OP_MOUNT, OPF_BIND_FALLBACK | OPF_CHECK_PROCFS, "sysfs");
  o->s[1] = pb_str(&P, "/sys");
  o->s[2] = pb_str(&P, "sysfs");
  o->a = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  pb_exec(&P, ARGV, ENV);
  systest.fail_prefix = "mount(\"sysfs\"";
  systest.fail_errno = EPERM;
  CHECK(run(&P) == 0);
  const char *want[] = {
    "mount(\"sysfs\",\"/proc/self/fd/11\",\"sysfs\",MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC,NULL) = -1",
    "openat(AT_FDCWD,\"/sys\",O_PATH|O_DIRECTORY|O_CLOEXEC,00) = 12",
    "mount(\"/proc/self/fd/12\",\"/proc/self/fd/11\",NULL,MS_BIND|MS_REC,NULL) = 0",
    "mount(NULL,\"/proc/self/fd/13\",NULL,MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND,NULL) = 0",
    "execve(\"sh\",[sh -c true],env=1)", NULL };
  CHECK(has_seq(want));
}

/* cgroup2 without a cgroup namespace of its own: the host's /sys/fs/cgroup, bound (not recursively) */
TEST(cgroup2_falls_back_to_a_bind)
{
  struct tsrun_op *o;
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  o = pb_op1(&P, OP_MOUNT, OPF_BIND_FALLBACK | OPF_CHECK_PROCFS, "cgroup");
  o->s[1] = pb_str(&P, "/sys/fs/cgroup");
  o->s[2] = pb_str(&P, "cgroup2");
  o->a = MS_RDONLY | MS_NOSUID;
  pb_exec(&P, ARGV, ENV);
  systest.fail_prefix = "mount(\"cgroup\"";
  systest.fail_errno = EPERM;
  CHECK(run(&P) == 0);
  const char *want[] = {
    "mount(\"cgroup\",\"/proc/self/fd/13\",\"cgroup2\",MS_RDONLY|MS_NOSUID,NULL) = -1",
    "openat(AT_FDCWD,\"/sys/fs/cgroup\",O_PATH|O_DIRECTORY|O_CLOEXEC,00) = 14",
    "mount(\"/proc/self/fd/14\",\"/proc/self/fd/13\",NULL,MS_BIND,NULL) = 0",
    "mount(NULL,\"/proc/self/fd/17\",NULL,MS_RDONLY|MS_NOSUID|MS_REMOUNT|MS_BIND,NULL) = 0",
    "execve(\"sh\",[sh -c true],env=1)", NULL };
  CHECK(has_seq(want));
}

/* without the flag (any other filesystem) EPERM is the op's failure, and nothing is bound */
TEST(other_mount_eperm_is_a_failure)
{
  struct tsrun_op *o;
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  o = pb_op1(&P, OP_MOUNT, OPF_CHECK_PROCFS, "proc");
  o->s[1] = pb_str(&P, "/proc");
  o->s[2] = pb_str(&P, "proc");
  pb_exec(&P, ARGV, ENV);
  systest.fail_prefix = "mount(\"proc\"";
  systest.fail_errno = EPERM;
  CHECK(run(&P) != 0);
  CHECK(!strstr(systest_log(), "\"/sys\""));
}

/* setgroups denied in this user namespace: clearing the groups is skipped, asking for some is an error */
TEST(setgroups_denied)
{
  pb_init(&P);
  pb_op(&P, OP_SETGROUPS, 0)->a = 0;
  pb_exec(&P, ARGV, ENV);
  systest.fail_prefix = "setgroups(";
  systest.fail_errno = EPERM;
  systest.read_data = "deny\n";
  CHECK(run(&P) == 0);
  CHECK(strstr(systest_log(), "openat(AT_FDCWD,\"/proc/self/setgroups\",O_NOFOLLOW|O_CLOEXEC,00)") != NULL);
  CHECK(strstr(systest_log(), "execve(") != NULL);

  systest_reset();
  pb_init(&P);
  {
    uint8_t one[4] = { 10, 0, 0, 0 };
    struct tsrun_op *o = pb_op(&P, OP_SETGROUPS, 0);
    o->a = 1;
    o->s[0] = pb_blob(&P, one, sizeof one);
  }
  pb_exec(&P, ARGV, ENV);
  systest.fail_prefix = "setgroups(";
  systest.fail_errno = EPERM;
  systest.read_data = "deny\n";
  CHECK(run(&P) != 0);
  CHECK(strstr(systest_log(), "execve(") == NULL);
}
