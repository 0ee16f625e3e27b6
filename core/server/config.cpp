// Parsing and checking the configuration file.
#include "core/server/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

namespace microblog {
namespace {

// A key shorter than this is guessable in practice; the stack generates 64 hex characters.
constexpr size_t kMinSecretKeyLength = 32;

std::string trim(const std::string& s) {
    size_t begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos)
        return "";
    size_t end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

std::map<std::string, std::string> read_pairs(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read configuration file " + path);
    std::map<std::string, std::string> pairs;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        line = trim(line);
        if (line.empty() || line[0] == '#')
            continue;
        size_t eq = line.find('=');
        if (eq == std::string::npos) {
            throw std::runtime_error(path + ":" + std::to_string(number) +
                                     ": expected key = value");
        }
        std::string key = trim(line.substr(0, eq));
        if (!pairs.emplace(key, trim(line.substr(eq + 1))).second) {
            throw std::runtime_error(path + ":" + std::to_string(number) + ": " + key +
                                     " is set twice");
        }
    }
    return pairs;
}

// Secrets live in their own files so the configuration can be shown without them; a secret
// that others can read is refused rather than used.
std::string read_secret_file(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0)
        throw std::runtime_error("cannot read secret file " + path);
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        throw std::runtime_error("secret file " + path +
                                 " must not be accessible to group or others");
    }
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    if (!in)
        throw std::runtime_error("cannot read secret file " + path);
    return trim(content.str());
}

unsigned long parse_number(const std::string& key, const std::string& value, unsigned long min,
                           unsigned long max) {
    size_t used = 0;
    unsigned long n = 0;
    try {
        n = std::stoul(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != value.size() || !std::isdigit(static_cast<unsigned char>(value[0])) ||
        n < min || n > max) {
        throw std::runtime_error("configuration " + key + " must be a number from " +
                                 std::to_string(min) + " to " + std::to_string(max) + ", not '" +
                                 value + "'");
    }
    return n;
}

// "a, b,c" -> {"a", "b", "c"}: commas or spaces between items, empty items dropped.
std::vector<std::string> split_list(const std::string& value) {
    std::vector<std::string> items;
    std::string item;
    for (char c : value + ",") {
        if (c == ',' || c == ' ' || c == '\t') {
            if (!item.empty())
                items.push_back(item);
            item.clear();
        } else {
            item += c;
        }
    }
    return items;
}

bool parse_bool(const std::string& key, const std::string& value) {
    if (value == "true")
        return true;
    if (value == "false")
        return false;
    throw std::runtime_error("configuration " + key + " must be true or false");
}

template <class Choice>
Choice parse_choice(const std::string& key, const std::string& value,
                    const std::map<std::string, Choice>& choices) {
    auto found = choices.find(value);
    if (found != choices.end())
        return found->second;
    std::string names;
    for (const auto& [name, choice] : choices)
        names += (names.empty() ? "" : ", ") + name;
    throw std::runtime_error("configuration " + key + " must be one of " + names + ", not '" +
                             value + "'");
}

// A header value taken from the configuration must stay one header.
void check_one_line(const std::string& key, const std::string& value) {
    if (value.find_first_of("\r\n") != std::string::npos)
        throw std::runtime_error("configuration " + key + " must be one line");
}

}  // namespace

Config load_config(const std::string& path) {
    Config config;
    using Setter = std::function<void(const std::string&, const std::string&)>;
    const std::map<std::string, Setter> setters = {
        {"db_socket", [&](auto&, auto& v) { config.db_socket = v; }},
        {"db_host", [&](auto&, auto& v) { config.db_hosts = split_list(v); }},
        {"db_tls_ca_file", [&](auto&, auto& v) { config.db_tls_ca_file = v; }},
        {"db_port",
         [&](auto& k, auto& v) { config.db_port = unsigned(parse_number(k, v, 1, 65535)); }},
        {"db_admin_password_file", [&](auto&, auto& v) { config.db_admin_password_file = v; }},
        {"db_name", [&](auto&, auto& v) { config.db_name = v; }},
        {"db_user", [&](auto&, auto& v) { config.db_user = v; }},
        {"db_password_file", [&](auto&, auto& v) { config.db_password = read_secret_file(v); }},
        {"db_timeout_seconds",
         [&](auto& k, auto& v) {
             config.db_timeout_seconds = unsigned(parse_number(k, v, 1, 300));
         }},
        {"secret_key_file", [&](auto&, auto& v) { config.secret_key = read_secret_file(v); }},
        {"previous_secret_key_file",
         [&](auto&, auto& v) {
             if (!v.empty())
                 config.previous_secret_key = read_secret_file(v);
         }},
        {"two_factor_key_file",
         [&](auto&, auto& v) {
             if (!v.empty())
                 config.two_factor_key = read_secret_file(v);
         }},
        {"webauthn_rp_id", [&](auto&, auto& v) { config.webauthn_rp_id = v; }},
        {"webauthn_origin", [&](auto&, auto& v) { config.webauthn_origin = v; }},
        {"templates_dir", [&](auto&, auto& v) { config.templates_dir = v; }},
        {"password_cost",
         [&](auto& k, auto& v) { config.password_cost = parse_number(k, v, 1, 11); }},
        {"remember_me_days",
         [&](auto& k, auto& v) {
             config.remember_me_days = unsigned(parse_number(k, v, 1, 3650));
         }},
        {"session_idle_minutes",
         [&](auto& k, auto& v) {
             config.session_idle_minutes = unsigned(parse_number(k, v, 1, 24 * 60 * 365));
         }},
        {"max_sessions_per_user",
         [&](auto& k, auto& v) {
             config.max_sessions_per_user = unsigned(parse_number(k, v, 1, 10000));
         }},
        {"reauth_minutes",
         [&](auto& k, auto& v) {
             config.reauth_minutes = unsigned(parse_number(k, v, 1, 24 * 60));
         }},
        {"session_hours",
         [&](auto& k, auto& v) {
             config.session_hours = unsigned(parse_number(k, v, 1, 24 * 365));
         }},
        {"https", [&](auto& k, auto& v) { config.https = parse_bool(k, v); }},
        {"workers",
         [&](auto& k, auto& v) { config.workers = unsigned(parse_number(k, v, 0, 256)); }},
        {"socket_dir", [&](auto&, auto& v) { config.socket_dir = v; }},
        {"db_admin_user", [&](auto&, auto& v) { config.db_admin_user = v; }},
        {"site_url", [&](auto&, auto& v) { config.site_url = v; }},
        {"server_name", [&](auto&, auto& v) { config.server_name = v; }},
        {"listen_port",
         [&](auto& k, auto& v) { config.listen_port = unsigned(parse_number(k, v, 1, 65535)); }},
        {"tls_certificate_file", [&](auto&, auto& v) { config.tls_certificate_file = v; }},
        {"tls_key_file", [&](auto&, auto& v) { config.tls_key_file = v; }},
        {"login_rate_per_minute",
         [&](auto& k, auto& v) {
             config.login_rate_per_minute = unsigned(parse_number(k, v, 1, 100000));
         }},
        {"register_rate_per_minute",
         [&](auto& k, auto& v) {
             config.register_rate_per_minute = unsigned(parse_number(k, v, 1, 100000));
         }},
        {"rate_burst",
         [&](auto& k, auto& v) { config.rate_burst = unsigned(parse_number(k, v, 0, 100000)); }},
        {"trusted_proxies", [&](auto&, auto& v) { config.trusted_proxies = v; }},
        {"real_ip_header", [&](auto&, auto& v) { config.real_ip_header = v; }},
        {"throttle_failures",
         [&](auto& k, auto& v) {
             config.throttle_failures = unsigned(parse_number(k, v, 1, 1000));
         }},
        {"throttle_window_minutes",
         [&](auto& k, auto& v) {
             config.throttle_window_minutes = unsigned(parse_number(k, v, 1, 1440));
         }},
        {"throttle_minutes",
         [&](auto& k, auto& v) {
             config.throttle_minutes = unsigned(parse_number(k, v, 1, 1440));
         }},
        {"reset_token_minutes",
         [&](auto& k, auto& v) {
             config.reset_token_minutes = unsigned(parse_number(k, v, 5, 24 * 60));
         }},
        {"mail_per_address_per_hour",
         [&](auto& k, auto& v) {
             config.mail_per_address_per_hour = unsigned(parse_number(k, v, 1, 1000));
         }},
        {"mail_transport",
         [&](auto& k, auto& v) {
             config.mail_transport = parse_choice<Config::MailTransport>(
                 k, v,
                 {{"smtp", Config::MailTransport::kSmtp}, {"file", Config::MailTransport::kFile}});
         }},
        {"mail_dir", [&](auto&, auto& v) { config.mail_dir = v; }},
        {"mail_from", [&](auto&, auto& v) { config.mail_from = v; }},
        {"smtp_host", [&](auto&, auto& v) { config.smtp_host = v; }},
        {"smtp_port",
         [&](auto& k, auto& v) { config.smtp_port = unsigned(parse_number(k, v, 1, 65535)); }},
        {"smtp_tls",
         [&](auto& k, auto& v) {
             config.smtp_tls =
                 parse_choice<Config::SmtpTls>(k, v,
                                               {{"none", Config::SmtpTls::kNone},
                                                {"starttls", Config::SmtpTls::kStartTls},
                                                {"tls", Config::SmtpTls::kTls}});
         }},
        {"smtp_user", [&](auto&, auto& v) { config.smtp_user = v; }},
        {"smtp_password_file", [&](auto&, auto& v) { config.smtp_password_file = v; }},
        {"mail_retry_hours",
         [&](auto& k, auto& v) {
             config.mail_retry_hours = unsigned(parse_number(k, v, 1, 24 * 14));
         }},
        {"mail_retry_seconds",
         [&](auto& k, auto& v) {
             config.mail_retry_seconds = unsigned(parse_number(k, v, 1, 3600));
         }},
        {"mail_send_timeout_seconds",
         [&](auto& k, auto& v) {
             config.mail_send_timeout_seconds = unsigned(parse_number(k, v, 1, 600));
         }},
    };
    for (const auto& [key, value] : read_pairs(path)) {
        auto setter = setters.find(key);
        if (setter == setters.end())
            throw std::runtime_error("unknown configuration key " + key);
        setter->second(key, value);
    }
    if (config.db_socket.empty() && config.db_hosts.empty())
        throw std::runtime_error(
            "configuration needs db_socket (or db_host for a remote database)");
    for (const auto& [key, value] : {std::pair{"db_name", &config.db_name},
                                     {"db_user", &config.db_user},
                                     {"templates_dir", &config.templates_dir}}) {
        if (value->empty())
            throw std::runtime_error(std::string("configuration needs ") + key);
    }
    if (config.secret_key.size() < kMinSecretKeyLength) {
        throw std::runtime_error("configuration needs secret_key_file with at least 32 characters");
    }
    if (!config.previous_secret_key.empty() &&
        config.previous_secret_key.size() < kMinSecretKeyLength) {
        throw std::runtime_error("previous_secret_key_file must hold at least 32 characters");
    }
    if (config.webauthn_rp_id.empty() != config.webauthn_origin.empty())
        throw std::runtime_error("configuration needs both webauthn_rp_id and webauthn_origin");
    if (!config.webauthn_origin.empty() && config.webauthn_origin.rfind("https://", 0) != 0 &&
        config.webauthn_origin.rfind("http://localhost", 0) != 0)
        throw std::runtime_error(
            "webauthn_origin must be https://HOST (or http://localhost:PORT for local runs)");
    if (!config.two_factor_key.empty() && config.two_factor_key.size() < kMinSecretKeyLength)
        throw std::runtime_error("two_factor_key_file must hold at least 32 characters");
    if (config.tls_certificate_file.empty() != config.tls_key_file.empty())
        throw std::runtime_error("configuration needs both tls_certificate_file and tls_key_file");
    if (!config.tls_certificate_file.empty() && !config.https)
        throw std::runtime_error("configuration with tls_certificate_file needs https = true");
    if (config.db_admin_user.empty())
        throw std::runtime_error("configuration db_admin_user must not be empty");
    if (!config.db_tls_ca_file.empty() && config.db_hosts.empty())
        throw std::runtime_error("configuration db_tls_ca_file needs db_host");
    if (!config.db_tls_ca_file.empty() && access(config.db_tls_ca_file.c_str(), R_OK) != 0)
        throw std::runtime_error("cannot read db_tls_ca_file " + config.db_tls_ca_file);
    if (config.mail_transport == Config::MailTransport::kFile && config.mail_dir.empty())
        throw std::runtime_error("configuration mail_transport = file needs mail_dir");
    if (config.mail_from.empty() || config.mail_from.find('@') == std::string::npos)
        throw std::runtime_error("configuration mail_from must hold an address (name@host)");
    check_one_line("mail_from", config.mail_from);
    if (!config.site_url.empty() && config.site_url.rfind("http://", 0) != 0 &&
        config.site_url.rfind("https://", 0) != 0)
        throw std::runtime_error("configuration site_url must start with http:// or https://");
    if (!config.site_url.empty() && config.site_url.back() == '/')
        config.site_url.pop_back();
    return config;
}

std::string smtp_password(const Config& config) {
    if (config.smtp_password_file.empty())
        return "";
    return read_secret_file(config.smtp_password_file);
}

std::string admin_password(const Config& config) {
    if (config.db_admin_password_file.empty())
        return "";
    return read_secret_file(config.db_admin_password_file);
}

unsigned effective_workers(const Config& config) {
    if (config.workers != 0)
        return config.workers;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 2 ? unsigned(cores) : 2;
}

}  // namespace microblog
