/*
 * The contract between tsrun_spawn's child (spawn.c) and tsrun-init (init.c): the child
 * execs the sealed init with these arguments. Both sides include this file.
 */
#ifndef TSRUN_INIT_H
#define TSRUN_INIT_H

#define INIT_MAGIC "--tsrun-init-1"
/* argv[0] argv[1]=INIT_MAGIC, then: plan_fd sync_fd state_dir_fd console_fd fifo_fd preserve_fds
 * inh_lo inh_hi (inh_lo = -1: no capabilities to restore) */
#define INIT_ARGC 10

#endif
