#!/usr/bin/env python3
"""Parse every YAML file in the repository and check the deployment facts
that the cluster mode depends on.

No container engine or cluster is needed: this catches the edits that would
only fail, or quietly stop being highly available, at `docker-compose up` or
`tilt up` time.

docker-compose.yml: services `redis` (AOF on, a password from
LINECHAT_REDIS_PASSWORD given on stdin rather than its command line, a
volume on /data, a healthcheck that authenticates with REDISCLI_AUTH,
nothing published), `web` (HAProxy publishing 8080, mounting
deploy/haproxy.cfg read-only and depending on every node, so that
`docker-compose up web` starts the chat), `test` (a Dockerfile stage), and
at least two linechat nodes (image `linechat`), each listening on 8080
beyond loopback with `--redis` naming the redis service (no credentials in
the URL) and Redis's password in its environment, depending on it,
publishing nothing, with its per-address limits off (HAProxy applies
them), restart unless-stopped, a stop_grace_period above the server's 2 s
drain and the image's hardening.

deploy/haproxy.cfg: `mode tcp`, a bind on 8080, a per-client stick table,
and a `server NAME NODE:8080 ... check` (or a server-template) for every
linechat node of the compose file.

deploy/k8s/: the Deployment `linechat` with at least 3 replicas, a
RollingUpdate that never takes them all, tcpSocket probes and `--addr` on
8080, `--redis` naming a Service on 6379 whose one Deployment is Redis (one
replica, Recreate, AOF on a PersistentVolumeClaim that exists, a password
from the same Secret key as the linechat pods' LINECHAT_REDIS_PASSWORD,
given on stdin, and a readiness probe that authenticates), a grace period
above the drain and the
hardening; each Service selecting the pods of exactly one Deployment (the
linechat one on 8080); a policy/v1 PodDisruptionBudget selecting only the
linechat pods that lets at least one be evicted and keeps at least one; no
NetworkPolicy shutting the linechat pods out of Redis. Tiltfile: applies
every file in deploy/k8s/, names only Deployments that exist, and makes
the Secret the pods read when deploy/k8s/ does not hold it.

It also checks that the limits the README says the server derives from the
linechat Deployment's memory limit are the ones it derives: it builds the
debug binary (`cargo build`; without cargo it uses an existing
target/debug/linechat) and compares `linechat --memory-budget BYTES
--print-limits` with the README's block after the line
"`linechat --memory-budget BYTES --print-limits` prints:".

Exit status 0 when everything holds, 1 with one line per problem otherwise.
"""

import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:
    sys.exit("check-yaml: PyYAML is missing (pip install pyyaml, or apt-get install python3-yaml)")

ROOT = pathlib.Path(__file__).resolve().parent.parent
SKIP_DIRS = {".git", "target", "node_modules"}
K8S_DIR = ROOT / "deploy" / "k8s"
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
HAPROXY_CFG_IN_IMAGE = "/usr/local/etc/haproxy/haproxy.cfg"  # where the haproxy image reads it
PORT = 8080
REDIS_PORT = 6379
DRAIN_SECS = 2  # the server's flush deadline after SIGTERM
COMPOSE_NODES = 2  # fewest linechat nodes behind the compose load balancer
K8S_REPLICAS = 3  # fewest linechat pods: one drained or updated leaves two
APP = "linechat"  # the Deployment, its image and its pods' name
LB = "web"  # the compose HAProxy service: `docker-compose up web` starts the chat
# How Redis's password reaches Redis and the nodes: this environment
# variable (the server reads it; arguments would show in `ps`).
PASSWORD_ENV = "LINECHAT_REDIS_PASSWORD"
# Flags that count per source address: behind a TCP load balancer every
# connection has the balancer's address, so they must be off on the nodes.
PER_ADDRESS_FLAGS = ("--max-per-ip", "--login-rate", "--ip-rate")

problems = []
# {Deployment: (Secret, key)} its container's LINECHAT_REDIS_PASSWORD comes
# from; the linechat pods and Redis must read the same one.
password_secrets = {}
# The memory limit of the linechat Deployment's containers, in bytes, for
# the budget check.
memory_limits = {}


def problem(path, msg):
    problems.append(f"{path.relative_to(ROOT)}: {msg}")


def yaml_files():
    found = []
    # os.walk so that target/ (tens of thousands of files) is pruned, not walked.
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        found += [pathlib.Path(dirpath, f) for f in filenames if f.endswith((".yml", ".yaml"))]
    return sorted(found)


def duration_secs(value):
    """Compose durations: `10s`, `1m30s`, `500ms`, or a bare number of seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", str(value))
    if not parts or "".join(n + u for n, u in parts) != str(value):
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


def image_repo(image):
    """`linechat:latest` -> `linechat`, `docker.io/library/redis:7` -> `redis`."""
    name = str(image or "").split("@")[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":")[0]


def arg_list(value):
    """A compose `command` or a container's `args` as a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def flag_value(args, flag):
    """The value of `--flag VALUE` or `--flag=VALUE` (the last one), or None."""
    found = None
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            found = args[i + 1]
        elif a.startswith(flag + "="):
            found = a[len(flag) + 1:]
    return found


def redis_host_port(url):
    """`redis://HOST[:PORT][/DB]` -> (host, port), or None."""
    m = re.fullmatch(r"redis://(\[[^\]]+\]|[^/:@]+)(?::(\d+))?(?:/\d+)?", url or "")
    if not m:
        return None
    return m.group(1).strip("[]"), int(m.group(2) or REDIS_PORT)


def addr_problem(args):
    """Why `--addr` does not serve port 8080 to other hosts, or None."""
    addr = flag_value(args, "--addr")
    if addr is None:
        return f"no --addr (the default, 127.0.0.1:{PORT}, is unreachable from other hosts)"
    host, _, port = addr.rpartition(":")
    if port != str(PORT):
        return f"--addr {addr} is not on port {PORT}"
    if host.strip("[]") in ("127.0.0.1", "localhost", "::1"):
        return f"--addr {addr} listens on loopback only"
    return None


def published_container_ports(svc):
    ports = []
    for p in svc.get("ports") or []:
        if isinstance(p, dict):
            ports.append(str(p.get("target")))
        else:
            ports.append(str(p).split(":")[-1].split("/")[0])
    return ports


def mounts(svc):
    """(source, target, read_only) of each volume of a compose service."""
    found = []
    for v in svc.get("volumes") or []:
        if isinstance(v, dict):
            found.append((str(v.get("source", "")), str(v.get("target", "")), bool(v.get("read_only"))))
        else:
            parts = str(v).split(":")
            if len(parts) == 1:
                found.append(("", parts[0], False))
            else:
                modes = parts[2].split(",") if len(parts) > 2 else []
                found.append((parts[0], parts[1], "ro" in modes))
    return found


def compose_env(svc):
    """A compose service's environment as a dict (it may be a list of K=V)."""
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(str(e).partition("=")[::2] for e in env)
    return {str(k): str(v) for k, v in env.items()}


def depends_on(svc):
    deps = svc.get("depends_on") or []
    return set(deps) if isinstance(deps, list) else set(deps.keys())


def check_compose(path, doc):
    """The compose checks; returns {linechat service: replicas} for the
    haproxy.cfg check."""
    services = doc.get("services") or {}
    for name in ("redis", LB, "test"):
        if name not in services:
            problem(path, f"no service `{name}`")

    redis_services = {n for n, s in services.items() if image_repo((s or {}).get("image")) == "redis"}
    redis = services.get("redis") or {}
    if "redis" in services:
        if image_repo(redis.get("image")) != "redis":
            problem(path, "service redis: image should be redis")
        for why in redis_command_problems(arg_list(redis.get("command"))):
            problem(path, f"service redis: {why}")
        if PASSWORD_ENV not in compose_env(redis):
            problem(path, f"service redis: no {PASSWORD_ENV} in its environment (its requirepass)")
        if not any(target == "/data" and source for source, target, _ in mounts(redis)):
            problem(path, "service redis: no volume on /data (the AOF would go with the container)")
        health = arg_list((redis.get("healthcheck") or {}).get("test"))
        if not health:
            problem(path, "service redis: no healthcheck (the nodes wait for it to be healthy)")
        elif "REDISCLI_AUTH" not in " ".join(health):
            problem(path, "service redis: the healthcheck's redis-cli needs REDISCLI_AUTH "
                          "(without the password it gets NOAUTH and never turns healthy)")
        if redis.get("ports"):
            problem(path, "service redis: publishes ports; only the nodes should reach it")

    nodes = {}
    for name, svc in services.items():
        svc = svc or {}
        if image_repo(svc.get("image")) != APP:
            continue
        deploy = svc.get("deploy") or {}
        count = deploy.get("replicas", 1)
        nodes[name] = count if isinstance(count, int) else 1
        where = f"service {name}"
        if svc.get("ports"):
            problem(path, f"{where}: publishes ports; only {LB} is published (a host port "
                          f"cannot be shared by replicas, and users must go through {LB})")
        if nodes[name] > 1 and svc.get("container_name"):
            problem(path, f"{where}: container_name cannot be shared by {nodes[name]} replicas")
        args = arg_list(svc.get("command"))
        why = addr_problem(args)
        if why:
            problem(path, f"{where}: {why}")
        url = flag_value(args, "--redis") or compose_env(svc).get("LINECHAT_REDIS")
        target = redis_host_port(url)
        if target is None:
            problem(path, f"{where}: no `--redis redis://redis:{REDIS_PORT}` in its command")
        else:
            host, port = target
            if host not in redis_services:
                problem(path, f"{where}: --redis names host {host!r}, not a redis service {sorted(redis_services)}")
            elif port != REDIS_PORT:
                problem(path, f"{where}: --redis names port {port}, Redis listens on {REDIS_PORT}")
            if host not in depends_on(svc):
                problem(path, f"{where}: should depend_on {host} (logins are refused until a node registers)")
            elif host in services:
                password = compose_env(services[host] or {}).get(PASSWORD_ENV)
                if compose_env(svc).get(PASSWORD_ENV) != password:
                    problem(path, f"{where}: {PASSWORD_ENV} in its environment should be the same "
                                  f"as service {host}'s (the password Redis asks for)")
        if LB in services:
            for flag in PER_ADDRESS_FLAGS:
                if flag_value(args, flag) != "0":
                    problem(path, f"{where}: `{flag} 0` missing: behind {LB} every user has HAProxy's "
                                  "address (HAProxy applies the per-client limits)")
        if svc.get("restart") != "unless-stopped":
            problem(path, f"{where}: restart should be unless-stopped")
        grace = duration_secs(svc.get("stop_grace_period", "10s"))
        if grace is None or grace <= DRAIN_SECS:
            problem(path, f"{where}: stop_grace_period must exceed the {DRAIN_SECS} s drain")
        if not str(svc.get("user", "")).startswith("10001"):
            problem(path, f"{where}: user should be 10001 (as in the image and the Deployment)")
        if svc.get("read_only") is not True:
            problem(path, f"{where}: read_only should be true")
        if "ALL" not in (svc.get("cap_drop") or []):
            problem(path, f"{where}: cap_drop should have ALL")
        if not any(str(o).startswith("no-new-privileges") and not str(o).endswith("false")
                   for o in svc.get("security_opt") or []):
            problem(path, f"{where}: security_opt should have no-new-privileges:true")
    if sum(nodes.values()) < COMPOSE_NODES:
        problem(path, f"at least {COMPOSE_NODES} linechat nodes (services with image {APP}) are needed "
                      f"behind {LB}, found {sum(nodes.values())}: {sorted(nodes)}")

    lb = services.get(LB) or {}
    if LB in services:
        where = f"service {LB}"
        if image_repo(lb.get("image")) != "haproxy":
            problem(path, f"{where}: image should be haproxy")
        if str(PORT) not in published_container_ports(lb):
            problem(path, f"{where}: does not publish container port {PORT}")
        cfg = [(s, ro) for s, t, ro in mounts(lb) if t == HAPROXY_CFG_IN_IMAGE]
        if not cfg or (ROOT / cfg[0][0]).resolve() != HAPROXY_CFG:
            problem(path, f"{where}: should mount ./{HAPROXY_CFG.relative_to(ROOT)} on {HAPROXY_CFG_IN_IMAGE}")
        elif not cfg[0][1]:
            problem(path, f"{where}: mount {HAPROXY_CFG_IN_IMAGE} read-only (`:ro`)")
        missing = set(nodes) - depends_on(lb)
        if missing:
            problem(path, f"{where}: should depend_on {sorted(missing)} (`up {LB}` starts the chat)")

    test = services.get("test") or {}
    build = test.get("build") or {}
    target = build.get("target") if isinstance(build, dict) else None
    stages = dockerfile_stages()
    if target not in stages:
        problem(path, f"service test: build target {target!r} is not a Dockerfile stage {sorted(stages)}")
    return nodes


def redis_settings(args):
    """Redis's settings from a container's command: `--name value` flags on
    redis-server's command line, and `name value` lines of a config it reads
    (the here-document of a `sh -c` script). {name: [(value, on argv)]}."""
    found = {}
    script = args[2] if len(args) > 2 and args[1] == "-c" else ""
    for line in script.splitlines():
        words = line.split()
        if len(words) >= 2 and re.fullmatch(r"[a-z][a-z0-9-]*", words[0]) and words[0] != "exec":
            found.setdefault(words[0], []).append((" ".join(words[1:]), False))
    words = shlex.split(" ".join(args[2:])) if script else args
    for i, w in enumerate(words):
        if w.startswith("--") and i + 1 < len(words):
            found.setdefault(w[2:], []).append((words[i + 1], True))
    return found


def redis_command_problems(args):
    """What is wrong with how a Redis container is started: AOF off, or a
    password that is missing, written into the manifest, or on a command
    line."""
    settings = redis_settings(args)
    whys = []
    if ("yes", False) not in settings.get("appendonly", []) and ("yes", True) not in settings.get("appendonly", []):
        whys.append("its command should turn AOF on (`appendonly yes`): the claimed names and the "
                    "registered accounts must survive a restart")
    passwords = settings.get("requirepass", [])
    if not passwords:
        whys.append(f"its command sets no requirepass (from ${PASSWORD_ENV})")
    for value, on_argv in passwords:
        if on_argv:
            whys.append("requirepass is on redis-server's command line, which `ps` shows; "
                        "give it on stdin (`redis-server -`)")
        if not re.fullmatch(rf"\$+\{{?{PASSWORD_ENV}\}}?", value.strip("\"'")):
            whys.append(f"requirepass should be ${PASSWORD_ENV} (from the secret), not {value!r}")
    return whys


def env_secret(container, name):
    """(Secret, key) a Kubernetes container's env var `name` comes from, or None."""
    for e in container.get("env") or []:
        if e.get("name") == name:
            ref = (e.get("valueFrom") or {}).get("secretKeyRef") or {}
            return (ref.get("name"), ref.get("key")) if ref.get("name") else None
    return None


def dockerfile_stages():
    dockerfile = ROOT / "Dockerfile"
    if not dockerfile.exists():
        return set()
    return set(re.findall(r"(?im)^FROM\s+\S+\s+AS\s+(\S+)", dockerfile.read_text()))


def haproxy_sections(text):
    """[(header words, [line words])] of an haproxy.cfg, comments dropped."""
    sections = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        words = line.split()
        if not raw[0].isspace():
            sections.append((words, []))
        elif sections:
            sections[-1][1].append(words)
    return sections


# The nodes' other ports HAProxy may pass on: IRC and the page (the nodes'
# --irc-addr and --web-addr in docker-compose.yml).
OTHER_NODE_PORTS = {"6667", "8081"}


def check_haproxy(nodes):
    """deploy/haproxy.cfg: TCP mode, a bind on 8080, per-client limits, and
    every compose node as a checked server on 8080 (backends for the
    nodes' IRC and page ports may sit beside it)."""
    path = HAPROXY_CFG
    if not path.exists():
        problem(path, "missing (docker-compose.yml's lb mounts it)")
        return
    sections = haproxy_sections(path.read_text())
    lines = [w for _, body in sections for w in body]
    modes = {w[1] for w in lines if w[0] == "mode" and len(w) > 1}
    if modes != {"tcp"}:
        problem(path, f"`mode tcp` (and no other mode) is needed for telnet; found {sorted(modes) or 'none'}")
    binds = [w for w in lines if w[0] == "bind"]
    if not any(re.search(rf":{PORT}\b", " ".join(w[1:2])) for w in binds):
        problem(path, f"no `bind :{PORT}` (the port lb publishes)")
    if not any(w[0] == "tcp-request" and any(x.startswith("track-sc") for x in w) for w in lines):
        problem(path, "no `tcp-request connection track-sc0 src`: the nodes' per-address limits "
                      "are off, HAProxy must count connections per client")
    served = {}
    for header, body in sections:
        if header[0] not in ("backend", "listen"):
            continue
        default_check = any(w[0] == "default-server" and "check" in w for w in body)
        for w in body:
            if w[0] == "server" and len(w) >= 3:
                host, _, port = w[2].rpartition(":")
                count = 1
            elif w[0] == "server-template" and len(w) >= 4:
                # server-template PREFIX NUM|LOW-HIGH FQDN:PORT
                host, _, port = w[3].rpartition(":")
                low, _, high = w[2].partition("-")
                if not (low.isdigit() and (high.isdigit() or not high)):
                    problem(path, f"`{' '.join(w[:4])}`: cannot read the number of servers")
                    continue
                count = int(high) - int(low) + 1 if high else int(low)
            else:
                continue
            if port != str(PORT) and port not in OTHER_NODE_PORTS:
                problem(path, f"`{' '.join(w[:3])}`: the nodes listen on {PORT} "
                              f"(and {', '.join(sorted(OTHER_NODE_PORTS))} for IRC and the page)")
                continue
            if not (default_check or "check" in w[3:]):
                problem(path, f"`{' '.join(w[:3])}`: no `check` (a dead node would keep getting users)")
            if port == str(PORT):
                served[host] = served.get(host, 0) + count
    for name, count in sorted(nodes.items()):
        if served.get(name, 0) < count:
            problem(path, f"no `server {name} {name}:{PORT} check`" +
                    (f" (or a server-template covering its {count} replicas)" if count > 1 else "") +
                    ": that node gets no users")


def probe_ports(container, probe):
    """The port a tcpSocket probe hits, with a named port resolved."""
    sock = (container.get(probe) or {}).get("tcpSocket")
    if not sock:
        return None
    return resolve_port(container, sock.get("port"))


def resolve_port(container, port):
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return p.get("containerPort")
    return port


def scaled(value, total, round_up):
    """An int-or-percent of `total`, as Kubernetes scales it."""
    if isinstance(value, int):
        return value
    m = re.fullmatch(r"(\d+)%", str(value))
    if not m:
        return None
    exact = int(m.group(1)) * total / 100
    return -int(-exact // 1) if round_up else int(exact)


def selects(selector, labels):
    """Whether a label selector (matchLabels, matchExpressions) matches labels."""
    if not selector:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def pod_labels(deploy):
    return (((deploy.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def pod_spec(deploy):
    return ((deploy.get("spec") or {}).get("template") or {}).get("spec") or {}


def check_deployment(path, doc):
    """What every Deployment must have; the linechat and Redis specifics
    are checked in check_cluster, which knows which is which."""
    spec = doc.get("spec") or {}
    name = (doc.get("metadata") or {}).get("name")
    pod = pod_spec(doc)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if not isinstance(grace, int) or grace <= DRAIN_SECS:
        problem(path, f"Deployment {name}: terminationGracePeriodSeconds must exceed the {DRAIN_SECS} s drain")
    if not selects(spec.get("selector"), pod_labels(doc)):
        problem(path, f"Deployment {name}: selector does not match its own pod labels")
    pod_sc = pod.get("securityContext") or {}
    for c in pod.get("containers") or []:
        cname = c.get("name")
        if not (c.get("resources") or {}).get("limits"):
            problem(path, f"container {cname}: no resource limits")
        sc = c.get("securityContext") or {}
        merged = {**pod_sc, **sc}
        expect = {
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
        }
        if name == APP:
            expect["runAsUser"] = 10001
        for key, want in expect.items():
            if merged.get(key) != want:
                problem(path, f"container {cname}: securityContext.{key} should be {want}")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            problem(path, f"container {cname}: capabilities should drop ALL")


def check_linechat(path, doc):
    """The linechat Deployment: enough pods, updated a few at a time, probes
    and listener on 8080, Redis named. Returns (replicas, Redis (host, port))."""
    spec = doc.get("spec") or {}
    replicas = spec.get("replicas", 1)
    if not isinstance(replicas, int) or replicas < K8S_REPLICAS:
        problem(path, f"Deployment {APP}: replicas must be at least {K8S_REPLICAS} "
                      "(one pod drained or updated must leave two)")
        replicas = replicas if isinstance(replicas, int) else 1
    strategy = spec.get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        problem(path, f"Deployment {APP}: strategy must be RollingUpdate (Recreate stops every pod at once)")
    else:
        rolling = strategy.get("rollingUpdate") or {}
        unavailable = scaled(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
        if unavailable is None or unavailable >= replicas:
            problem(path, f"Deployment {APP}: rollingUpdate.maxUnavailable must leave pods running "
                          f"(it allows {unavailable} of {replicas} down)")
    redis = None
    for c in pod_spec(doc).get("containers") or []:
        cname = c.get("name")
        for probe in ("readinessProbe", "livenessProbe"):
            if probe_ports(c, probe) != PORT:
                problem(path, f"container {cname}: {probe} must be a tcpSocket probe on {PORT}")
        args = arg_list(c.get("command")) + arg_list(c.get("args"))
        why = addr_problem(args)
        if why:
            problem(path, f"container {cname}: {why}")
        url = flag_value(args, "--redis")
        if url is None:
            url = next((e.get("value") for e in c.get("env") or [] if e.get("name") == "LINECHAT_REDIS"), None)
        redis = redis or redis_host_port(url)
        if redis_host_port(url) is None:
            problem(path, f"container {cname}: no `--redis redis://redis:{REDIS_PORT}` in its args "
                          "(without it each pod is a separate chat)")
        secret = env_secret(c, PASSWORD_ENV)
        if secret is None:
            problem(path, f"container {cname}: {PASSWORD_ENV} should come from a Secret (secretKeyRef)")
        else:
            password_secrets[APP] = secret
        limits = (c.get("resources") or {}).get("limits") or {}
        if "memory" in limits:
            memory = quantity_bytes(limits["memory"])
            if memory is None:
                problem(path, f"container {cname}: cannot read memory limit {limits['memory']!r}")
            else:
                memory_limits[f"{path.relative_to(ROOT)}: container {cname}"] = memory
        else:
            problem(path, f"container {cname}: no memory limit (the server's budget comes from it)")
    return replicas, redis


def check_redis(path, doc, objects):
    """The Deployment behind the Service linechat's --redis names, and the
    claim its data lives on."""
    spec = doc.get("spec") or {}
    name = (doc.get("metadata") or {}).get("name")
    if spec.get("replicas", 1) != 1:
        problem(path, f"Deployment {name}: replicas must be 1 (two Redis would split the pods between them)")
    if (spec.get("strategy") or {}).get("type") != "Recreate":
        problem(path, f"Deployment {name}: strategy must be Recreate (an update would run two Redis)")
    containers = pod_spec(doc).get("containers") or []
    if not any(image_repo(c.get("image")) == "redis" for c in containers):
        problem(path, f"Deployment {name}: no redis container")
    for c in containers:
        if image_repo(c.get("image")) != "redis":
            continue
        cname = c.get("name")
        args = arg_list(c.get("command")) + arg_list(c.get("args"))
        if args and args[0] == "redis-server" and len(args) > 1 and args[1] == "sh":
            args = args[1:]
        for why in redis_command_problems(args):
            problem(path, f"container {cname}: {why}")
        secret = env_secret(c, PASSWORD_ENV)
        if secret is None:
            problem(path, f"container {cname}: {PASSWORD_ENV} should come from a Secret (secretKeyRef)")
        elif APP in password_secrets and password_secrets[APP] != secret:
            problem(path, f"container {cname}: {PASSWORD_ENV} comes from Secret {secret[0]} key {secret[1]}, "
                          f"the {APP} pods' from {password_secrets[APP][0]} key {password_secrets[APP][1]}")
        else:
            password_secrets[name] = secret
        probe = arg_list(((c.get("readinessProbe") or {}).get("exec") or {}).get("command"))
        if "REDISCLI_AUTH" not in " ".join(probe):
            problem(path, f"container {cname}: the readinessProbe should be an exec of redis-cli with "
                          "REDISCLI_AUTH (without the password it gets NOAUTH, never ready)")
        if not any(p.get("containerPort") == REDIS_PORT for p in c.get("ports") or []):
            problem(path, f"container {cname}: no containerPort {REDIS_PORT}")
        data = [m.get("name") for m in c.get("volumeMounts") or [] if m.get("mountPath") == "/data"]
        volumes = {v.get("name"): v for v in pod_spec(doc).get("volumes") or []}
        claim = ((volumes.get(data[0]) if data else None) or {}).get("persistentVolumeClaim")
        claims = {(d.get("metadata") or {}).get("name") for _, d in objects.get("PersistentVolumeClaim", [])}
        if not claim:
            problem(path, f"container {cname}: /data should be a persistentVolumeClaim (an emptyDir goes "
                          "with the pod, and a Redis restarted empty forgets the registered names)")
        elif claim.get("claimName") not in claims:
            problem(path, f"container {cname}: claim {claim.get('claimName')!r} is not in deploy/k8s {sorted(claims)}")


def check_cluster(objects):
    """Cross-object checks over deploy/k8s: which Deployment is which, the
    Services, the disruption budget and the network policies."""
    deployments = {(d.get("metadata") or {}).get("name"): (p, d) for p, d in objects.get("Deployment", [])}
    if APP not in deployments:
        problems.append(f"deploy/k8s: no Deployment {APP}")
        return
    app_path, app = deployments[APP]
    replicas, redis = check_linechat(app_path, app)
    app_labels = pod_labels(app)

    # Each Service sends to the pods of exactly one Deployment.
    service_targets = {}
    for path, svc in objects.get("Service", []):
        name = (svc.get("metadata") or {}).get("name")
        selector = {"matchLabels": (svc.get("spec") or {}).get("selector") or {}}
        hits = [n for n, (_, d) in deployments.items() if selects(selector, pod_labels(d))]
        if len(hits) != 1:
            problem(path, f"Service {name}: selects the pods of {sorted(hits) or 'no Deployment'}, "
                          "should be exactly one")
            continue
        service_targets[name] = (path, svc, hits[0])
        if hits[0] == APP and not any(p.get("port") == PORT for p in (svc.get("spec") or {}).get("ports") or []):
            problem(path, f"Service {name}: no port {PORT}")
    if not any(t == APP for _, _, t in service_targets.values()):
        problem(app_path, f"no Service selects the {APP} pods")

    # --redis names a Service on 6379 whose one Deployment is Redis.
    redis_deploy = None
    if redis:
        host, port = redis
        short = host.split(".")[0]
        if short not in service_targets:
            problem(app_path, f"--redis names {host}, but deploy/k8s has no Service {short!r} "
                              f"(with a selector matching one Deployment)")
        else:
            path, svc, target = service_targets[short]
            if not any(p.get("port") == port for p in (svc.get("spec") or {}).get("ports") or []):
                problem(path, f"Service {short}: no port {port} (the one linechat's --redis names)")
            if target == APP:
                problem(path, f"Service {short}: selects the {APP} pods, not Redis")
            else:
                check_redis(*deployments[target], objects)
                redis_deploy = deployments[target][1]

    # A disruption budget that lets drains through one pod at a time.
    budgets = []
    for path, pdb in objects.get("PodDisruptionBudget", []):
        name = (pdb.get("metadata") or {}).get("name")
        spec = pdb.get("spec") or {}
        selector = spec.get("selector")
        if not selects(selector, app_labels):
            continue
        budgets.append(name)
        if pdb.get("apiVersion") != "policy/v1":
            problem(path, f"PodDisruptionBudget {name}: apiVersion should be policy/v1")
        others = [n for n, (_, d) in deployments.items() if n != APP and selects(selector, pod_labels(d))]
        if others:
            problem(path, f"PodDisruptionBudget {name}: also selects the pods of {sorted(others)}")
        if ("minAvailable" in spec) == ("maxUnavailable" in spec):
            problem(path, f"PodDisruptionBudget {name}: needs exactly one of minAvailable, maxUnavailable")
        elif "minAvailable" in spec:
            n = scaled(spec["minAvailable"], replicas, round_up=True)
            if n is None or not 1 <= n < replicas:
                problem(path, f"PodDisruptionBudget {name}: minAvailable {spec['minAvailable']} must be "
                              f"at least 1 and below the {replicas} replicas (or no drain can proceed)")
        else:
            n = scaled(spec["maxUnavailable"], replicas, round_up=True)
            if n is None or not 1 <= n < replicas:
                problem(path, f"PodDisruptionBudget {name}: maxUnavailable {spec['maxUnavailable']} must be "
                              f"at least 1 and below the {replicas} replicas")
    if not budgets:
        problem(app_path, f"no PodDisruptionBudget selects the {APP} pods (a drain could evict them all at once)")

    # No NetworkPolicy shuts the linechat pods out of Redis. (An empty pod
    # selector there means every pod; namespaces are not modelled.)
    def matches(selector, labels):
        empty = not (selector or {}).get("matchLabels") and not (selector or {}).get("matchExpressions")
        return empty or selects(selector, labels)

    for path, policy in objects.get("NetworkPolicy", []):
        if redis_deploy is None:
            break
        name = (policy.get("metadata") or {}).get("name")
        spec = policy.get("spec") or {}
        if not matches(spec.get("podSelector"), pod_labels(redis_deploy)):
            continue
        if "Ingress" not in (spec.get("policyTypes") or ["Ingress"]):
            continue
        containers = pod_spec(redis_deploy).get("containers") or []
        admits = False
        for rule in spec.get("ingress") or []:
            peers = rule.get("from")
            peer_ok = not peers or any("podSelector" in p and matches(p["podSelector"], app_labels)
                                       for p in peers)
            ports = rule.get("ports")
            port_ok = not ports or any(resolve_port(c, p.get("port")) == REDIS_PORT
                                       for p in ports for c in containers)
            admits = admits or (peer_ok and port_ok)
        if not admits:
            problem(path, f"NetworkPolicy {name}: keeps the {APP} pods from Redis on {REDIS_PORT}")


def quantity_bytes(value):
    """A Kubernetes quantity in bytes: `256Mi`, `1G`, `268435456`."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(value).strip())
    if not m:
        return None
    scale = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[m.group(2)]
    return int(float(m.group(1)) * scale)


# The README's statement of the derived limits: the command, then a fenced
# block of `key value` lines.
README_LIMITS = re.compile(
    r"`linechat --memory-budget (\d+) --print-limits` prints:\s*\n\s*```[^\n]*\n(.*?)```", re.S
)


def linechat_binary():
    """The debug binary (what `make test` just built, so usually no work),
    built first when cargo is there; or a reason."""
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or "target")
    binary = (ROOT / target / "debug" / "linechat").resolve()
    cargo = os.environ.get("CARGO") or "cargo"
    if os.environ.get("LINECHAT_BIN_FRESH") == "1" and binary.exists():
        return binary, None  # `make tests` built it a moment ago.
    if shutil.which(cargo):
        build = [cargo, "build", "-q", "--locked", "-p", "linechat", "--bin", "linechat"]
        if subprocess.run(build, cwd=ROOT).returncode != 0:
            return None, f"`{' '.join(build)}` failed"
    if not binary.exists():
        return None, f"no {binary}" + ("" if shutil.which(cargo) else f" and no {cargo} on PATH")
    return binary, None


def raise_fd_limit():
    """In the child: the open-file limit as high as allowed, as a server
    would have it; --max-clients is capped by it."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limit in (max(hard, 1 << 20), hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
            return
        except (ValueError, OSError):
            continue


def key_values(text):
    """`key value` lines as a dict (a line without a value maps to "")."""
    pairs = (line.split(None, 1) for line in text.splitlines() if line.strip())
    return {p[0]: (p[1].strip() if len(p) > 1 else "") for p in pairs}


def check_budget():
    """The README's derived limits for the linechat Deployment's memory
    limit are the ones the server derives."""
    readme = ROOT / "README.md"
    text = readme.read_text() if readme.exists() else ""
    found = README_LIMITS.search(text)
    if not found:
        problem(readme, "no \"`linechat --memory-budget BYTES --print-limits` prints:\" line "
                        "followed by a fenced block of `key value` lines")
        return
    budget = int(found.group(1))
    documented = key_values(found.group(2))
    for where, limit in memory_limits.items():
        if limit != budget:
            problem(readme, f"shows the limits for --memory-budget {budget}, but {where} "
                            f"has a memory limit of {limit} bytes")
    binary, why = linechat_binary()
    if binary is None:
        problem(readme, f"cannot check the derived limits: {why}")
        return
    run = subprocess.run([str(binary), "--memory-budget", str(budget), "--print-limits"],
                         capture_output=True, text=True, timeout=60, preexec_fn=raise_fd_limit)
    if run.returncode != 0:
        problem(readme, f"`linechat --memory-budget {budget} --print-limits` exited "
                        f"{run.returncode}: {run.stderr.strip()}")
        return
    derived = key_values(run.stdout)
    if derived == documented:
        return
    for key in sorted(set(derived) | set(documented)):
        says, gets = documented.get(key, "(missing)"), derived.get(key, "(missing)")
        if says != gets:
            problem(readme, f"says `{key} {says}` for --memory-budget {budget}, "
                            f"but the server derives `{key} {gets}`")
    says, gets = documented.get("max_clients", ""), derived.get("max_clients", "")
    if says.isdigit() and gets.isdigit() and int(gets) < int(says):
        import resource

        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if hard != resource.RLIM_INFINITY and hard - 32 <= int(gets):
            problem(readme, f"(max_clients is also capped at the open-file limit - 32, and this "
                            f"machine's hard limit is {hard}: run the check where it is higher)")


def check_secrets(objects):
    """The Secret the password comes from is in deploy/k8s, or made by the
    Tiltfile (deploy/k8s leaves it out so that an apply never overwrites a
    real one)."""
    in_k8s = {(d.get("metadata") or {}).get("name") for _, d in objects.get("Secret", [])}
    tiltfile = ROOT / "Tiltfile"
    text = tiltfile.read_text() if tiltfile.exists() else ""
    for deployment, (name, key) in sorted(password_secrets.items()):
        if name in in_k8s:
            continue
        made = re.search(r"['\"]kind['\"]\s*:\s*['\"]Secret['\"]", text) and \
            re.search(rf"['\"]name['\"]\s*:\s*['\"]{re.escape(name)}['\"]", text) and \
            re.search(rf"['\"]{re.escape(key)}['\"]\s*:", text)
        if not made:
            problem(tiltfile, f"Deployment {deployment} reads Secret {name} key {key}: neither deploy/k8s "
                              "nor the Tiltfile makes it (`tilt up` would leave the pods waiting)")


def check_tiltfile(deployments):
    tiltfile = ROOT / "Tiltfile"
    if not tiltfile.exists():
        return
    text = tiltfile.read_text()
    names = re.findall(r"k8s_resource\(\s*['\"]([^'\"]+)", text)
    for deps in re.findall(r"resource_deps\s*=\s*\[([^\]]*)\]", text):
        names += re.findall(r"['\"]([^'\"]+)['\"]", deps)
    for name in names:
        if name not in deployments:
            problem(tiltfile, f"names resource {name!r}, no Deployment in deploy/k8s {sorted(deployments)}")
    manifests = sorted(f for f in K8S_DIR.glob("*") if f.suffix in (".yaml", ".yml"))
    for f in manifests:
        rel = str(f.relative_to(ROOT))
        if not re.search(rf"['\"]{re.escape(rel)}['\"]", text):
            problem(tiltfile, f"does not apply {rel} (k8s_yaml)")


def main():
    files = list(yaml_files())
    objects = {}
    nodes = None
    for path in files:
        try:
            docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        except yaml.YAMLError as e:
            problem(path, f"not valid YAML: {e}")
            continue
        if path.name in ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"):
            nodes = check_compose(path, docs[0] if docs else {})
            continue
        for doc in docs:
            if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str):
                continue
            objects.setdefault(doc["kind"], []).append((path, doc))
            if doc["kind"] == "Deployment":
                check_deployment(path, doc)
    if nodes is None:
        problems.append("docker-compose.yml: missing")
    else:
        check_haproxy(nodes)
    check_cluster(objects)
    check_secrets(objects)
    check_tiltfile({(d.get("metadata") or {}).get("name") for _, d in objects.get("Deployment", [])})
    check_budget()

    if problems:
        for p in problems:
            print(f"check-yaml: {p}", file=sys.stderr)
        sys.exit(1)
    print(f"check-yaml: ok, {len(files)} files: " + ", ".join(str(f.relative_to(ROOT)) for f in files))


if __name__ == "__main__":
    main()
