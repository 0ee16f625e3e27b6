// AES-256-GCM with OpenSSL's EVP interface.
#include "core/crypto/secret_box.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "core/crypto/crypto.h"

namespace microblog {
namespace {
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext new_context() {
    CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    if (!context)
        throw std::runtime_error("EVP_CIPHER_CTX_new failed");
    return context;
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

SecretBox::SecretBox(std::string_view key_material) : key_(sha256(key_material)) {}

std::string SecretBox::seal(std::string_view plaintext, std::string_view owner) const {
    const std::string nonce = random_bytes(kNonceBytes);
    CipherContext context = new_context();
    std::string out = nonce;
    out.resize(kNonceBytes + plaintext.size() + kTagBytes);
    auto* cipher_text = reinterpret_cast<unsigned char*>(out.data() + kNonceBytes);
    int length = 0;
    int final_length = 0;
    if (EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytes(key_), bytes(nonce)) !=
            1 ||
        EVP_EncryptUpdate(context.get(), nullptr, &length, bytes(owner), int(owner.size())) != 1 ||
        EVP_EncryptUpdate(context.get(), cipher_text, &length, bytes(plaintext),
                          int(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(context.get(), cipher_text + length, &final_length) != 1 ||
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, int(kTagBytes),
                            cipher_text + plaintext.size()) != 1)
        throw std::runtime_error("AES-GCM encryption failed");
    return out;
}

std::optional<std::string> SecretBox::open(std::string_view sealed, std::string_view owner) const {
    if (sealed.size() < kNonceBytes + kTagBytes)
        return std::nullopt;
    const std::string_view nonce = sealed.substr(0, kNonceBytes);
    const std::string_view cipher_text =
        sealed.substr(kNonceBytes, sealed.size() - kNonceBytes - kTagBytes);
    std::string tag(sealed.substr(sealed.size() - kTagBytes));
    CipherContext context = new_context();
    std::string plaintext(cipher_text.size(), '\0');
    auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
    int length = 0;
    int final_length = 0;
    if (EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytes(key_), bytes(nonce)) !=
            1 ||
        EVP_DecryptUpdate(context.get(), nullptr, &length, bytes(owner), int(owner.size())) != 1 ||
        EVP_DecryptUpdate(context.get(), out, &length, bytes(cipher_text),
                          int(cipher_text.size())) != 1 ||
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, int(kTagBytes), tag.data()) != 1 ||
        EVP_DecryptFinal_ex(context.get(), out + length, &final_length) != 1)
        return std::nullopt;
    return plaintext;
}

}  // namespace microblog
