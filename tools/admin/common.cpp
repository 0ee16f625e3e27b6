// Messages, the configuration and the migrations folder, shared by the commands.
#include <filesystem>
#include <iostream>

#include "admin.h"

namespace microblog::admin {

void say(const std::string& message) {
    std::cerr << "microblog-admin: " << message << "\n";
}

Config load_configuration(const Invocation& invocation) {
    try {
        return load_config(invocation.config_path);
    } catch (const std::exception& e) {
        std::string message = e.what();
        if (message.find(invocation.config_path) == std::string::npos)
            message = invocation.config_path + ": " + message;
        throw std::runtime_error(message + " (choose the file with --config FILE)");
    }
}

std::string sql_dir(const Invocation& invocation) {
    namespace fs = std::filesystem;
    if (!invocation.sql_dir.empty())
        return invocation.sql_dir;
    // A release ships bin/microblog-admin beside sql/. The build tree has no sql/ there, so the
    // program falls back to the source tree it was built from.
    std::error_code error;
    fs::path program = fs::read_symlink("/proc/self/exe", error);
    if (!error) {
        fs::path release = (program.parent_path() / ".." / "sql").lexically_normal();
        if (fs::is_directory(release, error))
            return release.string();
    }
    return MICROBLOG_SOURCE_SQL_DIR;
}

}  // namespace microblog::admin
