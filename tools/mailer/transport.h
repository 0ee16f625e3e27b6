// How microblog-mailer (and microblog-admin's send-test-mail) hand one message over: to an SMTP
// relay through libcurl, or to a file in mail_dir for a machine without one (make run).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/server/config.h"

namespace microblog::mail {

struct Delivery {
    enum class Outcome {
        kDelivered,  // the relay took it (2xx), or the file was written
        kRetry,      // no answer, or a 4xx: the relay may take it later
        kFailed,     // a 5xx: it never will
    };
    Outcome outcome;
    std::string reason;  // empty when delivered; the relay's answer or the local error
};

struct OutgoingMail {
    std::string id;         // names the file of the file transport
    std::string recipient;  // the envelope's RCPT TO
    std::string message;    // the whole RFC 5322 message
};

class Transport {
  public:
    virtual ~Transport() = default;
    virtual Delivery deliver(const OutgoingMail& mail) = 0;
};

// Call once at the start of the program, before any thread and any transport.
void init_transports();

// The configured transport. The file transport writes its lines for people to `out`.
std::unique_ptr<Transport> make_transport(const Config& config, std::ostream& out);

// The address of "Name <address>" (or the whole text when it has no <>): the envelope sender.
std::string envelope_address(std::string_view mail_from);

// The body lines that start with http:// or https://, as the file transport shows them.
std::vector<std::string> links_in(std::string_view message);

}  // namespace microblog::mail
