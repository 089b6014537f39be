/* hiredis, the Redis client library (pkg-config: hiredis, Debian: libhiredis-dev, 0.14 API). */
#include <hiredis/hiredis.h>
