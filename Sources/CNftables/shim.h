/* libnftables, the nftables ruleset library (pkg-config: libnftables, Debian: libnftables-dev).
   Its .pc file has no Cflags and the header sits under nftables/. */
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <nftables/libnftables.h>
