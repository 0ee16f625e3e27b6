// Reading passwords and confirmations. A password is never an argument, where other users
// could read it in the process list and the shell would keep it in its history.
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <optional>

#include "admin.h"

namespace microblog::admin {
namespace {

// Longer lines are not passwords the rules accept (1024 bytes) anyway; the cap keeps a runaway
// pipe from filling memory.
constexpr size_t kMaxLineBytes = 4096;

// The terminal as it was, for the signal handler to put back.
struct termios saved_terminal;

extern "C" void restore_terminal_and_die(int sig) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
    signal(sig, SIG_DFL);
    raise(sig);
}

// Echo is off while it lives. Ctrl-C in the middle of a prompt would otherwise leave the shell
// with a terminal that shows nothing typed.
class EchoOff {
  public:
    EchoOff() {
        if (tcgetattr(STDIN_FILENO, &saved_terminal) != 0)
            throw std::runtime_error(std::string("cannot read the terminal's settings: ") +
                                     std::strerror(errno));
        struct sigaction action {};
        action.sa_handler = restore_terminal_and_die;
        sigemptyset(&action.sa_mask);
        for (size_t i = 0; i < kSignals.size(); ++i)
            sigaction(kSignals[i], &action, &previous_[i]);
        struct termios quiet = saved_terminal;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        // TCSAFLUSH drops anything typed ahead, so it cannot become part of the password.
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    ~EchoOff() {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
        for (size_t i = 0; i < kSignals.size(); ++i)
            sigaction(kSignals[i], &previous_[i], nullptr);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

  private:
    static constexpr std::array<int, 4> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    std::array<struct sigaction, 4> previous_{};
};

// One line of standard input without its newline, read a byte at a time so that nothing after
// it is consumed; nothing at end of input.
std::optional<std::string> read_line() {
    std::string line;
    char c;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw std::runtime_error(std::string("cannot read standard input: ") +
                                     std::strerror(errno));
        if (n == 0)
            return line.empty() ? std::nullopt : std::optional(line);
        if (c == '\n')
            return line;
        if (line.size() == kMaxLineBytes)
            throw std::runtime_error("the line read is longer than " +
                                     std::to_string(kMaxLineBytes) + " bytes");
        line += c;
    }
}

std::string ask_quietly(const std::string& prompt) {
    std::cerr << prompt << std::flush;
    std::optional<std::string> line = read_line();
    // The newline typed was not echoed either.
    std::cerr << "\n";
    if (!line)
        throw std::runtime_error("no password typed; nothing was changed");
    return *line;
}

}  // namespace

std::pair<std::string, std::string> read_new_password(const std::string& username) {
    if (!isatty(STDIN_FILENO)) {
        std::optional<std::string> line = read_line();
        if (!line)
            throw std::runtime_error(
                "standard input is empty; pipe the password to it as one line");
        return {*line, *line};
    }
    EchoOff quiet;
    std::string first = ask_quietly("New password for " + username + ": ");
    std::string second = ask_quietly("The same password again: ");
    return {first, second};
}

bool confirm(const std::string& question) {
    std::cerr << question << " [yes/no] " << std::flush;
    std::optional<std::string> answer = read_line();
    return answer && (*answer == "yes" || *answer == "y");
}

}  // namespace microblog::admin
