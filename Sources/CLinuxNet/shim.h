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
#include <linux/netfilter/nf_tables.h>          /* NFT_MSG_*, NFTA_SET_ELEM_*, NFTA_COUNTER_* */
#include <linux/sched.h>        /* CLONE_NEWNET */
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <string.h>
#include <malloc.h>

/* glibc >= 2.34 has this GNU extension but Swift's Glibc module is built without _GNU_SOURCE. */
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

/* Closes every descriptor >= from in a spawned child, so it inherits only its standard streams. */
static inline int cln_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

/* mallopt(M_ARENA_MAX, n): at most n malloc arenas (Swift's Glibc module leaves malloc.h out). */
static inline int cln_limit_malloc_arenas(int n) { return mallopt(M_ARENA_MAX, n); }

/* pidfd_open(2): a descriptor that becomes readable when the process exits (Linux >= 5.3). */
static inline int cln_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/* setns(2) for network namespaces; affects the calling thread only. */
static inline int cln_setns_net(int fd) { return (int)syscall(SYS_setns, fd, CLONE_NEWNET); }

/* ioctl(2) is variadic, so Swift cannot call it; interface lookups (SIOCGIF*) go through here. */
static inline int cln_ioctl_ifreq(int fd, unsigned long request, struct ifreq *ifr) { return ioctl(fd, request, ifr); }

/* prctl(2) is variadic, so Swift cannot call it: orphaned descendants are re-parented to a
   subreaper instead of PID 1, which lets a supervisor reap daemons that forked away. */
/* Thread names and non-blocking joins for dedicated threads. Both functions are in glibc but
   declared only under _GNU_SOURCE, which Swift's Glibc module is not built with. */
#include <pthread.h>
extern int pthread_tryjoin_np(pthread_t thread, void **retval);
extern int pipe2(int pipefd[2], int flags);
static inline int cln_set_thread_name(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }
static inline int cln_pthread_tryjoin(pthread_t thread) { return pthread_tryjoin_np(thread, NULL); }
static inline int cln_pipe2(int ends[2], int flags) { return pipe2(ends, flags); }

static inline int cln_become_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

/* tpacket_auxdata.tp_status bit: the frame left this host's stack with its L4 checksum not yet
   computed (offloaded, e.g. on veth), so the checksum field holds only the pseudo-header sum.
   <linux/if_packet.h> cannot be included beside glibc's <netpacket/packet.h>. */
#define CLN_TP_STATUS_CSUMNOTREADY (1u << 3)

/* Frames the kernel dropped on a packet socket since the last call (its receive buffer was
   full); PACKET_STATISTICS resets the counts it reports. struct tpacket_stats, redeclared for
   the reason above. Returns 0 when the call fails. */
static inline unsigned int cln_packet_take_drops(int fd) {
    struct { unsigned int tp_packets; unsigned int tp_drops; } stats = { 0, 0 };
    socklen_t length = sizeof(stats);
    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &length) != 0) { return 0; }
    return stats.tp_drops;
}

/* recvmsg(2) on a packet socket with PACKET_AUXDATA enabled: returns the frame length (with
   MSG_TRUNC, the untruncated length) and the frame's tp_status. CMSG_* are macros, hence C. */
static inline ssize_t cln_packet_recv(int fd, void *buffer, size_t length, int flags, uint32_t *status) {
    union { struct cmsghdr align; char bytes[CMSG_SPACE(32)]; } control;
    struct iovec iov = { buffer, length };
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof(control.bytes);
    *status = 0;
    ssize_t received = recvmsg(fd, &message, flags);
    if (received < 0) return received;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c != NULL; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA && c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
            memcpy(status, CMSG_DATA(c), sizeof(uint32_t));
        }
    }
    return received;
}

static inline uint32_t cln_nlmsg_align(uint32_t len) { return NLMSG_ALIGN(len); }
static inline uint32_t cln_tc_h_make(uint32_t maj, uint32_t min) { return TC_H_MAKE(maj, min); }
static inline struct sock_filter cln_bpf_stmt(uint16_t code, uint32_t k) {
    struct sock_filter f = BPF_STMT(code, k); return f;
}
static inline struct sock_filter cln_bpf_jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
    struct sock_filter f = BPF_JUMP(code, k, jt, jf); return f;
}

#endif
