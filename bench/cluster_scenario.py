"""make bench's cluster scenario: the signed-in home page through a front nginx, first with one
app host behind it, then with two, on a 3-node Galera cluster; every host a network namespace of
this machine (tests/support/cluster.py, root).

Run by bench.py as its own process, because it moves itself into the cluster's client namespace
(no default route) before loading, so wrk can reach nothing but the cluster. Prints one JSON
object: {"one_app_host": wrk figures, "two_app_hosts": wrk figures}.

On one machine the app hosts share its cores, so the second host shows what the front and the
cluster cost and that the load spreads, not a speed-up (docs/scaling.md)."""
import json
import os
import sys

sys.dont_write_bytecode = True
# After bench/ itself: tests/support has a load.py of its own.
sys.path.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests",
                             "support"))

import browser  # noqa: E402
import cluster  # noqa: E402
import load  # noqa: E402

USER = "benchcluster"
ONE_HOST_PORT = 8081


def main():
    threads, connections, duration = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    work_dir = sys.argv[4]
    network = cluster.Network("mbb", subnet=78)
    try:
        network.start()
        # One session per connection, all of one user.
        _, _, front = cluster.start_site(network, cluster.test_directory("bench-cluster"),
                                         app_config={"max_sessions_per_user": 10000},
                                         more_listeners={ONE_HOST_PORT: 1})
        one_host = front.url_at(ONE_HOST_PORT)
        client_netns, _ = network.add_host("client", 100)
        cluster.enter_client_namespace(client_netns)
        password = os.urandom(12).hex()
        browser.register(front.url, USER, password)
        figures = {}
        for name, url in (("one_app_host", one_host), ("two_app_hosts", front.url)):
            identities = [(browser.signed_in(url, USER, password).cookie_header(), "")
                          for _ in range(connections)]
            scenario = load.Scenario("cluster_index_signed_in_" + name, "GET", "/index", 200,
                                     identities, marker=browser.greeting(USER))
            figures[name] = load.run(scenario, url, load.Load(threads, connections, duration),
                                     work_dir, "cluster")
        print(json.dumps(figures))
    finally:
        network.stop()


if __name__ == "__main__":
    main()
