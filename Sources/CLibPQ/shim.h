/* libpq, the PostgreSQL client library (pkg-config: libpq, Debian: libpq-dev). */
#include <libpq-fe.h>
