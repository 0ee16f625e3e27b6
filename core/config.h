// The application's one configuration file, read once at process start.
#pragma once

#include <string>

namespace microblog {

struct Config {
    std::string db_socket;
    std::string db_name;
    std::string db_user;
    std::string db_password;  // read from db_password_file
    unsigned db_timeout_seconds = 5;
    std::string secret_key;  // read from secret_key_file
    std::string templates_dir;
    unsigned long password_cost = 5;
    unsigned remember_me_days = 30;
    unsigned session_hours = 24;
    bool https = false;
};

// Reads `key = value` lines ('#' starts a comment). Unknown keys, missing required keys, bad
// numbers and secret files readable by others are errors: the process should not start with a
// configuration it half understood. Throws std::runtime_error naming the problem.
Config load_config(const std::string& path);

}  // namespace microblog
