// One line per event on stderr, prefixed with the program and process id; the stack's runner
// sends each program's stderr to its own file under var/log/.
#pragma once

#include <string_view>

namespace microblog {

void set_log_name(std::string_view program_name);
void log_line(std::string_view message);

}  // namespace microblog
