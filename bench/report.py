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


def _mib(value):
    return "-" if value is None else "%.1f" % value


def _total(processes, key):
    values = [process[key] for process in processes]
    return None if None in values else sum(values)


MEMORY_NOTE = ("RSS counts each shared library page again in every process that maps it; PSS "
               "divides it among them,\nso the PSS total is the memory these processes take "
               "together.")


def memory_table(after_index, at_end):
    """One row per FastCGI process seen at either moment; '-' where it was not there (a worker
    that exited or was restarted in between), or where its PSS could not be read."""
    header = ["route", "role", "pid", "RSS after index_signed_in", "PSS after index_signed_in",
              "RSS at end", "PSS at end"]
    by_pid = {}
    for moment, processes in (("after", after_index), ("end", at_end)):
        for process in processes:
            row = by_pid.setdefault(process["pid"], dict(process, after=None, end=None))
            row[moment] = process
    rows = []
    for process in sorted(by_pid.values(),
                          key=lambda p: (p["route"], p["role"] != "supervisor", p["pid"])):
        cells = [process["route"], process["role"], process["pid"]]
        for seen in (process["after"], process["end"]):
            cells += [_mib(seen and seen["rss_mib"]), _mib(seen and seen["pss_mib"])]
        rows.append(cells)
    totals = ["total", "", ""]
    for processes in (after_index, at_end):
        totals += [_mib(_total(processes, "rss_mib")), _mib(_total(processes, "pss_mib"))]
    return _table(header, rows + [totals])


# ---------------------------------------------------------------- large database against small

# The scenarios the large database must not slow down, and by how much at most.
LARGE_SMALL_KEY_SCENARIOS = ("index_signed_in", "login_post")
LARGE_SMALL_TOLERANCE = 0.10


def large_small_figures(small, large, small_page_bytes, large_page_bytes):
    """Per scenario measured on both: requests/s and p99 of each, large/small, and for the key
    scenarios whether large is within the tolerance of small (either way: a large database
    faster by more than that means the figures are too noisy to show anything)."""
    scenarios = {}
    for name, small_result in small.items():
        large_result = large.get(name)
        if large_result is None:
            continue
        row = {"small_failed": small_result["failed"], "large_failed": large_result["failed"]}
        for label, result in (("small", small_result), ("large", large_result)):
            if not result["failed"]:
                row[label + "_requests_per_second"] = result["requests_per_second"]
                row[label + "_p99_ms"] = result["latency_us"]["p99"] / 1000
        if "small_requests_per_second" in row and "large_requests_per_second" in row \
                and row["small_requests_per_second"]:
            row["ratio"] = row["large_requests_per_second"] / row["small_requests_per_second"]
        if name in LARGE_SMALL_KEY_SCENARIOS:
            row["within_tolerance"] = ("ratio" in row and
                                       abs(row["ratio"] - 1) <= LARGE_SMALL_TOLERANCE)
        scenarios[name] = row
    key_rows = [scenarios.get(name, {}) for name in LARGE_SMALL_KEY_SCENARIOS]
    return {"scenarios": scenarios, "tolerance": LARGE_SMALL_TOLERANCE,
            "home_page_bytes": {"small": small_page_bytes, "large": large_page_bytes},
            "key_scenarios_within_tolerance": all(row.get("within_tolerance")
                                                  for row in key_rows)}


def large_small_lines(figures):
    tolerance = "%.0f%%" % (100 * figures["tolerance"])
    header = ["scenario", "small req/s", "large req/s", "large/small", "small p99 ms",
              "large p99 ms", "within " + tolerance]
    rows = []
    for name, row in figures["scenarios"].items():
        def cell(key, template):
            return template % row[key] if key in row else "-"

        within = row.get("within_tolerance")
        rows.append([name,
                     "FAILED" if row["small_failed"] else cell("small_requests_per_second", "%.1f"),
                     "FAILED" if row["large_failed"] else cell("large_requests_per_second", "%.1f"),
                     cell("ratio", "%.2fx"), cell("small_p99_ms", "%.1f"),
                     cell("large_p99_ms", "%.1f"),
                     "-" if within is None else ("yes" if within else "NO")])
    pages = figures["home_page_bytes"]
    verdict = "yes" if figures["key_scenarios_within_tolerance"] else "NO"
    return [_table(header, rows),
            "home page: small %d bytes, large %d bytes" % (pages["small"], pages["large"]),
            "%s within %s of small: %s" % (" and ".join(LARGE_SMALL_KEY_SCENARIOS), tolerance,
                                           verdict)]


def write(text_path, json_path, text, figures):
    with open(text_path, "w") as text_file:
        text_file.write(text)
    with open(json_path, "w") as json_file:
        json.dump(figures, json_file, indent=2, sort_keys=True)
        json_file.write("\n")
