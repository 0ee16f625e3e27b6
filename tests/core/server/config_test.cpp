// Tests for core/config: loading the configuration file and refusing what it does not understand.
#include "core/server/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace microblog {
namespace {

namespace fs = std::filesystem;

const std::string kSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class ConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/microblog-config-test-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
        secret_path_ = write_secret("secret_key", kSecret);
        db_password_path_ = write_secret("db_password", "  db pass word  ");
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write_file(const std::string& name, const std::string& content, mode_t mode) {
        std::string path = dir_ + "/" + name;
        std::ofstream(path) << content;
        EXPECT_EQ(chmod(path.c_str(), mode), 0);
        return path;
    }
    std::string write_secret(const std::string& name, const std::string& content) {
        return write_file(name, content, 0600);
    }

    // Every key, each with a value other than its default.
    std::string full_config() const {
        return "db_socket = /run/mysqld/test.sock\n"
               "db_name = microblog_test\n"
               "db_user = microblog_app\n"
               "db_password_file = " +
               db_password_path_ +
               "\n"
               "db_timeout_seconds = 7\n"
               "secret_key_file = " +
               secret_path_ +
               "\n"
               "templates_dir = /srv/microblog/templates\n"
               "password_cost = 3\n"
               "remember_me_days = 14\n"
               "session_hours = 12\n"
               "https = true\n"
               "workers = 3\n"
               "socket_dir = /run/microblog\n"
               "db_admin_user = schema_owner\n"
               "site_url = http://127.0.0.1:8080\n";
    }
    std::string minimal_config() const {
        return "db_socket = /s\ndb_name = n\ndb_user = u\ntemplates_dir = /t\nsecret_key_file = " +
               secret_path_ + "\n";
    }

    Config load(const std::string& content) {
        return load_config(write_file("microblog.conf", content, 0644));
    }
    // The message of the runtime_error load() throws, or "" when it does not throw.
    std::string load_error(const std::string& content) {
        try {
            load(content);
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return "";
    }

    std::string dir_;
    std::string secret_path_;
    std::string db_password_path_;
};

TEST_F(ConfigTest, LoadsEveryKey) {
    Config config = load(full_config());
    EXPECT_EQ(config.db_socket, "/run/mysqld/test.sock");
    EXPECT_EQ(config.db_name, "microblog_test");
    EXPECT_EQ(config.db_user, "microblog_app");
    EXPECT_EQ(config.db_password, "db pass word");  // the secret file, trimmed
    EXPECT_EQ(config.db_timeout_seconds, 7u);
    EXPECT_EQ(config.secret_key, kSecret);
    EXPECT_EQ(config.templates_dir, "/srv/microblog/templates");
    EXPECT_EQ(config.password_cost, 3ul);
    EXPECT_EQ(config.remember_me_days, 14u);
    EXPECT_EQ(config.session_hours, 12u);
    EXPECT_TRUE(config.https);
    EXPECT_EQ(config.workers, 3u);
    EXPECT_EQ(effective_workers(config), 3u);
    EXPECT_EQ(config.socket_dir, "/run/microblog");
    EXPECT_EQ(config.db_admin_user, "schema_owner");
    EXPECT_EQ(config.site_url, "http://127.0.0.1:8080");
}

TEST_F(ConfigTest, OptionalKeysKeepTheirDefaults) {
    Config config = load(minimal_config());
    EXPECT_EQ(config.db_socket, "/s");
    EXPECT_EQ(config.db_password, "");
    EXPECT_EQ(config.db_timeout_seconds, 2u);
    EXPECT_EQ(config.password_cost, 5ul);
    EXPECT_EQ(config.remember_me_days, 30u);
    EXPECT_EQ(config.session_hours, 12u);
    EXPECT_EQ(config.session_idle_minutes, 30u);
    EXPECT_EQ(config.max_sessions_per_user, 20u);
    EXPECT_EQ(config.reauth_minutes, 10u);
    EXPECT_FALSE(config.https);
    EXPECT_EQ(load(minimal_config() + "https = false\n").https, false);
    EXPECT_EQ(config.workers, 0u);
    EXPECT_EQ(config.db_admin_user, "root");
    EXPECT_EQ(config.socket_dir, "");
    EXPECT_EQ(config.site_url, "");
}

TEST_F(ConfigTest, ReauthMinutesIsAtLeastOneAndAtMostADay) {
    EXPECT_EQ(load(minimal_config() + "reauth_minutes = 1\n").reauth_minutes, 1u);
    EXPECT_EQ(load(minimal_config() + "reauth_minutes = 1440\n").reauth_minutes, 1440u);
    EXPECT_NE(load_error(minimal_config() + "reauth_minutes = 0\n"), "");
    EXPECT_NE(load_error(minimal_config() + "reauth_minutes = 1441\n"), "");
}

TEST_F(ConfigTest, ABadNumberIsReportedWithItsSettingAndValue) {
    EXPECT_EQ(load_error(minimal_config() + "password_cost = abc\n"),
              "configuration password_cost must be a number from 1 to 11, not 'abc'");
    EXPECT_EQ(load_error(minimal_config() + "db_port = 70000\n"),
              "configuration db_port must be a number from 1 to 65535, not '70000'");
    EXPECT_EQ(load_error(minimal_config() + "session_hours = 12h\n"),
              "configuration session_hours must be a number from 1 to 8760, not '12h'");
}

TEST_F(ConfigTest, WorkersZeroMeansOnePerCoreAndAtLeastTwo) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    EXPECT_EQ(effective_workers(load(minimal_config() + "workers = 0\n")),
              unsigned(cores > 2 ? cores : 2));
    EXPECT_EQ(effective_workers(load(minimal_config() + "workers = 1\n")), 1u);
    EXPECT_NE(load_error(minimal_config() + "workers = 257\n"), "");
    EXPECT_NE(load_error(minimal_config() + "db_admin_user =\n"), "");
}

TEST_F(ConfigTest, ARemoteDatabaseTakesHostAndPortInsteadOfTheSocket) {
    std::string content = minimal_config();
    content.erase(0, content.find('\n') + 1);  // no db_socket
    Config config = load(content + "db_host = 10.0.0.7\ndb_port = 3307\n");
    EXPECT_EQ(config.db_hosts, std::vector<std::string>{"10.0.0.7"});
    EXPECT_EQ(config.db_port, 3307u);
    EXPECT_EQ(load(minimal_config()).db_port, 3306u);
    EXPECT_NE(load_error(content).find("db_socket"), std::string::npos);
    EXPECT_NE(load_error(minimal_config() + "db_port = 70000\n"), "");
}

TEST_F(ConfigTest, SeveralDatabaseHostsAreTriedInTheOrderGiven) {
    std::string content = minimal_config();
    content.erase(0, content.find('\n') + 1);  // no db_socket
    Config config = load(content + "db_host = db1.example, 10.0.0.8 ,,10.0.0.9\n");
    EXPECT_EQ(config.db_hosts, (std::vector<std::string>{"db1.example", "10.0.0.8", "10.0.0.9"}));
    EXPECT_NE(load_error(content + "db_host = , ,\n").find("db_socket"), std::string::npos);
}

TEST_F(ConfigTest, TlsToTheDatabaseNeedsAReadableCaAndARemoteHost) {
    std::string content = minimal_config();
    content.erase(0, content.find('\n') + 1);  // no db_socket
    std::string remote = content + "db_host = 10.0.0.7\n";
    EXPECT_EQ(load(remote + "db_tls_ca_file = " + db_password_path_ + "\n").db_tls_ca_file,
              db_password_path_);
    EXPECT_NE(load_error(remote + "db_tls_ca_file = " + dir_ + "/absent.pem\n").find("absent.pem"),
              std::string::npos);
    EXPECT_NE(load_error(minimal_config() + "db_tls_ca_file = " + db_password_path_ + "\n")
                  .find("needs db_host"),
              std::string::npos);
}

TEST_F(ConfigTest, TheAdministratorsPasswordIsReadOnlyWhenAsked) {
    // The route programs load this configuration but cannot read the administrator's file.
    Config config = load(minimal_config() + "db_admin_password_file = " + dir_ + "/absent\n");
    EXPECT_THROW(admin_password(config), std::runtime_error);
    EXPECT_EQ(admin_password(load(minimal_config())), "");
    config = load(minimal_config() + "db_admin_password_file = " + db_password_path_ + "\n");
    EXPECT_EQ(admin_password(config), "db pass word");
}

TEST_F(ConfigTest, SessionLimits) {
    Config config =
        load(minimal_config() + "session_idle_minutes = 5\nmax_sessions_per_user = 3\n");
    EXPECT_EQ(config.session_idle_minutes, 5u);
    EXPECT_EQ(config.max_sessions_per_user, 3u);
    EXPECT_NE(load_error(minimal_config() + "session_idle_minutes = 0\n"), "");
    EXPECT_NE(load_error(minimal_config() + "max_sessions_per_user = 0\n"), "");
}

TEST_F(ConfigTest, AbuseLimits) {
    Config config = load(minimal_config());
    EXPECT_EQ(config.login_rate_per_minute, 10u);
    EXPECT_EQ(config.throttle_failures, 5u);
    EXPECT_EQ(config.trusted_proxies, "");
    config = load(minimal_config() +
                  "login_rate_per_minute = 30\nregister_rate_per_minute = 2\nrate_burst = 0\n"
                  "trusted_proxies = 10.0.0.0/8 192.0.2.1\nreal_ip_header = X-Real-IP\n"
                  "throttle_failures = 3\nthrottle_window_minutes = 5\nthrottle_minutes = 60\n");
    EXPECT_EQ(config.login_rate_per_minute, 30u);
    EXPECT_EQ(config.register_rate_per_minute, 2u);
    EXPECT_EQ(config.rate_burst, 0u);
    EXPECT_EQ(config.trusted_proxies, "10.0.0.0/8 192.0.2.1");
    EXPECT_EQ(config.real_ip_header, "X-Real-IP");
    EXPECT_EQ(config.throttle_failures, 3u);
    EXPECT_EQ(config.throttle_window_minutes, 5u);
    EXPECT_EQ(config.throttle_minutes, 60u);
    EXPECT_NE(load_error(minimal_config() + "throttle_failures = 0\n"), "");
    EXPECT_NE(load_error(minimal_config() + "login_rate_per_minute = 0\n"), "");
}

TEST_F(ConfigTest, SiteSettingsForTheInstaller) {
    Config config = load(minimal_config());
    EXPECT_EQ(config.server_name, "_");
    EXPECT_EQ(config.listen_port, 80u);
    config = load(minimal_config() +
                  "https = true\nserver_name = blog.example.org\nlisten_port = 443\n"
                  "tls_certificate_file = /etc/ssl/c.pem\ntls_key_file = /etc/ssl/k.pem\n");
    EXPECT_EQ(config.server_name, "blog.example.org");
    EXPECT_EQ(config.listen_port, 443u);
    EXPECT_EQ(config.tls_certificate_file, "/etc/ssl/c.pem");
    EXPECT_NE(load_error(minimal_config() + "tls_certificate_file = /c.pem\n"), "");
    EXPECT_NE(load_error(minimal_config() + "tls_certificate_file = /c\ntls_key_file = /k\n"), "")
        << "TLS without https = true";
    EXPECT_NE(load_error(minimal_config() + "listen_port = 0\n"), "");
}

TEST_F(ConfigTest, IgnoresCommentsBlankLinesAndSurroundingSpace) {
    Config config = load(
        "# Microblog configuration\n"
        "\n"
        "   \n"
        "\t# an indented comment\n"
        "db_socket=/s\n"
        "  db_name   =   n  \n"
        "\tdb_user\t=\tu\t\r\n"
        "templates_dir = /t\n"
        "# password_cost = nonsense\n"
        "secret_key_file = " +
        secret_path_ + "\n");
    EXPECT_EQ(config.db_socket, "/s");
    EXPECT_EQ(config.db_name, "n");
    EXPECT_EQ(config.db_user, "u");
    EXPECT_EQ(config.password_cost, 5ul);
}

TEST_F(ConfigTest, ValueMayContainEquals) {
    std::string config = minimal_config();
    config.replace(config.find("db_name = n"), 11, "db_name = a=b");
    EXPECT_EQ(load(config).db_name, "a=b");
}

TEST_F(ConfigTest, RefusesUnknownKey) {
    std::string error = load_error(minimal_config() + "db_hostname = localhost\n");
    EXPECT_NE(error.find("db_hostname"), std::string::npos) << error;
    EXPECT_NE(load_error(minimal_config() + "HTTPS = true\n"), "");
    EXPECT_NE(load_error(minimal_config() + "password cost = 5\n"), "");
}

TEST_F(ConfigTest, RefusesLineWithoutEquals) {
    EXPECT_NE(load_error(minimal_config() + "https\n"), "");
    EXPECT_NE(load_error(minimal_config() + "db_name /x\n"), "");
}

TEST_F(ConfigTest, RefusesMissingRequiredKeys) {
    for (const std::string key : {"db_socket", "db_name", "db_user", "templates_dir"}) {
        std::string content = minimal_config();
        size_t start = content.find(key + " =");
        ASSERT_NE(start, std::string::npos);
        content.erase(start, content.find('\n', start) + 1 - start);
        std::string error = load_error(content);
        EXPECT_NE(error.find(key), std::string::npos) << key << ": " << error;
    }
}

TEST_F(ConfigTest, RefusesEmptyRequiredValue) {
    std::string content = minimal_config();
    content.replace(content.find("db_user = u"), 11, "db_user =");
    EXPECT_NE(load_error(content).find("db_user"), std::string::npos);
}

TEST_F(ConfigTest, RefusesMissingSecretKeyFile) {
    std::string content = "db_socket = /s\ndb_name = n\ndb_user = u\ntemplates_dir = /t\n";
    EXPECT_NE(load_error(content).find("secret_key_file"), std::string::npos);
    EXPECT_NE(load_error(content + "secret_key_file = " + dir_ + "/does-not-exist\n"), "");
}

TEST_F(ConfigTest, RefusesBadNumbers) {
    for (const std::string value :
         {"abc", "", "5x", "x5", "5 5", "-1", "1.5", "0x5", "5e1", "99999999999999999999999"}) {
        EXPECT_NE(load_error(minimal_config() + "password_cost = " + value + "\n"), "")
            << "password_cost = " << value;
    }
}

TEST_F(ConfigTest, RefusesSignedNumbers) {
    EXPECT_NE(load_error(minimal_config() + "password_cost = +5\n"), "");
    EXPECT_NE(load_error(minimal_config() + "password_cost = -5\n"), "");
}

TEST_F(ConfigTest, RefusesAKeySetTwice) {
    std::string message = load_error(minimal_config() + "db_name = other\n");
    EXPECT_NE(message.find("db_name is set twice"), std::string::npos) << message;
}

TEST_F(ConfigTest, RefusesNumbersOutOfRange) {
    EXPECT_NE(load_error(minimal_config() + "password_cost = 0\n"), "");
    EXPECT_NE(load_error(minimal_config() + "password_cost = 12\n"), "");
    EXPECT_EQ(load(minimal_config() + "password_cost = 1\n").password_cost, 1ul);
    EXPECT_EQ(load(minimal_config() + "password_cost = 11\n").password_cost, 11ul);
    EXPECT_NE(load_error(minimal_config() + "db_timeout_seconds = 0\n"), "");
    EXPECT_NE(load_error(minimal_config() + "db_timeout_seconds = 301\n"), "");
    EXPECT_EQ(load(minimal_config() + "db_timeout_seconds = 300\n").db_timeout_seconds, 300u);
    EXPECT_NE(load_error(minimal_config() + "remember_me_days = 0\n"), "");
    EXPECT_NE(load_error(minimal_config() + "remember_me_days = 3651\n"), "");
    EXPECT_NE(load_error(minimal_config() + "session_hours = 0\n"), "");
    EXPECT_NE(load_error(minimal_config() + "session_hours = 8761\n"), "");
    EXPECT_EQ(load(minimal_config() + "session_hours = 8760\n").session_hours, 8760u);
    // Larger than unsigned int: must be refused, not wrapped into range.
    EXPECT_NE(load_error(minimal_config() + "session_hours = 4294967297\n"), "");
}

TEST_F(ConfigTest, RefusesSecretFileReadableByOthers) {
    for (mode_t mode : {0644, 0640, 0604, 0620, 0602}) {
        ASSERT_EQ(chmod(secret_path_.c_str(), mode), 0);
        std::string error = load_error(minimal_config());
        EXPECT_NE(error.find(secret_path_), std::string::npos) << std::oct << mode << ": " << error;
    }
    ASSERT_EQ(chmod(secret_path_.c_str(), 0400), 0);
    EXPECT_EQ(load(minimal_config()).secret_key, kSecret);
}

TEST_F(ConfigTest, RefusesDbPasswordFileReadableByOthers) {
    ASSERT_EQ(chmod(db_password_path_.c_str(), 0644), 0);
    EXPECT_NE(load_error(minimal_config() + "db_password_file = " + db_password_path_ + "\n"), "");
}

TEST_F(ConfigTest, RefusesShortSecret) {
    std::string short_secret = write_secret("short", std::string(31, 'a'));
    std::string content = "db_socket = /s\ndb_name = n\ndb_user = u\ntemplates_dir = /t\n";
    EXPECT_NE(load_error(content + "secret_key_file = " + short_secret + "\n"), "");
    // Spaces around it do not count.
    std::string padded = write_secret("padded", "   " + std::string(31, 'a') + "   ");
    EXPECT_NE(load_error(content + "secret_key_file = " + padded + "\n"), "");
    std::string enough = write_secret("enough", std::string(32, 'a'));
    EXPECT_EQ(load(content + "secret_key_file = " + enough + "\n").secret_key,
              std::string(32, 'a'));
}

TEST_F(ConfigTest, PreviousSecretKeyIsOptionalAndChecked) {
    EXPECT_EQ(load(minimal_config()).previous_secret_key, "");
    EXPECT_EQ(load(minimal_config() + "previous_secret_key_file =\n").previous_secret_key, "");
    std::string previous = write_secret("previous", std::string(40, 'p'));
    EXPECT_EQ(load(minimal_config() + "previous_secret_key_file = " + previous + "\n")
                  .previous_secret_key,
              std::string(40, 'p'));
    std::string short_previous = write_secret("short_previous", std::string(31, 'p'));
    EXPECT_NE(load_error(minimal_config() + "previous_secret_key_file = " + short_previous + "\n"),
              "");
    EXPECT_NE(load_error(minimal_config() + "previous_secret_key_file = " + dir_ + "/missing\n"),
              "");
}

TEST_F(ConfigTest, TwoFactorKeyIsOptionalAndChecked) {
    EXPECT_EQ(load(minimal_config()).two_factor_key, "");
    EXPECT_EQ(load(minimal_config() + "two_factor_key_file =\n").two_factor_key, "");
    std::string key = write_secret("two_factor", std::string(64, 't'));
    EXPECT_EQ(load(minimal_config() + "two_factor_key_file = " + key + "\n").two_factor_key,
              std::string(64, 't'));
    std::string short_key = write_secret("short_two_factor", std::string(31, 't'));
    EXPECT_NE(load_error(minimal_config() + "two_factor_key_file = " + short_key + "\n"), "");
    EXPECT_NE(load_error(minimal_config() + "two_factor_key_file = " + dir_ + "/missing\n"), "");
}

TEST_F(ConfigTest, PasskeysNeedBothRpIdAndAnOriginBrowsersAllow) {
    Config off = load(minimal_config());
    EXPECT_EQ(off.webauthn_rp_id, "");
    EXPECT_EQ(off.webauthn_origin, "");
    Config on = load(minimal_config() +
                     "webauthn_rp_id = example.org\nwebauthn_origin = https://example.org\n");
    EXPECT_EQ(on.webauthn_rp_id, "example.org");
    EXPECT_EQ(on.webauthn_origin, "https://example.org");
    EXPECT_EQ(load(minimal_config() +
                   "webauthn_rp_id = localhost\nwebauthn_origin = http://localhost:8080\n")
                  .webauthn_origin,
              "http://localhost:8080");
    EXPECT_NE(load_error(minimal_config() + "webauthn_rp_id = example.org\n"), "");
    EXPECT_NE(load_error(minimal_config() + "webauthn_origin = https://example.org\n"), "");
    EXPECT_NE(load_error(minimal_config() +
                         "webauthn_rp_id = example.org\nwebauthn_origin = http://example.org\n"),
              "");
}

TEST_F(ConfigTest, SecretFilesTrailingNewlineIsNotPartOfTheSecret) {
    // `openssl rand -hex 32 > file`, `echo` and editors all end the file with a newline.
    std::string secret = write_secret("secret_nl", kSecret + "\n");
    std::string password = write_secret("password_nl", "db-password\r\n");
    Config config = load(
        "db_socket = /s\ndb_name = n\ndb_user = u\ntemplates_dir = /t\n"
        "secret_key_file = " +
        secret + "\ndb_password_file = " + password + "\n");
    EXPECT_EQ(config.secret_key, kSecret);
    EXPECT_EQ(config.db_password, "db-password");
}

TEST_F(ConfigTest, ShortSecretWithTrailingNewlineIsRefused) {
    // 31 characters and a newline: still a 31-character secret.
    std::string short_secret = write_secret("short_nl", std::string(31, 'a') + "\n");
    std::string content = "db_socket = /s\ndb_name = n\ndb_user = u\ntemplates_dir = /t\n";
    EXPECT_NE(load_error(content + "secret_key_file = " + short_secret + "\n"), "");
}

TEST_F(ConfigTest, HttpsMustBeTrueOrFalse) {
    for (const std::string value : {"yes", "no", "1", "0", "TRUE", "on", ""}) {
        EXPECT_NE(load_error(minimal_config() + "https = " + value + "\n"), "")
            << "https = " << value;
    }
}

TEST_F(ConfigTest, RefusesMissingFile) {
    EXPECT_THROW(load_config(dir_ + "/nope.conf"), std::runtime_error);
}

TEST_F(ConfigTest, MailSettingsHaveTheDocumentedDefaults) {
    Config config = load(minimal_config());
    EXPECT_EQ(config.reset_token_minutes, 30u);
    EXPECT_EQ(config.mail_per_address_per_hour, 3u);
    EXPECT_EQ(config.mail_transport, Config::MailTransport::kSmtp);
    EXPECT_EQ(config.smtp_host, "127.0.0.1");
    EXPECT_EQ(config.smtp_port, 25u);
    EXPECT_EQ(config.smtp_tls, Config::SmtpTls::kNone);
    EXPECT_EQ(config.mail_retry_hours, 24u);
    EXPECT_EQ(config.mail_retry_seconds, 60u);
    EXPECT_EQ(config.mail_send_timeout_seconds, 30u);
    EXPECT_EQ(smtp_password(config), "");
}

TEST_F(ConfigTest, MailSettingsAreRead) {
    Config config = load(minimal_config() +
                         "reset_token_minutes = 15\nmail_per_address_per_hour = 5\n"
                         "mail_transport = file\nmail_dir = /var/mail/microblog\n"
                         "mail_from = Blog <blog@example.org>\nsmtp_host = relay.example.org\n"
                         "smtp_port = 587\nsmtp_tls = starttls\nsmtp_user = blog\n"
                         "smtp_password_file = " +
                         db_password_path_ +
                         "\nmail_retry_hours = 48\nmail_retry_seconds = 5\n"
                         "mail_send_timeout_seconds = 10\n");
    EXPECT_EQ(config.reset_token_minutes, 15u);
    EXPECT_EQ(config.mail_per_address_per_hour, 5u);
    EXPECT_EQ(config.mail_transport, Config::MailTransport::kFile);
    EXPECT_EQ(config.mail_dir, "/var/mail/microblog");
    EXPECT_EQ(config.mail_from, "Blog <blog@example.org>");
    EXPECT_EQ(config.smtp_host, "relay.example.org");
    EXPECT_EQ(config.smtp_port, 587u);
    EXPECT_EQ(config.smtp_tls, Config::SmtpTls::kStartTls);
    EXPECT_EQ(config.smtp_user, "blog");
    EXPECT_EQ(smtp_password(config), "db pass word");
    EXPECT_EQ(config.mail_retry_hours, 48u);
    EXPECT_EQ(config.mail_retry_seconds, 5u);
    EXPECT_EQ(config.mail_send_timeout_seconds, 10u);
    EXPECT_EQ(load(minimal_config() + "smtp_tls = tls\n").smtp_tls, Config::SmtpTls::kTls);
}

TEST_F(ConfigTest, BadMailSettingsAreRefusedByName) {
    EXPECT_NE(load_error(minimal_config() + "mail_transport = carrier-pigeon\n")
                  .find("mail_transport must be one of"),
              std::string::npos);
    EXPECT_NE(load_error(minimal_config() + "smtp_tls = yes\n").find("smtp_tls"),
              std::string::npos);
    EXPECT_NE(load_error(minimal_config() + "mail_transport = file\n").find("mail_dir"),
              std::string::npos);
    EXPECT_NE(load_error(minimal_config() + "mail_from = nobody\n").find("mail_from"),
              std::string::npos);
    EXPECT_NE(load_error(minimal_config() + "reset_token_minutes = 1\n"), "");
    EXPECT_NE(load_error(minimal_config() + "site_url = ftp://example.org\n").find("site_url"),
              std::string::npos);
}

TEST_F(ConfigTest, SiteUrlLosesItsTrailingSlash) {
    // Links are built as site_url + "/path".
    EXPECT_EQ(load(minimal_config() + "site_url = https://blog.example.org/\n").site_url,
              "https://blog.example.org");
}

TEST_F(ConfigTest, TheSmtpPasswordIsReadOnlyWhenAsked) {
    // The page programs load this configuration but cannot read the mailer's password file.
    Config config = load(minimal_config() + "smtp_password_file = " + dir_ + "/absent\n");
    EXPECT_THROW(smtp_password(config), std::runtime_error);
}

}  // namespace
}  // namespace microblog
