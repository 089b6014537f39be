/* Header-only shim for the Linux kernel interfaces Glibc's Swift module does not expose:
   packet sockets and classic BPF, rtnetlink and traffic control, namespaces and pidfds.
   Function-like macros are never imported into Swift, so the few we need are wrapped here. */
#ifndef AETHER_CLINUXNET_SHIM_H
#define AETHER_CLINUXNET_SHIM_H

#include <stdint.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netpacket/packet.h>   /* sockaddr_ll; do not also include <linux/if_packet.h> (redefinition) */
#include <net/ethernet.h>       /* ETH_P_* */
#include <linux/filter.h>       /* sock_filter, sock_fprog, BPF_* */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/pkt_cls.h>
#include <linux/gen_stats.h>                    /* gnet_stats_basic, gnet_stats_queue, TCA_STATS_* */
#include <linux/tc_act/tc_mirred.h>             /* tc_mirred, TCA_MIRRED_*, TCA_EGRESS_REDIR */
#include <linux/netfilter/nfnetlink.h>          /* nfgenmsg, NFNL_SUBSYS_*, NETLINK_NETFILTER */
#include <linux/netfilter/nfnetlink_conntrack.h> /* IPCTNL_MSG_CT_*, CTA_* */
#include <linux/sched.h>        /* CLONE_NEWNET */
#include <sys/prctl.h>

/* glibc >= 2.34 has this GNU extension but Swift's Glibc module is built without _GNU_SOURCE. */
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

/* Closes every descriptor >= from in a spawned child, so it inherits only its standard streams. */
static inline int cln_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

/* pidfd_open(2): a descriptor that becomes readable when the process exits (Linux >= 5.3). */
static inline int cln_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/* setns(2) for network namespaces; affects the calling thread only. */
static inline int cln_setns_net(int fd) { return (int)syscall(SYS_setns, fd, CLONE_NEWNET); }

/* prctl(2) is variadic, so Swift cannot call it: orphaned descendants are re-parented to a
   subreaper instead of PID 1, which lets a supervisor reap daemons that forked away. */
static inline int cln_become_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

static inline uint32_t cln_nlmsg_align(uint32_t len) { return NLMSG_ALIGN(len); }
static inline uint32_t cln_tc_h_make(uint32_t maj, uint32_t min) { return TC_H_MAKE(maj, min); }
static inline struct sock_filter cln_bpf_stmt(uint16_t code, uint32_t k) {
    struct sock_filter f = BPF_STMT(code, k); return f;
}
static inline struct sock_filter cln_bpf_jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
    struct sock_filter f = BPF_JUMP(code, k, jt, jf); return f;
}

#endif
