"""Several hosts on one machine, each a network namespace on one private bridge: a 3-node Galera
cluster (one mariadbd per namespace, rsync SST, TLS for clients), app hosts (deploy/run-local.sh
with DB_HOSTS) and a front nginx (nginx/front.conf.in) before them.

Every namespace has addresses on the bridge only and no default route. enter_client_namespace()
moves this process into one too, so every request it makes (and every thread it starts) fails at
once with "Network is unreachable" if it names an address outside, instead of leaving the machine.
Needs root."""
import ctypes
import os
import re
import signal
import subprocess
import threading
import time

from stack import BUILD_DIR, READY_LINE, REPO_DIR, TEST_VAR_ROOT, UNLIMITED_RATES

CLONE_NEWNET = 0x40000000
DB_NAME = "microblog"
APP_USER = "microblog"
ADMIN_USER = "microblog_admin"
# Above Galera's evs.suspect_timeout (5 s): a write stalls that long after a node dies without
# a word, and must not be cut short meanwhile (docs/scaling.md).
DB_TIMEOUT_SECONDS = 8
APP_PORT = 8080
FRONT_PORT = 8080
GALERA_TEMPLATE = os.path.join(REPO_DIR, "deploy", "galera-node.cnf.in")


def sh(argv, check=True, timeout=60, **kwargs):
    result = subprocess.run(argv, check=False, timeout=timeout, capture_output=True, text=True,
                            **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), result.returncode,
                                                   (result.stderr or result.stdout).strip()[-2000:]))
    return result


def netns_pids(netns):
    """The processes whose network namespace is `netns`, but this one (in the client's)."""
    try:
        wanted = os.stat("/run/netns/" + netns).st_ino
    except FileNotFoundError:
        return []
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.stat("/proc/%s/ns/net" % entry).st_ino == wanted:
                pids.append(int(entry))
        except OSError:
            pass
    return pids


def kill_namespace_processes(netns, sig=signal.SIGKILL, timeout=15):
    """Every process in the namespace: a host pulled out of the rack."""
    deadline = time.monotonic() + timeout
    while True:
        pids = netns_pids(netns)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            raise RuntimeError("processes left in %s: %s" % (netns, pids))
        time.sleep(0.1)



def _drain(stream):
    try:
        for _ in stream:
            pass
    except (ValueError, OSError):  # closed when the host stops
        pass

class Network:
    """A bridge in its own namespace, and hosts plugged into it, 10.77.N.0/24."""

    def __init__(self, prefix, subnet=77):
        self.prefix = prefix
        self.subnet = subnet
        self.bridge_ns = prefix + "-lan"
        self.hosts = {}

    def address(self, octet):
        return "10.%d.0.%d" % (self.subnet, octet)

    def start(self):
        self.stop()
        sh(["ip", "netns", "add", self.bridge_ns])
        sh(["ip", "-n", self.bridge_ns, "link", "add", "br0", "type", "bridge"])
        sh(["ip", "-n", self.bridge_ns, "link", "set", "br0", "up"])

    def add_host(self, name, octet):
        netns = "%s-%s" % (self.prefix, name)
        sh(["ip", "netns", "add", netns])
        self.attach(netns, octet)
        self.hosts[name] = netns
        return netns, self.address(octet)

    def attach(self, netns, octet, device="eth0"):
        """Plugs an existing namespace (a throwaway host's, say) into the bridge as `device`
        with the address of `octet`. The plug goes when the namespace does."""
        port = "p%d" % octet
        sh(["ip", "-n", self.bridge_ns, "link", "add", port, "type", "veth", "peer", "name",
            device, "netns", netns])
        sh(["ip", "-n", self.bridge_ns, "link", "set", port, "master", "br0", "up"])
        sh(["ip", "-n", netns, "addr", "add", self.address(octet) + "/24", "dev", device])
        sh(["ip", "-n", netns, "link", "set", device, "up"])
        sh(["ip", "-n", netns, "link", "set", "lo", "up"])
        return self.address(octet)

    def stop(self):
        names = [n for n in os.listdir("/run/netns") if n.startswith(self.prefix + "-")] \
            if os.path.isdir("/run/netns") else []
        for netns in names:
            kill_namespace_processes(netns)
        for netns in names:
            sh(["ip", "netns", "delete", netns], check=False)
        self.hosts = {}


def enter_client_namespace(netns):
    """This process's network becomes the namespace's (no default route)."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + netns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + netns)
    finally:
        os.close(fd)


def fill_template(path, values):
    """The text of a deploy template with each @NAME@ replaced, as deploy/lib/steps.sh does."""
    with open(path) as f:
        text = f.read()
    for name, value in values.items():
        text = text.replace("@%s@" % name, value)
    unfilled = re.findall(r"@[A-Z][A-Z_]*@", text)
    if unfilled:
        raise ValueError("%s: placeholders not filled in: %s" % (path, unfilled))
    return text


def make_certificates(directory, addresses):
    """A CA, and one server certificate naming every database node's address."""
    os.makedirs(directory, exist_ok=True)
    ca_key, ca_cert = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, cert = os.path.join(directory, "server.key"), os.path.join(directory, "server.pem")
    csr = os.path.join(directory, "server.csr")
    ext = os.path.join(directory, "server.ext")
    sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", ca_key, "-out", ca_cert, "-days", "2", "-subj", "/CN=Microblog test CA"])
    sh(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key, "-out", csr, "-subj", "/CN=microblog-db"])
    with open(ext, "w") as f:
        f.write("subjectAltName=" + ",".join("IP:" + a for a in addresses) + "\n")
    sh(["openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
        "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext])
    sh(["chown", "-R", "mysql:mysql", directory])
    return {"ca": ca_cert, "cert": cert, "key": key}


class GaleraNode:
    def __init__(self, cluster, index, netns, address):
        self.cluster = cluster
        self.index = index
        self.name = "db%d" % index
        self.netns = netns
        self.address = address
        self.dir = os.path.join(cluster.dir, self.name)
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.log = os.path.join(self.dir, "error.log")
        self.process = None

    def write_config(self):
        """deploy/galera-node.cnf.in, as install-database-node.sh fills it on a host, then what
        sets this node apart from the others on one machine: its own files and a small pool."""
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        tls = self.cluster.tls
        galera = fill_template(GALERA_TEMPLATE, {
            "CLUSTER_NAME": self.cluster.name,
            "CLUSTER_ADDRESS": ",".join(n.address for n in self.cluster.nodes),
            "NODE_ADDRESS": self.address,
            "NODE_NAME": self.name,
            "TLS_CA": tls["ca"],
            "TLS_CERT": tls["cert"],
            "TLS_KEY": tls["key"],
        })
        local = {
            "datadir": os.path.join(self.dir, "data"),
            "socket": self.socket,
            "pid-file": os.path.join(self.dir, "mysqld.pid"),
            "log-error": self.log,
            "tmpdir": os.path.join(self.dir, "tmp"),
            "port": "3306",
            # As on a host: the SST's rsync daemon then runs as mysql too, and can write there.
            "user": "mysql",
            "innodb-buffer-pool-size": "64M",
        }
        self.config = os.path.join(self.dir, "my.cnf")
        with open(self.config, "w") as f:
            f.write(galera)
            f.write("\n# This machine's test node.\n")
            for key, value in local.items():
                f.write("%s = %s\n" % (key, value))

    def install(self):
        self.write_config()
        sh(["chown", "-R", "mysql:mysql", self.dir])
        sh(["mariadb-install-db", "--defaults-file=" + self.config, "--user=mysql",
            "--auth-root-authentication-method=socket", "--skip-test-db", "--force"], timeout=120)

    def start(self, bootstrap=False):
        argv = ["ip", "netns", "exec", self.netns, "mariadbd", "--defaults-file=" + self.config]
        if bootstrap:
            argv.append("--wsrep-new-cluster")
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)

    def kill(self):
        """SIGKILL, as a crash or a pulled plug."""
        kill_namespace_processes(self.netns)
        if self.process:
            self.process.wait()

    def sql(self, statement, timeout=30):
        result = sh(["mariadb", "--no-defaults", "-u", "root", "--socket", self.socket, "-N",
                     "-B", "-e", statement], check=False, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError("%s: %s" % (self.name, result.stderr.strip()))
        return result.stdout

    def status(self, name):
        try:
            out = self.sql("SHOW STATUS LIKE '%s'" % name, timeout=5)
        except (RuntimeError, subprocess.TimeoutExpired):
            return None
        parts = out.split()
        return parts[1] if len(parts) > 1 else None

    def wait_synced(self, size=None, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError("%s exited:\n%s" % (self.name, self.log_tail()))
            if self.status("wsrep_local_state_comment") == "Synced" and (
                    size is None or self.status("wsrep_cluster_size") == str(size)):
                return
            time.sleep(0.3)
        raise RuntimeError("%s not synced within %d s:\n%s" % (self.name, timeout, self.log_tail()))

    def log_tail(self, lines=30):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"


class GaleraCluster:
    def __init__(self, network, directory, octets=(11, 12, 13), name="microblog-test"):
        self.network = network
        self.dir = directory
        self.name = name
        self.nodes = []
        for index, octet in enumerate(octets, start=1):
            netns, address = network.add_host("db%d" % index, octet)
            self.nodes.append(GaleraNode(self, index, netns, address))
        self.tls = make_certificates(os.path.join(directory, "tls"), [n.address for n in self.nodes])

    @property
    def hosts(self):
        return ",".join(n.address for n in self.nodes)

    def start(self):
        for node in self.nodes:
            node.install()
        first = self.nodes[0]
        first.start(bootstrap=True)
        first.wait_synced()
        for node in self.nodes[1:]:
            node.start()
            node.wait_synced()
        first.wait_synced(size=len(self.nodes))

    def create_accounts(self, app_password, admin_password):
        """The database and its two accounts, made once on one node (Galera copies them): the
        application may change rows only, and only over TLS; the administrator runs migrations."""
        self.nodes[0].sql(
            "CREATE DATABASE IF NOT EXISTS %(db)s CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;"
            "CREATE USER IF NOT EXISTS '%(app)s'@'%%' IDENTIFIED BY '%(app_pw)s' REQUIRE SSL;"
            "GRANT SELECT, INSERT, UPDATE, DELETE ON %(db)s.* TO '%(app)s'@'%%';"
            "CREATE USER IF NOT EXISTS '%(admin)s'@'%%' IDENTIFIED BY '%(admin_pw)s' REQUIRE SSL;"
            "GRANT ALL ON %(db)s.* TO '%(admin)s'@'%%';"
            % {"db": DB_NAME, "app": APP_USER, "app_pw": app_password, "admin": ADMIN_USER,
               "admin_pw": admin_password})

    def stop(self):
        for node in self.nodes:
            node.kill()


class AppHost:
    """deploy/run-local.sh in its own namespace, on the cluster's database."""

    def __init__(self, name, network, octet, cluster, directory, secrets, first_node=0,
                 config=None):
        """first_node: the database node this host tries first (then the others in turn)."""
        self.name = name
        self.netns, self.address = network.add_host(name, octet)
        self.cluster = cluster
        nodes = cluster.nodes[first_node:] + cluster.nodes[:first_node]
        self.db_hosts = ",".join(n.address for n in nodes)
        self.var_dir = os.path.join(directory, name)
        self.secrets = secrets
        self.config = dict(UNLIMITED_RATES, db_timeout_seconds=DB_TIMEOUT_SECONDS, **(config or {}))
        self.process = None
        self.ready = False
        self.output_path = os.path.join(directory, name + ".out")

    @property
    def url(self):
        return "http://%s:%d" % (self.address, APP_PORT)

    def start(self, timeout=120):
        secrets_dir = os.path.join(self.var_dir, "secrets")
        os.makedirs(secrets_dir, mode=0o700, exist_ok=True)
        for name, value in self.secrets.items():
            path = os.path.join(secrets_dir, name)
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
                f.write(value + "\n")
        env = dict(os.environ, VAR_DIR=self.var_dir, PORT=str(APP_PORT), BUILD_DIR=BUILD_DIR,
                   WORKERS="2", DB_HOSTS=self.db_hosts, DB_TLS_CA_FILE=self.cluster.tls["ca"],
                   DB_ADMIN=ADMIN_USER, LISTEN_ADDRESS=self.address)
        env["CONFIG_OVERRIDES"] = " ".join("%s=%s" % item for item in self.config.items())
        with open(self.output_path, "a") as output:
            self.process = subprocess.Popen(
                ["ip", "netns", "exec", self.netns,
                 os.path.join(REPO_DIR, "deploy", "run-local.sh")],
                env=env, stdout=subprocess.PIPE, stderr=output, text=True, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            if line.startswith(READY_LINE):
                self.ready = True
                # Read on as a terminal would: a full pipe would block the mailer's lines.
                threading.Thread(target=_drain, args=(self.process.stdout,), daemon=True).start()
                return self
        raise RuntimeError("app host %s did not start:\n%s" % (self.name, self.output_tail()))

    def kill(self):
        self.ready = False
        kill_namespace_processes(self.netns)
        if self.process:
            self.process.wait()

    def output_tail(self, lines=40):
        with open(self.output_path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def log(self, name):
        with open(os.path.join(self.var_dir, "log", name), errors="replace") as f:
            return f.read()


class Front:
    """nginx with nginx/front.conf.in before the app hosts."""

    def __init__(self, network, octet, app_hosts, directory, more_listeners=None):
        """more_listeners: {port: n}, each port a front of its own to the first n app hosts."""
        self.netns, self.address = network.add_host("front", octet)
        self.listeners = {FRONT_PORT: app_hosts}
        self.listeners.update({port: app_hosts[:n] for port, n in (more_listeners or {}).items()})
        self.dir = os.path.join(directory, "front")
        self.process = None

    @property
    def url(self):
        return self.url_at(FRONT_PORT)

    def url_at(self, port):
        return "http://%s:%d" % (self.address, port)

    def site(self, template, port, app_hosts):
        servers = "\n    ".join("server %s:%d max_fails=1 fail_timeout=10s;" % (h.address, APP_PORT)
                                for h in app_hosts)
        return template.replace("microblog_app_hosts", "microblog_app_hosts_%d" % port).replace(
            "@APP_HOSTS@", servers).replace("@LISTEN@", "%s:%d" % (self.address, port))

    def start(self, timeout=20):
        for sub in ("tmp", "logs"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        with open(os.path.join(REPO_DIR, "nginx", "front.conf.in")) as f:
            template = f.read()
        site = "\n".join(self.site(template, port, hosts) for port, hosts in self.listeners.items())
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("user root root;\nworker_processes 1;\npid %(d)s/nginx.pid;\n"
                    "error_log %(d)s/logs/error.log warn;\ndaemon off;\n"
                    "events { worker_connections 1024; }\n"
                    "http {\n access_log %(d)s/logs/access.log;\n"
                    " client_body_temp_path %(d)s/tmp/body;\n proxy_temp_path %(d)s/tmp/proxy;\n"
                    " fastcgi_temp_path %(d)s/tmp/fastcgi;\n uwsgi_temp_path %(d)s/tmp/uwsgi;\n"
                    " scgi_temp_path %(d)s/tmp/scgi;\n%(site)s\n}\n" % {"d": self.dir, "site": site})
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, "nginx", "-p", self.dir, "-c", conf, "-e",
             os.path.join(self.dir, "logs", "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not os.path.exists(os.path.join(self.dir, "nginx.pid")):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("front nginx did not start: " + self.error_log())
            time.sleep(0.1)

    def error_log(self):
        try:
            with open(os.path.join(self.dir, "logs", "error.log"), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return "(no log)"


FRONT_OCTET = 10


def start_site(network, directory, app_config=None, more_listeners=None):
    """The whole set-up: the Galera cluster with its accounts, two app hosts started at once
    (app N tries database node N first) trusting the front, and the front before them.
    Returns (cluster, app hosts, front)."""
    galera = GaleraCluster(network, directory)
    galera.start()
    # The sizes run-local.sh makes them: 16 bytes for passwords, 32 for keys, in hex.
    secrets = {"db_password": os.urandom(16).hex(), "db_admin_password": os.urandom(16).hex(),
               "secret_key": os.urandom(32).hex(), "two_factor_key": os.urandom(32).hex()}
    galera.create_accounts(secrets["db_password"], secrets["db_admin_password"])
    config = dict({"trusted_proxies": network.address(FRONT_OCTET)}, **(app_config or {}))
    apps = [AppHost("app%d" % i, network, 20 + i, galera, directory, secrets, first_node=i - 1,
                    config=config) for i in (1, 2)]
    # Both at once, each starting on another database node: their migrations meet anyway.
    starting = [threading.Thread(target=app.start) for app in apps]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join()
    for app in apps:
        if not app.ready:
            raise RuntimeError("app host %s did not start:\n%s" % (app.name, app.output_tail()))
    front = Front(network, FRONT_OCTET, apps, directory, more_listeners)
    front.start()
    return galera, apps, front


def test_directory(name):
    path = os.path.join(TEST_VAR_ROOT, name)
    subprocess.run(["rm", "-rf", path], check=True)
    os.makedirs(path)
    # The database nodes run as mysql, which must reach their folders below (make bench runs
    # under umask 077).
    os.chmod(path, 0o755)
    return path
