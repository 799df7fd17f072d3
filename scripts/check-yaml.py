#!/usr/bin/env python3
"""Parse every YAML file in the repository and check the deployment facts
that the server's design depends on.

No container engine or cluster is needed: this catches the edits that would
only fail at `docker-compose up` or `tilt up` time, such as a second replica
(two rooms) or a grace period shorter than the server's 2 s drain.

It also checks that the limits the README says the server derives from the
Deployment's memory limit are the ones it derives: it builds the debug
binary (`cargo build`; without cargo it uses an existing
target/debug/linechat) and compares `linechat --memory-budget BYTES
--print-limits` with the README's block after the line
"`linechat --memory-budget BYTES --print-limits` prints:".

Exit status 0 when everything holds, 1 with one line per problem otherwise.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:
    sys.exit("check-yaml: PyYAML is missing (pip install pyyaml, or apt-get install python3-yaml)")

ROOT = pathlib.Path(__file__).resolve().parent.parent
SKIP_DIRS = {".git", "target", "node_modules"}
PORT = 8080
DRAIN_SECS = 2  # the server's flush deadline after SIGTERM

problems = []
# The memory limit of each Deployment's containers, in bytes, for the budget check.
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


def check_compose(path, doc):
    services = doc.get("services") or {}
    for name in ("web", "test"):
        if name not in services:
            problem(path, f"no service `{name}`")
    web = services.get("web") or {}
    ports = [str(p) for p in web.get("ports") or []]
    if not any(p.split(":")[-1].split("/")[0] == str(PORT) for p in ports):
        problem(path, f"service web does not publish container port {PORT}")
    if web.get("restart") != "unless-stopped":
        problem(path, "service web: restart should be unless-stopped")
    grace = duration_secs(web.get("stop_grace_period", "10s"))
    if grace is None or grace <= DRAIN_SECS:
        problem(path, f"service web: stop_grace_period must exceed the {DRAIN_SECS} s drain")
    test = services.get("test") or {}
    build = test.get("build") or {}
    target = build.get("target") if isinstance(build, dict) else None
    stages = dockerfile_stages()
    if target not in stages:
        problem(path, f"service test: build target {target!r} is not a Dockerfile stage {sorted(stages)}")


def dockerfile_stages():
    dockerfile = ROOT / "Dockerfile"
    if not dockerfile.exists():
        return set()
    return set(re.findall(r"(?im)^FROM\s+\S+\s+AS\s+(\S+)", dockerfile.read_text()))


def probe_ports(container, probe):
    """The port a tcpSocket probe hits, with a named port resolved."""
    sock = (container.get(probe) or {}).get("tcpSocket")
    if not sock:
        return None
    port = sock.get("port")
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return p.get("containerPort")
    return port


def check_deployment(path, doc):
    spec = doc.get("spec") or {}
    name = (doc.get("metadata") or {}).get("name")
    if spec.get("replicas") != 1:
        problem(path, f"Deployment {name}: replicas must be 1 (the room lives in one process)")
    if (spec.get("strategy") or {}).get("type") != "Recreate":
        problem(path, f"Deployment {name}: strategy must be Recreate (a rolling update runs two rooms)")
    pod = (spec.get("template") or {}).get("spec") or {}
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if not isinstance(grace, int) or grace <= DRAIN_SECS:
        problem(path, f"Deployment {name}: terminationGracePeriodSeconds must exceed the {DRAIN_SECS} s drain")
    pod_sc = pod.get("securityContext") or {}
    for c in pod.get("containers") or []:
        cname = c.get("name")
        for probe in ("readinessProbe", "livenessProbe"):
            if probe_ports(c, probe) != PORT:
                problem(path, f"container {cname}: {probe} must be a tcpSocket probe on {PORT}")
        limits = (c.get("resources") or {}).get("limits")
        if not limits:
            problem(path, f"container {cname}: no resource limits")
        elif "memory" in limits:
            memory = quantity_bytes(limits["memory"])
            if memory is None:
                problem(path, f"container {cname}: cannot read memory limit {limits['memory']!r}")
            else:
                memory_limits[f"{path.relative_to(ROOT)}: container {cname}"] = memory
        sc = c.get("securityContext") or {}
        merged = {**pod_sc, **sc}
        expect = {
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "allowPrivilegeEscalation": False,
        }
        for key, want in expect.items():
            if merged.get(key) != want:
                problem(path, f"container {cname}: securityContext.{key} should be {want}")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            problem(path, f"container {cname}: capabilities should drop ALL")
    return name


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
    """The README's derived limits for the Deployment's memory limit are the
    ones the server derives."""
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


def check_service(path, doc):
    ports = (doc.get("spec") or {}).get("ports") or []
    if not any(p.get("port") == PORT for p in ports):
        problem(path, f"Service: no port {PORT}")


def check_tiltfile(deployments):
    tiltfile = ROOT / "Tiltfile"
    if not tiltfile.exists():
        return
    for name in re.findall(r"k8s_resource\(\s*['\"]([^'\"]+)", tiltfile.read_text()):
        if name not in deployments:
            problem(tiltfile, f"k8s_resource({name!r}) names no Deployment in deploy/k8s {sorted(deployments)}")


def main():
    files = list(yaml_files())
    deployments = set()
    seen_compose = False
    for path in files:
        try:
            docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        except yaml.YAMLError as e:
            problem(path, f"not valid YAML: {e}")
            continue
        if path.name in ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"):
            seen_compose = True
            check_compose(path, docs[0] if docs else {})
            continue
        for doc in docs:
            if not isinstance(doc, dict):
                continue
            kind = doc.get("kind")
            if kind == "Deployment":
                deployments.add(check_deployment(path, doc))
            elif kind == "Service":
                check_service(path, doc)
    if not seen_compose:
        problems.append("docker-compose.yml: missing")
    if not deployments:
        problems.append("deploy/k8s: no Deployment found")
    check_tiltfile(deployments)
    check_budget()

    if problems:
        for p in problems:
            print(f"check-yaml: {p}", file=sys.stderr)
        sys.exit(1)
    print(f"check-yaml: ok, {len(files)} files: " + ", ".join(str(f.relative_to(ROOT)) for f in files))


if __name__ == "__main__":
    main()
