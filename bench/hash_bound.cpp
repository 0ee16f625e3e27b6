// hash-bound: how many password verifications per second this machine manages at a given
// yescrypt cost with one hashing process per core. Every successful POST /login verifies one
// hash, so this is the most sign-ins per second any deployment of the site could reach here;
// make bench reports POST /login as a share of it.
//
// Usage: hash-bound COST PROCESSES SECONDS
// Prints "verifications_per_second N" (the sum over the processes) on stdout.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/accounts/password.h"

namespace {

struct Settings {
    unsigned long cost = 0;
    long processes = 0;
    double seconds = 0;
};

bool parse_settings(int argc, char** argv, Settings& settings) {
    if (argc != 4)
        return false;
    try {
        settings.cost = std::stoul(argv[1]);
        settings.processes = std::stol(argv[2]);
        settings.seconds = std::stod(argv[3]);
    } catch (const std::exception&) {
        return false;
    }
    return settings.cost >= 1 && settings.cost <= 11 && settings.processes >= 1 &&
           settings.processes <= 256 && settings.seconds > 0 && settings.seconds <= 600;
}

// Verifies one stored hash again and again until the time is up; returns verifications per
// second. The password is correct, as in a successful sign-in.
double verifications_per_second(unsigned long cost, double seconds) {
    using Clock = std::chrono::steady_clock;
    const std::string password = "hash-bound-benchmark-password";
    microblog::PasswordHasher hasher(cost);
    const std::string stored_hash = hasher.hash(password);
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    long long count = 0;
    Clock::time_point now = start;
    while (now < deadline) {
        if (!hasher.verify(password, stored_hash))
            throw std::runtime_error("a correct password did not verify");
        ++count;
        now = Clock::now();
    }
    return static_cast<double>(count) / std::chrono::duration<double>(now - start).count();
}

// The child's whole life: measure, send the rate through the pipe, exit without returning
// into the parent's code.
[[noreturn]] void run_child(int write_fd, const Settings& settings) {
    int status = 0;
    try {
        const double rate = verifications_per_second(settings.cost, settings.seconds);
        if (write(write_fd, &rate, sizeof rate) != static_cast<ssize_t>(sizeof rate))
            status = 1;
    } catch (const std::exception& e) {
        std::cerr << "hash-bound: " << e.what() << "\n";
        status = 1;
    }
    _exit(status);
}

struct Child {
    pid_t pid;
    int read_fd;
};

bool start_children(const Settings& settings, std::vector<Child>& children) {
    for (long i = 0; i < settings.processes; ++i) {
        int fds[2];
        if (pipe(fds) != 0) {
            std::perror("hash-bound: pipe");
            return false;
        }
        const pid_t pid = fork();
        if (pid < 0) {
            std::perror("hash-bound: fork");
            return false;
        }
        if (pid == 0) {
            close(fds[0]);
            run_child(fds[1], settings);
        }
        close(fds[1]);
        children.push_back(Child{pid, fds[0]});
    }
    return true;
}

// Collects every child, also after a failure, so none is left behind; false if any failed.
bool collect_children(const std::vector<Child>& children, double& total_rate) {
    bool ok = true;
    for (const Child& child : children) {
        double rate = 0;
        if (read(child.read_fd, &rate, sizeof rate) != static_cast<ssize_t>(sizeof rate))
            ok = false;
        close(child.read_fd);
        int status = 0;
        if (waitpid(child.pid, &status, 0) != child.pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            ok = false;
        total_rate += rate;
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    Settings settings;
    if (!parse_settings(argc, argv, settings)) {
        std::cerr << "usage: hash-bound COST(1-11) PROCESSES(1-256) SECONDS(0-600)\n";
        return 2;
    }
    std::vector<Child> children;
    const bool started = start_children(settings, children);
    double total_rate = 0;
    const bool collected = collect_children(children, total_rate);
    if (!started || !collected) {
        std::cerr << "hash-bound: a measuring process failed\n";
        return 1;
    }
    std::cout << "verifications_per_second " << total_rate << "\n";
    return 0;
}
