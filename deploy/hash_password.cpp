// hash-password: reads a password on stdin and prints its crypt hash, made exactly as the site
// makes them (yescrypt at the given cost). Used to seed accounts and by operators.
#include <iostream>
#include <iterator>
#include <string>

#include "core/password.h"

int main(int argc, char** argv) {
    unsigned long cost = 5;
    if (argc == 2)
        cost = std::stoul(argv[1]);
    if (argc > 2 || cost < 1 || cost > 11) {
        std::cerr << "usage: hash-password [YESCRYPT_COST 1-11] < password\n";
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
