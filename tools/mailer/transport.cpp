// The two transports. SMTP is libcurl's (its dot-stuffing, TLS and replies), never our own.
#include "tools/mailer/transport.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace microblog::mail {
namespace {

struct Upload {
    const std::string& data;
    size_t sent = 0;
};

size_t read_upload(char* buffer, size_t size, size_t count, void* userdata) {
    auto* upload = static_cast<Upload*>(userdata);
    const size_t room = size * count;
    const size_t left = upload->data.size() - upload->sent;
    const size_t n = left < room ? left : room;
    std::memcpy(buffer, upload->data.data() + upload->sent, n);
    upload->sent += n;
    return n;
}

class SmtpTransport : public Transport {
  public:
    explicit SmtpTransport(const Config& config)
        : config_(config), password_(smtp_password(config)) {
        const bool tls = config.smtp_tls == Config::SmtpTls::kTls;
        const std::string host = config.smtp_host.find(':') == std::string::npos
                                     ? config.smtp_host
                                     : "[" + config.smtp_host + "]";
        url_ = std::string(tls ? "smtps://" : "smtp://") + host + ":" +
               std::to_string(config.smtp_port);
        sender_ = "<" + envelope_address(config.mail_from) + ">";
    }

    Delivery deliver(const OutgoingMail& mail) override {
        CURL* curl = curl_easy_init();
        if (curl == nullptr)
            return {Delivery::Outcome::kRetry, "curl_easy_init failed"};
        const std::string recipient = "<" + mail.recipient + ">";
        curl_slist* recipients = curl_slist_append(nullptr, recipient.c_str());
        char error[CURL_ERROR_SIZE] = "";
        Upload upload{mail.message};
        const long timeout = static_cast<long>(config_.mail_send_timeout_seconds);
        curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, sender_.c_str());
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
        curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(mail.message.size()));
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        // The whole delivery, connection included, ends within the timeout: the claim's lease
        // is twice that, so no other mailer takes the mail while this one may still send it.
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
        if (config_.smtp_tls == Config::SmtpTls::kStartTls)
            curl_easy_setopt(curl, CURLOPT_USE_SSL, long(CURLUSESSL_ALL));
        if (!config_.smtp_user.empty()) {
            curl_easy_setopt(curl, CURLOPT_USERNAME, config_.smtp_user.c_str());
            curl_easy_setopt(curl, CURLOPT_PASSWORD, password_.c_str());
        }
        const CURLcode result = curl_easy_perform(curl);
        long code = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        curl_slist_free_all(recipients);
        curl_easy_cleanup(curl);
        if (result == CURLE_OK && code >= 200 && code < 300)
            return {Delivery::Outcome::kDelivered, ""};
        std::string reason = *error != '\0' ? error : curl_easy_strerror(result);
        if (code != 0)
            reason = "the relay answered " + std::to_string(code) + ": " + reason;
        if (code >= 500 && code < 600)
            return {Delivery::Outcome::kFailed, reason};
        return {Delivery::Outcome::kRetry, reason};
    }

  private:
    const Config& config_;
    std::string password_;
    std::string url_;
    std::string sender_;
};

class FileTransport : public Transport {
  public:
    FileTransport(const Config& config, std::ostream& out) : dir_(config.mail_dir), out_(out) {}

    Delivery deliver(const OutgoingMail& mail) override {
        if (mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
            return {Delivery::Outcome::kRetry, "cannot create " + dir_ + ": " + strerror(errno)};
        const std::string name = std::to_string(std::time(nullptr)) + "-" + mail.id + ".eml";
        const std::string path = dir_ + "/" + name;
        const std::string temporary = dir_ + "/." + name + ".tmp";
        std::string error = write_whole(temporary, mail.message);
        if (error.empty() && rename(temporary.c_str(), path.c_str()) != 0)
            error = "cannot rename " + temporary + ": " + strerror(errno);
        if (!error.empty()) {
            unlink(temporary.c_str());
            return {Delivery::Outcome::kRetry, error};
        }
        std::string lines = "mail to " + mail.recipient + " written to " + path + "\n";
        for (const std::string& link : links_in(mail.message))
            lines += "  link: " + link + "\n";
        out_ << lines << std::flush;
        return {Delivery::Outcome::kDelivered, ""};
    }

  private:
    static std::string write_whole(const std::string& path, const std::string& data) {
        const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
            return "cannot create " + path + ": " + strerror(errno);
        size_t written = 0;
        while (written < data.size()) {
            const ssize_t n = write(fd, data.data() + written, data.size() - written);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                const std::string error = "cannot write " + path + ": " + strerror(errno);
                close(fd);
                return error;
            }
            written += size_t(n);
        }
        // The mail counts as delivered once it is on disk, as a relay's 250 means.
        if (fsync(fd) != 0 || close(fd) != 0)
            return "cannot write " + path + ": " + strerror(errno);
        return "";
    }

    std::string dir_;
    std::ostream& out_;
};

}  // namespace

void init_transports() {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        throw std::runtime_error("curl_global_init failed");
}

std::unique_ptr<Transport> make_transport(const Config& config, std::ostream& out) {
    if (config.mail_transport == Config::MailTransport::kFile)
        return std::make_unique<FileTransport>(config, out);
    return std::make_unique<SmtpTransport>(config);
}

std::string envelope_address(std::string_view mail_from) {
    const size_t open = mail_from.rfind('<');
    const size_t close = mail_from.rfind('>');
    if (open != std::string_view::npos && close != std::string_view::npos && open < close)
        return std::string(mail_from.substr(open + 1, close - open - 1));
    return std::string(mail_from);
}

std::vector<std::string> links_in(std::string_view message) {
    std::vector<std::string> links;
    const size_t body = message.find("\r\n\r\n");
    if (body == std::string_view::npos)
        return links;
    for (size_t start = body + 4; start < message.size();) {
        size_t end = message.find('\n', start);
        if (end == std::string_view::npos)
            end = message.size();
        std::string_view line = message.substr(start, end - start);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.rfind("http://", 0) == 0 || line.rfind("https://", 0) == 0)
            links.emplace_back(line);
        start = end + 1;
    }
    return links;
}

}  // namespace microblog::mail
