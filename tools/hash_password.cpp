// hash-password: reads a password on stdin and prints its crypt hash, made exactly as the site
// makes them (yescrypt at the given cost). Used to seed accounts and by operators.
#include <iostream>
#include <iterator>
#include <string>

#include "core/accounts/password.h"

namespace {

constexpr const char* kUsage = "usage: hash-password [YESCRYPT_COST 1-11] < password\n";

// 1 to 11 from "1" to "11" exactly; 0 for anything else (std::stoul would take "5x" as 5).
unsigned long cost_of(const std::string& text) {
    if (text.empty() || text.size() > 2 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        return 0;
    unsigned long cost = std::stoul(text);
    return cost >= 1 && cost <= 11 ? cost : 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 2) {
        std::cerr << kUsage;
        return 2;
    }
    unsigned long cost = argc == 2 ? cost_of(argv[1]) : 5;
    if (cost == 0) {
        std::cerr << "hash-password: not a cost from 1 to 11: '" << argv[1] << "'\n" << kUsage;
        return 2;
    }
    std::string password((std::istreambuf_iterator<char>(std::cin)),
                         std::istreambuf_iterator<char>());
    if (!password.empty() && password.back() == '\n')
        password.pop_back();
    try {
        std::cout << microblog::PasswordHasher(cost).hash(password) << "\n";
    } catch (const std::exception& e) {
        std::cerr << "hash-password: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
