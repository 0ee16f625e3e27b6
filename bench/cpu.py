"""Who used the CPUs during a measurement: the machine as a whole, and the processes the bench
itself runs. The difference is other work on the machine, which lowers every figure and makes
comparisons meaningless; the report shows it per scenario."""
import os
import resource
import time

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def machine_ticks():
    """(busy, total) CPU ticks of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return sum(ticks) - idle, sum(ticks)


def _argv_text(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as cmdline:
        return cmdline.read().replace(b"\0", b" ").decode(errors="replace")


def _stat(pid):
    """(parent pid, utime + stime ticks) of a process."""
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def processes_ticks(markers):
    """CPU ticks used so far by the live processes whose command line contains one of the
    markers (folders of our servers), and by their children (nginx's workers)."""
    stats, matching = {}, set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            stats[pid] = _stat(pid)
            if any(marker in _argv_text(pid) for marker in markers):
                matching.add(pid)
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return sum(ticks for pid, (parent, ticks) in stats.items()
               if pid in matching or parent in matching)


def children_ticks():
    """CPU ticks of this program's finished children (wrk, hash-bound)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round((usage.ru_utime + usage.ru_stime) * TICKS_PER_SECOND)


def busy_percent(seconds):
    """How busy the machine is over the next few seconds, in percent of all its CPUs."""
    busy_before, total_before = machine_ticks()
    time.sleep(seconds)
    busy_after, total_after = machine_ticks()
    total = total_after - total_before
    return 100 * (busy_after - busy_before) / total if total else 0.0


def sample(markers):
    """The start of a measurement of other work: see other_work_percent()."""
    busy, total = machine_ticks()
    return busy, total, processes_ticks(markers) + children_ticks()


def other_work_percent(markers, start):
    """The share of all CPU time since `start` that none of our processes (the servers named by
    the markers, wrk) used, in percent."""
    busy_start, total_start, ours_start = start
    busy, total, ours = sample(markers)
    if total == total_start:
        return 0.0
    other = (busy - busy_start) - (ours - ours_start)
    return max(0.0, 100 * other / (total - total_start))
