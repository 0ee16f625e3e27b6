#!/usr/bin/python3
"""A throwaway Debian 12 host for deployment tests: systemd-nspawn, two network namespaces, ssh.

    import sys, os
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
    from throwaway_host import ThrowawayHost

    host = ThrowawayHost("deploy", subnet_index=21)     # machine "mbt-deploy", 10.231.21.2
    unittest.addModuleCleanup(host.stop)                # stop() is idempotent
    host.start()                                        # seconds when the image is cached
    host.client(["ssh", *host.ssh_options(), host.ssh_target, "systemctl is-active nginx"])
    host.client(["scp", *host.ssh_options(), "file", host.ssh_target + ":/tmp/"])
    host.client(["deploy/deploy.sh", host.ssh_target], env=host.ssh_env())
    host.ssh("systemctl is-active nginx")                 # the same, shorter
    host.run("journalctl -u microblog --no-pager")        # as root inside, no ssh involved
    host.wait_for_unit("nginx.service")                   # also host.journal("nginx.service")

run() enters ALL the host's namespaces, including its network namespace (nsenter -n), so that
`host.run("curl -s http://localhost/")` talks to the host's own nginx, never the workstation's.

Layout: the host is a booted Debian 12 (systemd is PID 1) in the network namespace
"mbt-NAME", with the address `host.address` (10.231.<subnet_index>.2/24) on its eth0. Its
veth peer, `host.client_address` (.1), lives in the namespace "mbt-NAME-client". That client
namespace has no default route, so anything run through `host.client()` reaches the host and
nothing else: a wrong address fails at once with "Network is unreachable". The host has no
default route either (it cannot reach any mirror: its packages are installed beforehand). Run
EVERY network client (ssh, scp, curl, mariadb, deploy scripts) through `host.client()`, never
from the workstation's own namespace. Namespaces are private, so the subnet index only sets the
addresses; two hosts need different names, not necessarily different subnets.

ssh: start() generates a key pair for this harness, installs the public key as root's
authorized_keys in the host, and writes an ssh client configuration file, `host.ssh_config`
(Host * with the key, User root, StrictHostKeyChecking=no, UserKnownHostsFile=/dev/null,
ConnectTimeout=5, BatchMode=yes, LogLevel=ERROR; plus the alias "mbt-NAME" for the address).
THE mechanism for scripts: the environment variable MICROBLOG_SSH_CONFIG names that file and a
script passes it on with `-F`:

    ssh ${MICROBLOG_SSH_CONFIG:+-F "$MICROBLOG_SSH_CONFIG"} root@HOST ...
    scp ${MICROBLOG_SSH_CONFIG:+-F "$MICROBLOG_SSH_CONFIG"} FILE root@HOST:PATH
    rsync -e "ssh -F $MICROBLOG_SSH_CONFIG" ...

`host.ssh_env()` returns {"MICROBLOG_SSH_CONFIG": ...} for `client(..., env=...)`;
`host.ssh_options()` is ["-F", config, "-i", key, "-o", ...] for ssh/scp argument lists.

The root filesystem: debootstrap (minbase plus systemd, dbus, openssh-server, iproute2,
ca-certificates), the workstation's Debian apt sources, then every package of
deploy/runtime-packages.txt and deploy/database-node-packages.txt (an app host or a database
node), and exim4 as the host's MTA (local delivery only, to /var/mail/USER), installed with `apt-get install --no-install-recommends` in a chroot from the workstation
side (which can reach the mirror). Services the packages' postinst enables
(mariadb, nginx) start at boot, as on a real host. The result is cached as
/var/cache/microblog-tests/hosts/bookworm-<key>.tar.zst (for root; $MICROBLOG_BUILD_DIR/hosts/
otherwise, or $MICROBLOG_HOST_IMAGE_DIR), keyed by the package list, the apt sources and this
module's recipe, so every clone on the machine shares it; the first build takes a few minutes, later
starts extract a fresh copy per host (a few seconds) into $MICROBLOG_BUILD_DIR/hosts/run/mbt-NAME.

Clean-up: stop() (and start(), for the leftovers of a crashed run with the same name) removes
the container's processes, both namespaces (with their veths), the cgroup directories
/sys/fs/cgroup/{systemd,unified}/mbt-NAME, this machine's entries under /run/systemd/nspawn and
the host's files. `throwaway_host.py clean NAME` does the same from a shell.

Needs root, and the Debian packages debootstrap, systemd-container, zstd, iproute2 and
openssh-client (deploy/install-deps.sh installs them).
"""
import atexit
import contextlib
import ctypes
import fcntl
import hashlib
import inspect
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

REPO_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("MICROBLOG_BUILD_DIR", os.path.join(REPO_DIR, "build"))
HOSTS_DIR = os.path.join(BUILD_DIR, "hosts")  # per-host state: run/mbt-NAME
# The image outlives the build tree: a fresh clone (CI's every run) would otherwise debootstrap
# it again, two minutes of each run. Its name carries the recipe key, so clones of different
# commits share the folder safely.
IMAGE_DIR = os.environ.get("MICROBLOG_HOST_IMAGE_DIR") or (
    "/var/cache/microblog-tests/hosts" if os.geteuid() == 0 else HOSTS_DIR)
# An image no clone has started a host from for this long is removed when another is built.
IMAGE_UNUSED_DAYS = 7
RUNTIME_PACKAGES = os.path.join(REPO_DIR, "deploy", "runtime-packages.txt")
# A throwaway host can be an app host or a database node of a Galera cluster.
PACKAGE_LISTS = [RUNTIME_PACKAGES, os.path.join(REPO_DIR, "deploy", "database-node-packages.txt")]
# What a real host has beside them and the tests need: its own MTA on 127.0.0.1:25 (Debian's
# default, exim4, whose debconf default delivers local mail only and relays nothing), which
# microblog-mailer sends to by default.
HOST_EXTRA_PACKAGES = ["exim4-daemon-light"]

PREFIX = "mbt-"
SUITE = "bookworm"
DEBOOTSTRAP_INCLUDE = ["systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2", "ca-certificates"]
APT_SOURCES = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]
# Bump to rebuild every cached image (the recipe's source is hashed too).
RECIPE_VERSION = 1

# Building runs in its own mount and PID namespaces, killed with the harness: nothing it mounts
# or starts can outlive it.
ISOLATED = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child"]
CGROUP_ROOTS = ["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"]
NSPAWN_RUN_DIR = "/run/systemd/nspawn"
CONTAINER_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
                 "USER=root", "LOGNAME=root", "LANG=C.UTF-8", "TERM=dumb"]
SSH_OPTIONS = ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "ConnectTimeout=5",
               "BatchMode=yes", "LogLevel=ERROR"]
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


def log(message):
    print("throwaway_host: " + message, file=sys.stderr, flush=True)


_LIBC = ctypes.CDLL(None, use_errno=True)
_STARTED = set()  # hosts to stop when the interpreter exits normally (a SIGKILL leaves them to
                  # the next start() with the same name, or `throwaway_host.py clean NAME`)


@atexit.register
def _stop_started_hosts():
    for host in list(_STARTED):
        with contextlib.suppress(Exception):
            host.stop()


def _die_with_parent():
    """preexec_fn: SIGKILL this child when the thread that started it dies (PR_SET_PDEATHSIG)."""
    _LIBC.prctl(1, signal.SIGKILL)


def listed_packages(path):
    """The package names of a list such as deploy/runtime-packages.txt (one per line, '#' starts
    a comment)."""
    packages = []
    with open(path) as f:
        for line in f:
            packages.extend(line.split("#", 1)[0].split())
    return packages


def image_packages():
    """Every package of the image: those of an app host and of a database node, and an MTA."""
    listed = set(name for path in PACKAGE_LISTS for name in listed_packages(path))
    return sorted(listed | set(HOST_EXTRA_PACKAGES))


def debian_mirror():
    """The Debian mirror of the workstation's apt sources (MICROBLOG_DEBIAN_MIRROR overrides it)."""
    if os.environ.get("MICROBLOG_DEBIAN_MIRROR"):
        return os.environ["MICROBLOG_DEBIAN_MIRROR"]
    for path in APT_SOURCES:
        with contextlib.suppress(OSError), open(path) as f:
            for line in f:
                fields = line.split()
                if fields[:1] == ["URIs:"] and len(fields) > 1:
                    return fields[1]
                if fields[:1] == ["deb"]:
                    uris = [x for x in fields[1:] if "://" in x]
                    if uris:
                        return uris[0]
    return "http://deb.debian.org/debian"


def _apt_sources_file():
    for path in APT_SOURCES:
        if os.path.isfile(path):
            return path
    raise RuntimeError("no Debian apt sources found at %s" % " or ".join(APT_SOURCES))


def _sh(argv, check=True, timeout=None, **kwargs):
    """Runs a workstation command; its output is captured and shown if it fails."""
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s%s" % (
            " ".join(shlex.quote(a) for a in argv), result.returncode, result.stdout[-3000:],
            result.stderr[-3000:]))
    return result


def _rmtree(path):
    """rm -rf that never crosses into a mount (lazily unmounting any left under `path`)."""
    if not os.path.lexists(path):
        return
    real = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split()[4].replace("\\040", " ") for line in f]
    for mount in sorted((m for m in mounts if m == real or m.startswith(real + "/")), reverse=True):
        subprocess.run(["umount", "-l", mount], capture_output=True)
    _sh(["rm", "-rf", "--one-file-system", "--", path])


def _tool(name, package):
    if shutil.which(name) is None:
        raise RuntimeError("%s is missing: install the Debian package %s (deploy/install-deps.sh does)"
                           % (name, package))


# ---------------------------------------------------------------------------------------------
# The cached root filesystem


def _image_recipe_key():
    """What the image depends on: the packages, the apt sources and how it is made."""
    with open(_apt_sources_file()) as f:
        sources = f.read()
    recipe = {
        "version": RECIPE_VERSION,
        "suite": SUITE,
        "include": DEBOOTSTRAP_INCLUDE,
        "mirror": debian_mirror(),
        "sources": sources,
        "packages": image_packages(),
        "code": inspect.getsource(_build_image) + inspect.getsource(_provision_root),
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def image_path():
    return os.path.join(IMAGE_DIR, "%s-%s.tar.zst" % (SUITE, _image_recipe_key()))


def ensure_image():
    """Path of the cached root tarball, built first if needed (under a lock: parallel test files
    wait for one build). Returns (path, seconds spent building or 0.0)."""
    path = image_path()
    if os.path.exists(path):
        os.utime(path)  # in use: see IMAGE_UNUSED_DAYS
        return path, 0.0
    os.makedirs(IMAGE_DIR, exist_ok=True)
    with open(os.path.join(IMAGE_DIR, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(path):
            return path, 0.0
        started = time.monotonic()
        _build_image(path)
        return path, time.monotonic() - started


def _provision_root(root, packages):
    """Installs `packages` into the debootstrapped `root` from the workstation side (the
    workstation's network reaches the mirror; the booted host never will). Runs in a private
    mount and PID namespace, so its /proc, /sys and /dev mounts and any daemon a postinst might
    start vanish with it; policy-rc.d keeps services from starting (systemd enables them)."""
    policy = os.path.join(root, "usr/sbin/policy-rc.d")
    with open(policy, "w") as f:
        f.write("#!/bin/sh\nexit 101\n")
    os.chmod(policy, 0o755)
    shutil.copy("/etc/resolv.conf", os.path.join(root, "etc/resolv.conf"))
    env = " ".join(CONTAINER_ENV + ["DEBIAN_FRONTEND=noninteractive"])
    script = """set -e
root=$1
shift
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
exec chroot "$root" /usr/bin/env -i %s /bin/sh -ec '
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    apt-get clean' sh "$@"
""" % env
    try:
        _sh(ISOLATED + ["/bin/sh", "-c", script, "provision", root] + packages, timeout=1800,
            preexec_fn=_die_with_parent)
    finally:
        os.unlink(policy)
    missing = _sh(["chroot", root, "dpkg-query", "-W", "-f", "${Package} ${Status}\\n"] + packages,
                  check=False).stdout
    bad = [line for line in missing.splitlines() if not line.endswith(" install ok installed")]
    if bad:
        raise RuntimeError("packages not installed in the image: %s" % bad)


def _build_image(path):
    for tool, package in (("debootstrap", "debootstrap"), ("zstd", "zstd"), ("unshare", "util-linux")):
        _tool(tool, package)
    for name in os.listdir(IMAGE_DIR):  # leftovers of an interrupted build (we hold the lock)
        if name.startswith(".build-"):
            _rmtree(os.path.join(IMAGE_DIR, name))
    work = os.path.join(IMAGE_DIR, ".build-%d" % os.getpid())
    root = os.path.join(work, "root")
    os.makedirs(root)
    try:
        mirror = debian_mirror()
        log("building the host image %s (debootstrap from %s, then the runtime packages; a few "
            "minutes, once)" % (os.path.basename(path), mirror))
        started = time.monotonic()
        # dpkg syncs every file it writes, which makes up most of the build time on a VM disk;
        # a half-written image is thrown away anyway. Removed again before the image is packed.
        unsafe_io = os.path.join(root, "etc/dpkg/dpkg.cfg.d/zz-throwaway-host-unsafe-io")
        os.makedirs(os.path.dirname(unsafe_io))
        with open(unsafe_io, "w") as f:
            f.write("force-unsafe-io\n")
        try:
            _sh(ISOLATED + ["debootstrap", "--variant=minbase", "--include=" + ",".join(DEBOOTSTRAP_INCLUDE),
                            SUITE, root, mirror], timeout=1800, preexec_fn=_die_with_parent)
        except RuntimeError as e:
            with contextlib.suppress(OSError), open(os.path.join(root, "debootstrap/debootstrap.log")) as f:
                e.args = (e.args[0] + "\ndebootstrap.log:\n" + "".join(f.readlines()[-20:]),)
            raise
        log("debootstrap: %.0f s" % (time.monotonic() - started))
        os.makedirs(os.path.join(root, "etc/apt/sources.list.d"), exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(root, "etc/apt/sources.list"))
        sources = _apt_sources_file()
        target = "etc/apt/sources.list.d/debian.sources" if sources.endswith(".sources") else "etc/apt/sources.list"
        shutil.copy(sources, os.path.join(root, target))
        with open(os.path.join(root, "etc/hosts"), "w") as f:
            f.write("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
        started = time.monotonic()
        _provision_root(root, image_packages())
        log("packages: %.0f s" % (time.monotonic() - started))
        os.unlink(unsafe_io)
        # Per host at start(): host name, ssh host keys, authorized_keys. The machine id stays
        # empty so each boot gets its own; no resolver (the host has no network but its veth).
        for name in os.listdir(os.path.join(root, "etc/ssh")):
            if name.startswith("ssh_host_"):
                os.unlink(os.path.join(root, "etc/ssh", name))
        # dbus's postinst wrote an id of its own that systemd would prefer: link it instead.
        open(os.path.join(root, "etc/machine-id"), "w").close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(root, "var/lib/dbus/machine-id"))
        os.symlink("/etc/machine-id", os.path.join(root, "var/lib/dbus/machine-id"))
        os.unlink(os.path.join(root, "etc/resolv.conf"))
        with open(os.path.join(root, "etc/resolv.conf"), "w") as f:
            f.write("# A throwaway test host: no name server.\n")
        os.chmod(os.path.join(root, "etc/resolv.conf"), 0o644)
        started = time.monotonic()
        temporary = os.path.join(work, "image.tar.zst")
        _sh(["tar", "-C", root, "--numeric-owner", "--xattrs", "--xattrs-include=*",
             "--use-compress-program=zstd -q -T2", "-cf", temporary, "."], timeout=1800)
        os.rename(temporary, path)  # atomic: a reader sees a whole tarball or none
        log("image %s: %.0f MB (tar %.0f s)" % (path, os.path.getsize(path) / 1e6, time.monotonic() - started))
        for name in os.listdir(IMAGE_DIR):  # images of other recipes no clone has used lately
            old = os.path.join(IMAGE_DIR, name)
            if (name.startswith(SUITE + "-") and name.endswith(".tar.zst") and old != path
                    and time.time() - os.path.getmtime(old) > IMAGE_UNUSED_DAYS * 86400):
                os.unlink(old)
    finally:
        _rmtree(work)


# ---------------------------------------------------------------------------------------------
# Processes, cgroups, namespaces


def _process_table():
    """{pid: ppid} of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                with open("/proc/%s/stat" % entry) as f:
                    table[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
    return table


def _cgroup_dirs(name):
    """Every cgroup directory of machine `name`, deepest first."""
    found = []
    for root in CGROUP_ROOTS:
        top = os.path.join(root, name)
        if os.path.isdir(top):
            for dirpath, _, _ in os.walk(top):
                found.append(dirpath)
    return sorted(found, key=lambda d: d.count("/"), reverse=True)


def _cgroup_pids(name):
    pids = set()
    for directory in _cgroup_dirs(name):
        with contextlib.suppress(OSError), open(os.path.join(directory, "cgroup.procs")) as f:
            pids.update(int(x) for x in f.read().split())
    return pids


def _netns_pids(netns):
    if not os.path.exists(os.path.join("/run/netns", netns)):
        return set()
    result = _sh(["ip", "netns", "pids", netns], check=False)
    return {int(x) for x in result.stdout.split()}


def _kill_all(pids_function, timeout=10):
    """SIGKILLs what pids_function() returns until it returns nothing."""
    deadline = time.monotonic() + timeout
    while True:
        pids = pids_function() - {os.getpid()}
        if not pids:
            return True
        if time.monotonic() > deadline:
            return False
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def cleanup(name):
    """Removes everything a host named `name` (with the "mbt-" prefix) may have left: processes,
    namespaces, cgroups, nspawn runtime entries and its files. Safe to call at any time."""
    machine = name if name.startswith(PREFIX) else PREFIX + name
    netns_names = [machine, machine + "-client"]
    problems = []
    if not _kill_all(lambda: _cgroup_pids(machine)):
        problems.append("processes left in the cgroup of %s: %s" % (machine, sorted(_cgroup_pids(machine))))
    for netns in netns_names:
        if not _kill_all(lambda: _netns_pids(netns)):
            problems.append("processes left in the namespace %s" % netns)
        if os.path.exists(os.path.join("/run/netns", netns)):
            result = _sh(["ip", "netns", "delete", netns], check=False)
            if result.returncode != 0:
                problems.append("ip netns delete %s: %s" % (netns, result.stderr.strip()))
    deadline = time.monotonic() + 10
    while True:  # depth first; a cgroup is busy for a moment after its last process died
        busy = None
        for directory in _cgroup_dirs(machine):
            try:
                os.rmdir(directory)
            except FileNotFoundError:
                pass
            except OSError as e:
                busy = e
        if busy is None:
            break
        if time.monotonic() > deadline:
            problems.append("cgroup not removed: %s" % busy)
            break
        time.sleep(0.05)
    # systemd-nspawn's runtime files: only this machine's (its propagation directory, and the
    # lock on its root directory that a killed nspawn leaves), then the directories if empty.
    with contextlib.suppress(OSError):
        root = os.stat(os.path.join(HOSTS_DIR, "run", machine, "root"))
        os.unlink(os.path.join(NSPAWN_RUN_DIR, "locks", "inode-%d:%d" % (root.st_dev, root.st_ino)))
    if os.path.isdir(NSPAWN_RUN_DIR):
        for kind in os.listdir(NSPAWN_RUN_DIR):  # propagate/NAME (and unix-export/NAME in newer systemd)
            directory = os.path.join(NSPAWN_RUN_DIR, kind)
            if os.path.isdir(directory):
                _rmtree(os.path.join(directory, machine))
                with contextlib.suppress(OSError):
                    os.rmdir(directory)  # only if empty: other hosts' entries stay
        with contextlib.suppress(OSError):
            os.rmdir(NSPAWN_RUN_DIR)
    _rmtree(os.path.join(HOSTS_DIR, "run", machine))
    if problems:
        raise RuntimeError("clean-up of %s incomplete:\n%s" % (machine, "\n".join(problems)))


# ---------------------------------------------------------------------------------------------


class ThrowawayHost:
    """A booted Debian 12 host in its own network namespace; see the module docstring."""

    def __init__(self, name, subnet_index):
        if not NAME_PATTERN.match(name):
            raise ValueError("host name %r: use lowercase letters, digits and '-' (at most 41)" % name)
        if not 0 <= int(subnet_index) <= 255:
            raise ValueError("subnet_index must be 0-255")
        self.name = name
        self.machine = PREFIX + name
        self.netns = self.machine
        self.client_netns = self.machine + "-client"
        self.subnet_index = int(subnet_index)
        self.address = "10.231.%d.2" % self.subnet_index
        self.client_address = "10.231.%d.1" % self.subnet_index
        self.ssh_target = "root@" + self.address
        self.state_dir = os.path.join(HOSTS_DIR, "run", self.machine)
        self.root = os.path.join(self.state_dir, "root")
        self.ssh_key = os.path.join(self.state_dir, "id_ed25519")
        self.ssh_config = os.path.join(self.state_dir, "ssh_config")
        self.console_log = os.path.join(self.state_dir, "console.log")
        self.process = None
        self.leader = None
        self.timings = {}
        self.system_state = None
        self.failed_units = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- life cycle ------------------------------------------------------------------------

    def start(self, timeout=120):
        """Builds or reuses the image, boots the host and waits until sshd answers."""
        for tool, package in (("systemd-nspawn", "systemd-container"), ("ip", "iproute2"),
                              ("ssh", "openssh-client"), ("ssh-keygen", "openssh-client"),
                              ("nsenter", "util-linux"), ("zstd", "zstd")):
            _tool(tool, package)
        if os.geteuid() != 0:
            raise RuntimeError("ThrowawayHost needs root")
        begun = time.monotonic()
        cleanup(self.machine)  # whatever a crashed run with this name left
        try:
            image, built = ensure_image()
            self.timings["image_build"] = built
            mark = time.monotonic()
            self._make_root(image)
            self.timings["extract"] = time.monotonic() - mark
            mark = time.monotonic()
            self._make_network()
            self._boot(timeout)
            self.timings["boot"] = time.monotonic() - mark
            mark = time.monotonic()
            self._wait_for_ssh(timeout)
            self.timings["ssh"] = time.monotonic() - mark
        except BaseException:
            tail = self.console_tail()
            with contextlib.suppress(Exception):
                self.stop()
            if tail:
                log("%s console (last lines):\n%s" % (self.machine, tail))
            raise
        self.timings["total"] = time.monotonic() - begun
        log("%s up at %s in %.1f s (%s)%s" % (
            self.machine, self.address, self.timings["total"],
            ", ".join("%s %.1f s" % (k, v) for k, v in self.timings.items() if k != "total"),
            "; degraded: " + " ".join(self.failed_units) if self.failed_units else ""))
        return self

    def stop(self, timeout=15):
        """Powers the host off (SIGKILL after `timeout`) and removes everything it had.
        Idempotent; safe in unittest cleanups and after a failed start()."""
        process, self.process = self.process, None
        self.leader = None
        _STARTED.discard(self)
        if process is not None:
            if process.poll() is None:
                # nspawn forwards SIGTERM to the container's systemd as a clean halt.
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    log("%s: no halt within %d s, killing it" % (self.machine, timeout))
            if process.poll() is None:
                _kill_all(lambda: _cgroup_pids(self.machine))
                process.wait(timeout=10)
        cleanup(self.machine)

    # -- inside the host -------------------------------------------------------------------

    def run(self, command, input=None, check=True, timeout=120):
        """Runs `command` (a shell string, or an argv list) inside the host as root, with the
        host's mount, UTS, IPC, PID, cgroup AND network namespaces (so `curl localhost` there
        means the host), a clean environment and cwd /. Returns a CompletedProcess (text)."""
        if self.leader is None:
            raise RuntimeError("%s is not running" % self.machine)
        argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
        full = ["nsenter", "-t", str(self.leader), "-m", "-u", "-i", "-p", "-C", "-n", "--root", "--wd=/",
                "/usr/bin/env", "-i"] + CONTAINER_ENV + argv
        result = subprocess.run(full, input=input, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, argv, result.stdout, result.stderr)
        return result

    def wait_for_unit(self, unit, state="active", timeout=60):
        """Waits until the unit's ActiveState is `state`; raises TimeoutError with its journal."""
        deadline = time.monotonic() + timeout
        current = None
        while time.monotonic() < deadline:
            current = self.run(["systemctl", "show", "-p", "ActiveState", "--value", unit], check=False).stdout.strip()
            if current == state:
                return current
            time.sleep(0.2)
        raise TimeoutError("%s on %s is %r, not %r, after %d s:\n%s" % (
            unit, self.machine, current, state, timeout, self.journal(unit, lines=40)))

    def journal(self, unit=None, lines=200):
        """The host's journal (of one unit if given) as text."""
        argv = ["journalctl", "--no-pager", "-o", "short-iso", "-n", str(lines)]
        if unit:
            argv += ["-u", unit]
        result = self.run(argv, check=False)
        return result.stdout + result.stderr

    # -- the client side -------------------------------------------------------------------

    def client(self, argv, input=None, check=True, timeout=120, env=None, cwd=None):
        """Runs argv on the workstation, inside the client network namespace (a veth to the host,
        no default route). `env` adds to the current environment. Returns a CompletedProcess."""
        environment = dict(os.environ, **(env or {}))
        full = ["ip", "netns", "exec", self.client_netns] + list(argv)
        result = subprocess.run(full, input=input, capture_output=True, text=True, timeout=timeout,
                                env=environment, cwd=cwd)
        if check and result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, list(argv), result.stdout, result.stderr)
        return result

    def ssh_options(self):
        """Arguments for ssh/scp: this harness's config file, key and options (no target)."""
        options = ["-F", self.ssh_config, "-i", self.ssh_key, "-o", "IdentitiesOnly=yes"]
        for option in SSH_OPTIONS:
            options += ["-o", option]
        return options

    def ssh_env(self):
        """Environment for scripts run with client(): MICROBLOG_SSH_CONFIG names the ssh config."""
        return {"MICROBLOG_SSH_CONFIG": self.ssh_config}

    def ssh(self, command, check=True, timeout=120, input=None):
        """Runs a shell command on the host over ssh, from the client namespace."""
        return self.client(["ssh", *self.ssh_options(), self.ssh_target, command], input=input,
                           check=check, timeout=timeout)

    def console_tail(self, lines=30):
        with contextlib.suppress(OSError), open(self.console_log, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
        return ""

    # -- steps of start() ------------------------------------------------------------------

    def _make_root(self, image):
        os.makedirs(self.root)
        _sh(["tar", "-C", self.root, "--numeric-owner", "--xattrs", "--xattrs-include=*", "-p",
             "--use-compress-program=zstd -q", "-xf", image], timeout=600)
        with open(os.path.join(self.root, "etc/hostname"), "w") as f:
            f.write(self.machine + "\n")
        with open(os.path.join(self.root, "etc/hosts"), "w") as f:
            f.write("127.0.0.1\tlocalhost\n127.0.1.1\t%s\n%s\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                    % (self.machine, self.address, self.machine))
        _sh(["ssh-keygen", "-q", "-A", "-f", self.root])  # the host's own host keys
        _sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "throwaway_host " + self.machine,
             "-f", self.ssh_key])
        ssh_dir = os.path.join(self.root, "root/.ssh")
        os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
        os.chmod(ssh_dir, 0o700)
        shutil.copy(self.ssh_key + ".pub", os.path.join(ssh_dir, "authorized_keys"))
        os.chmod(os.path.join(ssh_dir, "authorized_keys"), 0o600)
        with open(self.ssh_config, "w") as f:
            f.write("# Written by tests/support/throwaway_host.py for %s; use with ssh -F.\n"
                    "Host %s\n    HostName %s\n\nHost *\n    User root\n    IdentityFile %s\n"
                    "    IdentitiesOnly yes\n%s" % (
                        self.machine, self.machine, self.address, self.ssh_key,
                        "".join("    %s %s\n" % tuple(o.split("=", 1)) for o in SSH_OPTIONS)))

    def _make_network(self):
        ip = ["ip"]
        _sh(ip + ["netns", "add", self.netns])
        _sh(ip + ["netns", "add", self.client_netns])
        _sh(ip + ["-n", self.client_netns, "link", "add", "mbt0", "type", "veth",
                  "peer", "name", "eth0", "netns", self.netns])
        _sh(ip + ["-n", self.client_netns, "addr", "add", self.client_address + "/24", "dev", "mbt0"])
        _sh(ip + ["-n", self.netns, "addr", "add", self.address + "/24", "dev", "eth0"])
        for netns, device in ((self.client_netns, "mbt0"), (self.netns, "eth0")):
            _sh(ip + ["-n", netns, "link", "set", "lo", "up"])
            _sh(ip + ["-n", netns, "link", "set", device, "up"])

    def _enter_cgroup(self):
        # Runs in the child before exec: the container gets cgroups of its own.
        for root in CGROUP_ROOTS:
            with open(os.path.join(root, self.machine, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

    def _boot(self, timeout):
        for root in CGROUP_ROOTS:
            os.mkdir(os.path.join(root, self.machine))
        argv = ["systemd-nspawn", "-D", self.root, "-b", "--register=no", "--keep-unit",
                "--console=pipe", "--machine=" + self.machine,
                "--network-namespace-path=/run/netns/" + self.netns,
                "--resolv-conf=off", "--timezone=off", "--link-journal=no"]
        with open(self.console_log, "w") as console:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=self._enter_cgroup)
        _STARTED.add(self)
        deadline = time.monotonic() + timeout
        self.leader = self._find_leader(deadline)
        # systemd answers on its bus a moment after exec; then wait for the boot to finish.
        state = ""
        while time.monotonic() < deadline:
            self._check_alive()
            result = self.run(["systemctl", "is-system-running", "--wait"], check=False,
                              timeout=max(1, deadline - time.monotonic()))
            state = result.stdout.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(0.2)
        else:
            raise TimeoutError("%s did not finish booting in %d s (state %r)" % (self.machine, timeout, state))
        self.system_state = state
        if state == "degraded":
            self.failed_units = self.run(["systemctl", "--failed", "--plain", "--no-legend"]).stdout.split()[::5]

    def _check_alive(self):
        if self.process.poll() is not None:
            raise RuntimeError("systemd-nspawn for %s exited with %d" % (self.machine, self.process.returncode))

    def _find_leader(self, deadline):
        """The container's PID 1, seen from the workstation: a descendant of systemd-nspawn
        that is PID 1 of its own PID namespace."""
        while time.monotonic() < deadline:
            self._check_alive()
            table = _process_table()
            descendants, frontier = set(), {self.process.pid}
            while frontier:
                frontier = {pid for pid, ppid in table.items() if ppid in frontier} - descendants
                descendants |= frontier
            for pid in sorted(descendants):
                with contextlib.suppress(OSError):
                    with open("/proc/%d/status" % pid) as f:
                        nspid = next((line.split()[1:] for line in f if line.startswith("NSpid:")), [])
                    if len(nspid) > 1 and nspid[-1] == "1":
                        return pid
            time.sleep(0.05)
        raise TimeoutError("no container leader for %s" % self.machine)

    def _wait_for_ssh(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            result = self.client(["ssh", *self.ssh_options(), self.ssh_target, "true"], check=False, timeout=30)
            if result.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("sshd on %s did not answer in %d s: %s" % (
                    self.address, timeout, result.stderr.strip()))
            self._check_alive()
            time.sleep(0.2)


def main(argv):
    usage = ("usage: throwaway_host.py build            build (or find) the cached image\n"
             "       throwaway_host.py clean NAME...    remove what hosts NAME left behind\n"
             "       throwaway_host.py boot NAME INDEX  boot one, print how to reach it, stop on Ctrl-C\n")
    if argv[:1] == ["build"]:
        path, built = ensure_image()
        print("%s (%.0f MB%s)" % (path, os.path.getsize(path) / 1e6, ", built in %.0f s" % built if built else ""))
    elif argv[:1] == ["clean"] and len(argv) > 1:
        for name in argv[1:]:
            cleanup(name)
    elif argv[:1] == ["boot"] and len(argv) == 3:
        with ThrowawayHost(argv[1], int(argv[2])) as host:
            print("ip netns exec %s ssh -F %s %s" % (host.client_netns, host.ssh_config, host.ssh_target))
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
    else:
        sys.stderr.write(usage)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
