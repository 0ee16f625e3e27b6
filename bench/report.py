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


def _of_hash_bound(name, result, hash_bound):
    """A login_post result's share of the hash bound: of the bound measured in its own round(s)
    when it has one, else of the stack's."""
    if "of_hash_bound" in result:
        return "%.1f%%" % (100 * result["of_hash_bound"])
    if name == "login_post" and hash_bound:
        return _percent(result["requests_per_second"], hash_bound)
    return "-"


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
        rows.append([name, "%.1f" % rps, _ms(result["latency_us"]["p50"]),
                     _ms(result["latency_us"]["p99"]), errors,
                     _percent(rps, ceiling_rps) if ceiling_rps else "-",
                     _of_hash_bound(name, result, hash_bound), _other_work(result)])
    return _table(header, rows)


def _rounds(result):
    """The rounds of a scenario measured in several (SCALE=large), else the one result."""
    return result.get("rounds", [result])


def failure_details(label, results):
    lines = []
    for name, result in results.items():
        rounds = _rounds(result)
        for number, one in enumerate(rounds, 1):
            if one["failed"]:
                lines += _failure_lines(
                    label, name if len(rounds) == 1 else "%s round %d" % (name, number), one)
    return "\n".join(lines)


def _failure_lines(label, name, result):
    socket_errors = ", ".join("%s %d" % (kind, count)
                              for kind, count in result["socket_errors"].items() if count)
    if result["requests"] == 0:
        return ["%s %s FAILED: not one answer within the run (socket errors: %s)" % (
            label, name, socket_errors or "none")]
    kinds = ", ".join("%s: %d" % item for item in sorted(result["unexpected_kinds"].items()))
    lines = ["%s %s FAILED: %d requests, %d unexpected answers (%s), socket errors: %s" % (
        label, name, result["requests"], result["unexpected"], kinds or "none",
        socket_errors or "none")]
    if result["first_unexpected"]:
        lines.append("    first unexpected answer: " + result["first_unexpected"][:400])
    return lines


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


def _ratio(small, large):
    """large/small of requests/s, or None when either failed."""
    if small["failed"] or large["failed"] or not small["requests_per_second"]:
        return None
    return large["requests_per_second"] / small["requests_per_second"]


def _hash_bound_rounds(small_rounds, large_rounds):
    """Per round of login_post: the hash bound measured in it and each side's share of it."""
    return [{"hash_bound_per_second": small["hash_bound_per_second"],
             "small_of_hash_bound": small.get("of_hash_bound"),
             "large_of_hash_bound": large.get("of_hash_bound")}
            for small, large in zip(small_rounds, large_rounds)]


def large_small_figures(small, large, small_page_bytes, large_page_bytes):
    """Per scenario measured on both: requests/s and p99 of each (the mean of its rounds),
    large/small of those means and of each round, and for the key scenarios whether large is
    within the tolerance of small (either way: a large database faster by more than that means
    the figures are too noisy to show anything)."""
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
            if "of_hash_bound" in result:
                row[label + "_of_hash_bound"] = result["of_hash_bound"]
        if _ratio(small_result, large_result) is not None:
            row["ratio"] = _ratio(small_result, large_result)
        small_rounds, large_rounds = _rounds(small_result), _rounds(large_result)
        row["round_ratios"] = [_ratio(*pair) for pair in zip(small_rounds, large_rounds)]
        if "hash_bound_per_second" in small_rounds[0]:
            row["hash_bound_rounds"] = _hash_bound_rounds(small_rounds, large_rounds)
        if name in LARGE_SMALL_KEY_SCENARIOS:
            row["within_tolerance"] = ("ratio" in row and
                                       abs(row["ratio"] - 1) <= LARGE_SMALL_TOLERANCE)
        scenarios[name] = row
    key_rows = [scenarios.get(name, {}) for name in LARGE_SMALL_KEY_SCENARIOS]
    return {"scenarios": scenarios, "tolerance": LARGE_SMALL_TOLERANCE,
            "home_page_bytes": {"small": small_page_bytes, "large": large_page_bytes},
            "key_scenarios_within_tolerance": all(row.get("within_tolerance")
                                                  for row in key_rows)}


def _times(ratio):
    return "-" if ratio is None else "%.2fx" % ratio


def _share(share):
    return "-" if share is None else "%.1f%%" % (100 * share)


def _hash_bound_lines(name, row):
    """A login_post row's sides as shares of the hash bound measured in each round."""
    lines = ["%s as a share of the hash bound measured in its round:" % name]
    for number, (bound, ratio) in enumerate(zip(row["hash_bound_rounds"], row["round_ratios"]),
                                            1):
        lines.append("  round %d: hash bound %.1f/s; small %s, large %s; large/small %s" % (
            number, bound["hash_bound_per_second"], _share(bound["small_of_hash_bound"]),
            _share(bound["large_of_hash_bound"]), _times(ratio)))
    lines.append("  mean:    small %s, large %s; large/small %s" % (
        _share(row.get("small_of_hash_bound")), _share(row.get("large_of_hash_bound")),
        _times(row.get("ratio"))))
    return lines


def large_small_lines(figures):
    tolerance = "%.0f%%" % (100 * figures["tolerance"])
    header = ["scenario", "small req/s", "large req/s", "large/small", "per round",
              "small p99 ms", "large p99 ms", "within " + tolerance]
    rows, bound_lines = [], []
    for name, row in figures["scenarios"].items():
        def cell(key, template):
            return template % row[key] if key in row else "-"

        within = row.get("within_tolerance")
        rows.append([name,
                     "FAILED" if row["small_failed"] else cell("small_requests_per_second", "%.1f"),
                     "FAILED" if row["large_failed"] else cell("large_requests_per_second", "%.1f"),
                     cell("ratio", "%.2fx"), " ".join(map(_times, row["round_ratios"])),
                     cell("small_p99_ms", "%.1f"), cell("large_p99_ms", "%.1f"),
                     "-" if within is None else ("yes" if within else "NO")])
        if "hash_bound_rounds" in row:
            bound_lines += _hash_bound_lines(name, row)
    pages = figures["home_page_bytes"]
    verdict = "yes" if figures["key_scenarios_within_tolerance"] else "NO"
    return ([_table(header, rows),
             "req/s and p99 of a scenario measured in rounds are the means of its rounds; "
             "'per round' is each round's large/small"] + bound_lines +
            ["home page: small %d bytes, large %d bytes" % (pages["small"], pages["large"]),
             "%s within %s of small: %s" % (" and ".join(LARGE_SMALL_KEY_SCENARIOS), tolerance,
                                            verdict)])


def write(text_path, json_path, text, figures):
    with open(text_path, "w") as text_file:
        text_file.write(text)
    with open(json_path, "w") as json_file:
        json.dump(figures, json_file, indent=2, sort_keys=True)
        json_file.write("\n")
