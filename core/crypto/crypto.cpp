// Cryptographic primitives over OpenSSL and getrandom(2).
#include "core/crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

namespace microblog {

std::string random_bytes(size_t count) {
    std::string out(count, '\0');
    size_t filled = 0;
    while (filled < count) {
        ssize_t n = getrandom(out.data() + filled, count - filled, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::runtime_error("getrandom failed");
        }
        filled += static_cast<size_t>(n);
    }
    return out;
}

std::string sha256(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    return std::string(reinterpret_cast<char*>(digest), length);
}

std::string hmac_sha256(std::string_view key, std::string_view purpose, std::string_view data) {
    // The purpose and the data are joined with a NUL, which no purpose string contains, so
    // ("a", "bc") and ("ab", "c") never produce the same message.
    std::string message;
    message.reserve(purpose.size() + 1 + data.size());
    message.append(purpose).append(1, '\0').append(data);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
             &length) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<char*>(mac), length);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace microblog
