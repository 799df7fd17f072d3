#!/bin/sh
# Print the path of a haproxy binary, for the bench's failover case (X3:
# the killed node's users reconnect through it and resume) and the load
# generator's failover-with-resume test (load/tests/failover_resume.rs),
# installing Debian's package first when there is none
# (scripts/apt-tool.sh: on PATH or in /usr/bin, /usr/sbin, /usr/local/bin;
# else, as root, apt-get install haproxy). Each run starts its own HAProxy
# on a free loopback port with a config written for it; the service the
# package may start is not used.
#
# Only the path goes to stdout. Without a haproxy it fails (exit 1), since
# what needs one would fail too; unless LINECHAT_SKIP_HAPROXY=1 says it may
# skip: then it prints nothing and exits 0.
exec sh "$(dirname "$0")/apt-tool.sh" haproxy haproxy LINECHAT_SKIP_HAPROXY
