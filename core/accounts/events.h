// Security events, one line each on the programs' log (stderr: journald on a host,
// var/log/ROUTE.log locally), in a form fail2ban can read (deploy/fail2ban/microblog.conf):
//   login failed user="NAME" ip=ADDRESS
//   login throttled user="NAME" ip=ADDRESS
//   login ok user="NAME" ip=ADDRESS
//   logout user="NAME" ip=ADDRESS
//   confirm ok|failed|throttled user="NAME" ip=ADDRESS          (sudo mode, cgi-bin/confirm.cpp)
//   password change ok|failed|throttled user="NAME" ip=ADDRESS  (the current password checked)
//   password changed, N other sessions ended user="NAME" ip=ADDRESS
//   session ended user="NAME" ip=ADDRESS
//   other sessions ended (N) user="NAME" ip=ADDRESS
//   login password ok, code needed user="NAME" ip=ADDRESS    (two-factor: the code is next)
//   login code failed|reused|throttled user="NAME" ip=ADDRESS
//   two-factor setup started|enabled|enable failed|disabled|disable failed user=... ip=...
//   recovery codes replaced user="NAME" ip=ADDRESS
//   two-factor reset user="NAME" by=microblog-admin
//   password changed user="NAME" by=microblog-admin
// Never a password or a token. Names are client input, so they are always quoted with
// escapes: no name can end the quotes, add a field or start another line.
#pragma once

#include <string>
#include <string_view>

namespace microblog {

// `text` in double quotes; '"' and '\' escaped with '\', control bytes (C0, DEL) and the
// characters that some readers take for line breaks (C1 controls, U+2028, U+2029) as \xHH or
// \uHHHH. Bytes of invalid UTF-8 are written as \xHH too.
std::string quoted_for_log(std::string_view text);

// An address as given (nginx's REMOTE_ADDR) when it is made only of letters, digits, '.', ':'
// and '-'; "-" when empty; otherwise quoted like a name, so it cannot forge a field either.
std::string address_for_log(std::string_view address);

// Logs "EVENT user="USER" ip=ADDRESS".
void log_account_event(std::string_view event, std::string_view user, std::string_view address);

}  // namespace microblog
