"""make bench's report: the tables it prints and writes to build/bench/results.txt, and the same
figures as build/bench/results.json."""
import json


def _ms(microseconds):
    return "%.1f" % (microseconds / 1000)


def _percent(part, whole):
    return "%.1f%%" % (100 * part / whole) if whole else "-"


def _table(header, rows):
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    lines = []
    for row in [header] + rows:
        cells = [str(cell).ljust(widths[0]) if i == 0 else str(cell).rjust(widths[i])
                 for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _other_work(result):
    other = result.get("other_work_percent")
    return "-" if other is None else "%.0f%%" % other


def scenario_table(results, ceiling_rps=None, hash_bound=None):
    """'other CPU' is the share of the machine's CPU time that other work took during the
    scenario (not our servers, not wrk): anything but a few percent lowered the figures."""
    header = ["scenario", "requests/s", "p50 ms", "p99 ms", "errors", "of ceiling",
              "of hash bound", "other CPU"]
    rows = []
    for name, result in results.items():
        errors = result["error_count"]
        if result["failed"]:
            rows.append([name, "FAILED", "-", "-", errors, "-", "-", _other_work(result)])
            continue
        rps = result["requests_per_second"]
        of_bound = _percent(rps, hash_bound) if name == "login_post" and hash_bound else "-"
        rows.append([name, "%.1f" % rps, _ms(result["latency_us"]["p50"]),
                     _ms(result["latency_us"]["p99"]), errors,
                     _percent(rps, ceiling_rps) if ceiling_rps else "-", of_bound,
                     _other_work(result)])
    return _table(header, rows)


def failure_details(label, results):
    lines = []
    for name, result in results.items():
        if not result["failed"]:
            continue
        socket_errors = ", ".join("%s %d" % (kind, count)
                                  for kind, count in result["socket_errors"].items() if count)
        kinds = ", ".join("%s: %d" % item for item in sorted(result["unexpected_kinds"].items()))
        if result["requests"] == 0:
            lines.append("%s %s FAILED: not one answer within the run (socket errors: %s)" % (
                label, name, socket_errors or "none"))
            continue
        lines.append("%s %s FAILED: %d requests, %d unexpected answers (%s), socket errors: %s" % (
            label, name, result["requests"], result["unexpected"], kinds or "none",
            socket_errors or "none"))
        if result["first_unexpected"]:
            lines.append("    first unexpected answer: " + result["first_unexpected"][:400])
    return "\n".join(lines)


def comparison_table(ours, theirs):
    header = ["scenario", "ours req/s", "theirs req/s", "ours/theirs", "ours p99 ms",
              "theirs p99 ms"]
    rows = []
    for name, their_result in theirs.items():
        our_result = ours.get(name)
        if our_result is None:
            continue
        ok = not our_result["failed"] and not their_result["failed"]

        def rate(result):
            return "FAILED" if result["failed"] else "%.1f" % result["requests_per_second"]

        def p99(result):
            return "-" if result["failed"] else _ms(result["latency_us"]["p99"])

        ratio = (our_result["requests_per_second"] / their_result["requests_per_second"]
                 if ok and their_result["requests_per_second"] else None)
        rows.append([name, rate(our_result), rate(their_result),
                     "%.2fx" % ratio if ratio else "-", p99(our_result), p99(their_result)])
    return _table(header, rows)


def rss_table(after_index, at_end):
    """One row per FastCGI process seen at either moment; '-' where it was not there (a worker
    that exited or was restarted in between)."""
    header = ["route", "role", "pid", "after index_signed_in MiB", "at end MiB"]
    by_pid = {}
    for moment, processes in (("after", after_index), ("end", at_end)):
        for process in processes:
            row = by_pid.setdefault(process["pid"], dict(process, after=None, end=None))
            row[moment] = process["rss_mib"]
    rows = []
    for process in sorted(by_pid.values(),
                          key=lambda p: (p["route"], p["role"] != "supervisor", p["pid"])):
        rows.append([process["route"], process["role"], process["pid"],
                     "-" if process["after"] is None else "%.1f" % process["after"],
                     "-" if process["end"] is None else "%.1f" % process["end"]])
    totals = ["total", "", "", "%.1f" % sum(p["rss_mib"] for p in after_index),
              "%.1f" % sum(p["rss_mib"] for p in at_end)]
    return _table(header, rows + [totals])


def write(text_path, json_path, text, figures):
    with open(text_path, "w") as text_file:
        text_file.write(text)
    with open(json_path, "w") as json_file:
        json.dump(figures, json_file, indent=2, sort_keys=True)
        json_file.write("\n")
