// main() of every route program: its options, the start-up work done once, then the supervisor.
#include "core/server/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string_view>

#include "core/accounts/account_rules.h"
#include "core/server/log.h"
#include "core/server/supervisor.h"

namespace microblog {
namespace {

struct Options {
    std::string config_path;
    std::string socket_path;  // empty: the socket comes from systemd
    int workers = 0;          // 0: as the configuration says
};

// Digits only: std::stoi would take "5x" as 5 and report "abc" as just "stoi".
int parse_worker_count(const std::string& value) {
    bool digits =
        !value.empty() && value.size() <= 3 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    int count = digits ? std::stoi(value) : 0;
    if (count < 1 || count > 256)
        throw std::runtime_error("--workers must be a number from 1 to 256, not '" + value + "'");
    return count;
}

// The content templates the route renders: its page's, if it has one.
std::vector<std::string> page_templates(const Route& route) {
    if (route.page.content_template.empty())
        return {};
    return {route.page.content_template};
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (i + 1 >= argc)
            throw std::runtime_error("missing value after " + arg);
        std::string value = argv[++i];
        if (arg == "--config") {
            options.config_path = value;
        } else if (arg == "--socket") {
            options.socket_path = value;
        } else if (arg == "--workers") {
            options.workers = parse_worker_count(value);
        } else {
            throw std::runtime_error("unknown option " + arg);
        }
    }
    if (options.config_path.empty())
        throw std::runtime_error("usage: PROGRAM --config FILE [--socket PATH] [--workers N]");
    return options;
}

}  // namespace

int serve_route(int argc, char** argv, const Route& route, unsigned parts,
                const AppMaker& make_app) {
    if (argc == 2 && std::string_view(argv[1]) == "--describe") {
        describe_route(route, parts, std::cout);
        return 0;
    }
    set_log_name(route.name);
    try {
        Options options = parse_options(argc, argv);
        Config config = load_config(options.config_path);
        // Templates are loaded here, once, before the workers fork and share them: a broken
        // one stops the program at start instead of failing every worker's first request.
        std::vector<std::string> mail_templates;
        if (parts & kNeedsOutbox) {
            if (config.site_url.empty())
                throw std::runtime_error("configuration site_url is empty: " + route.name +
                                         " queues mails whose links start with it");
            mail_templates = {kResetMailTemplate, kPasswordChangedMailTemplate};
        }
        Renderer renderer(config.templates_dir, page_templates(route), mail_templates);
        if (parts & kNeedsPasswordPolicy)
            password_policy();
        int workers = options.workers != 0 ? options.workers : int(effective_workers(config));
        int listen_fd = inherited_listening_socket();
        bool own_socket = listen_fd < 0;
        if (own_socket) {
            if (options.socket_path.empty())
                throw std::runtime_error("no --socket given and no socket passed by systemd");
            listen_fd = open_listening_socket(options.socket_path);
        }
        // Workers must never block in accept (see serve_requests); accepted connections are
        // blocking all the same, as accept does not pass the flag on.
        if (fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK) != 0)
            throw std::runtime_error(std::string("cannot set up the socket: ") +
                                     std::strerror(errno));
        log_line("serving " + (own_socket ? options.socket_path : "the socket it was given") +
                 " with " + std::to_string(workers) + " workers");
        supervise(listen_fd, route, make_app, config, renderer, workers);
        close(listen_fd);
        if (own_socket)
            unlink(options.socket_path.c_str());
        log_line("stopped");
        return 0;
    } catch (const std::exception& e) {
        log_line(e.what());
        return 1;
    }
}

}  // namespace microblog
