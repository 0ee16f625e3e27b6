// The reset link's path: whatever comes in, a token read from it is 32 bytes whose path is
// exactly the input, so no two paths open one token.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/accounts/reset_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string path(reinterpret_cast<const char*>(data), size);
    std::optional<std::string> token = microblog::reset_token_from_path(path);
    if (!token)
        return 0;
    if (token->size() != microblog::kResetTokenBytes || microblog::reset_path(*token) != path)
        std::abort();
    return 0;
}
