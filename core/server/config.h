// The application's one configuration file, read once at process start.
#pragma once

#include <string>
#include <vector>

namespace microblog {

struct Config {
    std::string db_socket;
    // A database on other machines: TCP to these hosts (db_host, comma-separated) at db_port
    // instead of db_socket; the first that answers serves, the next ones when it fails.
    std::vector<std::string> db_hosts;
    unsigned db_port = 3306;
    // TLS to db_hosts, verifying the server's certificate (and its name) against this CA.
    std::string db_tls_ca_file;
    std::string db_name;
    std::string db_user;
    std::string db_password;  // read from db_password_file
    unsigned db_timeout_seconds = 2;
    std::string secret_key;  // read from secret_key_file
    // read from previous_secret_key_file: verifies what it signed, signs nothing (key rotation)
    std::string previous_secret_key;
    // read from two_factor_key_file: encrypts two-factor secrets at rest
    // (core/crypto/secret_box.h). Empty: two-factor sign-in cannot be set up or used (its routes
    // refuse to start).
    std::string two_factor_key;
    // Passkeys (WebAuthn): the relying party's ID (the site's host name, never an IP address)
    // and the exact origin browsers report ("https://example.org"). Both empty: passkeys off.
    std::string webauthn_rp_id;
    std::string webauthn_origin;
    std::string templates_dir;
    unsigned long password_cost = 5;
    unsigned remember_me_days = 30;
    unsigned session_hours = 12;
    // A session without Remember Me ends after this long unused (remembered ones last
    // remember_me_days, used or not).
    unsigned session_idle_minutes = 30;
    // The most sessions one user keeps; signing in once more ends the oldest.
    unsigned max_sessions_per_user = 20;
    // Sudo mode: how long after the password was last entered in a session (signing in counts)
    // its sensitive account pages open without asking for it again.
    unsigned reauth_minutes = 10;
    bool https = false;
    // Worker processes per route program; 0 means one per core, at least two.
    unsigned workers = 0;
    // Folder holding each route's FastCGI socket (ROUTE.sock), for the admin command's check.
    std::string socket_dir;
    // MariaDB account that applies migrations (it may change the schema); it logs in over the
    // socket as the operating-system user of the same name, so no password is stored for it.
    std::string db_admin_user = "root";
    // For a database on another machine only, where socket authentication cannot work: the file
    // holding db_admin_user's password. Read only when the administrator connects
    // (admin_password), so the route programs, which cannot read it, never need it.
    std::string db_admin_password_file;
    // The site's address as nginx serves it on this host, for the admin command's check.
    std::string site_url;
    // How nginx serves the site on a host (deploy/install.sh writes its site from these; the
    // programs do not use them): the server name, the port, and for HTTPS a certificate and key.
    std::string server_name = "_";
    unsigned listen_port = 80;
    std::string tls_certificate_file;
    std::string tls_key_file;

    // Abuse limits. nginx's per-address rate limits for POST /login and /register (requests
    // per minute, and how many may come at once above that rate); the client address comes
    // from real_ip_header only for requests from trusted_proxies (space-separated addresses or
    // CIDR ranges; empty: the connection's own address is the client's).
    unsigned login_rate_per_minute = 10;
    unsigned register_rate_per_minute = 5;
    unsigned rate_burst = 5;
    std::string trusted_proxies;
    std::string real_ip_header = "X-Forwarded-For";
    // Per-account throttling in the database: after throttle_failures failed sign-ins for one
    // username within throttle_window_minutes, its sign-ins are refused for throttle_minutes.
    unsigned throttle_failures = 5;
    unsigned throttle_window_minutes = 15;
    unsigned throttle_minutes = 15;

    // Password reset by email (docs/email.md): how long a reset link works, and how many
    // mails one recipient address is sent per hour (over that, nothing is queued).
    unsigned reset_token_minutes = 30;
    unsigned mail_per_address_per_hour = 3;

    // Mail delivery, by microblog-mailer from the outbox table (docs/email.md). The pages read
    // mail_from (the From header of what they queue) and site_url (the origin of every link).
    enum class MailTransport { kSmtp, kFile };
    MailTransport mail_transport = MailTransport::kSmtp;
    std::string mail_dir;  // the file transport's folder: one RFC 5322 file per message
    std::string mail_from = "Microblog <microblog@localhost>";
    std::string smtp_host = "127.0.0.1";
    unsigned smtp_port = 25;
    enum class SmtpTls { kNone, kStartTls, kTls };
    SmtpTls smtp_tls = SmtpTls::kNone;
    std::string smtp_user;
    // Read only by the mailer (smtp_password), so the page programs never need it.
    std::string smtp_password_file;
    // A mail the relay did not take is tried again, first after mail_retry_seconds, then
    // twice as long each time (at most an hour), until mail_retry_hours after it was queued.
    unsigned mail_retry_hours = 24;
    unsigned mail_retry_seconds = 60;
    // The most one delivery may take; a claimed mail is due again after twice this.
    unsigned mail_send_timeout_seconds = 30;
};

// The administrator's password: the content of db_admin_password_file, or "" without one.
std::string admin_password(const Config& config);

// The SMTP password: the content of smtp_password_file, or "" without one.
std::string smtp_password(const Config& config);

// The worker count `workers` asks for on this machine.
unsigned effective_workers(const Config& config);

// Reads `key = value` lines ('#' starts a comment). Unknown keys, missing required keys, bad
// numbers and secret files readable by others are errors: the process should not start with a
// configuration it half understood. Throws std::runtime_error naming the problem.
Config load_config(const std::string& path);

}  // namespace microblog
