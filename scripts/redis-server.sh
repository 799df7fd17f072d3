#!/bin/sh
# Print the path of a redis-server binary, for the tests that need Redis
# (tests/it/redis_link.rs, tests/it/cluster.rs, load/tests/cluster.rs) and the
# bench's cluster cases, installing Debian's package first when there is none
# (scripts/apt-tool.sh: on PATH or in /usr/bin, /usr/sbin, /usr/local/bin;
# else, as root, apt-get install redis-server). The tests start their own
# server on a free loopback port with persistence off; the service the
# package may start on 6379 is not used.
#
# Only the path goes to stdout. Without a redis-server it fails (exit 1),
# since the tests that need one would fail too; unless LINECHAT_SKIP_REDIS=1
# says they may skip: then it prints nothing and exits 0.
exec sh "$(dirname "$0")/apt-tool.sh" redis-server redis-server LINECHAT_SKIP_REDIS
