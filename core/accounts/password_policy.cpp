// The password policy: the username check is libpwquality's; the guessability check is ours,
// with the word list of Debian's cracklib-runtime (cracklib's own check refuses random hex and
// digit strings: it counts neighbouring characters such as "ab" or "43" anywhere in a
// password, which small alphabets produce by chance; docs/security.md). Everything is plain
// memory once made, so one PasswordPolicy made before a program forks serves every worker.
#include "core/accounts/password_policy.h"

#include <pwquality.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <new>
#include <stdexcept>

#include "core/http/utf8.h"

namespace microblog {
namespace {

// Costs in bits (log2 of the guesses an attacker needs for a piece).
const double kDigitBits = std::log2(10.0);
const double kLetterBits = std::log2(26.0);
const double kSymbolBits = std::log2(33.0);  // the other printable ASCII characters, space too
constexpr double kNonAsciiBits = 10.0;       // one of about a thousand common characters
const double kYearBits = std::log2(200.0);
constexpr size_t kShortestPattern = 3;  // sequences, walks, repeats and words
constexpr size_t kLongestWord = 64;

void set(pwquality_settings_t* settings, int setting, int value) {
    if (pwquality_set_int_value(settings, setting, value) != 0)
        throw std::runtime_error("libpwquality refused setting " + std::to_string(setting));
}

bool is_lower(char c) {
    return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
char to_lower(char c) {
    return is_upper(c) ? char(c - 'A' + 'a') : c;
}

// The characters people write for letters ("p@ssw0rd"), each read as its letter.
bool is_substitute(char c) {
    return std::strchr("0134@5$7!", c) != nullptr && c != '\0';
}

// Lowercase, with substitutes read as letters, and "l" as "i" (both are written "1"). Words
// and passwords are compared in this form.
char normalised(char c) {
    switch (c) {
        case '0':
            return 'o';
        case '1':
        case '!':
        case 'l':
        case 'L':
            return 'i';
        case '3':
            return 'e';
        case '4':
        case '@':
            return 'a';
        case '5':
        case '$':
            return 's';
        case '7':
            return 't';
        default:
            return to_lower(c);
    }
}

std::string normalised(std::string_view text) {
    std::string result(text);
    for (char& c : result)
        c = normalised(c);
    return result;
}

double character_bits(char c) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80)  // UTF-8: the lead byte counts for the character, continuations nothing
        return byte >= 0xc0 ? kNonAsciiBits : 0.0;
    if (is_digit(c))
        return kDigitBits;
    if (is_lower(c) || is_upper(c))
        return kLetterBits;
    return kSymbolBits;
}

// How many runs of `length` characters there are: up or down the alphabet or the digits.
double sequence_bits(size_t length) {
    double runs =
        2.0 * (26 - double(length) + 1) + (length <= 10 ? 2.0 * (10 - double(length) + 1) : 0);
    return std::log2(runs);
}

// Whether `text` has a year from 1900 to 2099 at `start` (people add birth years and this year).
bool is_year(std::string_view text, size_t start) {
    if (start + 4 > text.size())
        return false;
    std::string_view year = text.substr(start, 4);
    return std::all_of(year.begin(), year.end(), is_digit) &&
           (year.substr(0, 2) == "19" || year.substr(0, 2) == "20");
}

// The end of the run of `text[start]` repeated (case-sensitive).
size_t repeat_end(std::string_view text, size_t start) {
    size_t end = start + 1;
    while (end < text.size() && text[end] == text[start])
        ++end;
    return end;
}

// The end of the run from `start` whose characters go up, or down, by one: "abc", "4321", "XyZ".
size_t sequence_end(std::string_view text, size_t start) {
    auto in_class = [](char c) { return is_lower(to_lower(c)) || is_digit(c); };
    if (start + 1 >= text.size() || !in_class(text[start]))
        return start + 1;
    int step = to_lower(text[start + 1]) - to_lower(text[start]);
    if (step != 1 && step != -1)
        return start + 1;
    size_t end = start + 1;
    while (end < text.size() && in_class(text[end]) &&
           to_lower(text[end]) - to_lower(text[end - 1]) == step)
        ++end;
    return end;
}

// A US QWERTY keyboard as rows of unshifted keys; each row starts half a key to the right of
// the one above, so key (row, column) touches (row + 1, column) and (row + 1, column - 1).
const char* const kKeyRows[] = {"1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./"};
const char* const kShiftedRows[] = {"!@#$%^&*()_+", "QWERTYUIOP{}|", "ASDFGHJKL:\"", "ZXCVBNM<>?"};
constexpr int kKeyRowCount = 4;

// A key's neighbours in a straight line: along the row, and both ways on the two diagonals
// the staggered rows make (1qaz and zse4).
constexpr int kDirections[][2] = {{0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, -1}, {-1, 1}};

bool on_keyboard(int row, int column) {
    return row >= 0 && row < kKeyRowCount && column >= 0 &&
           column < int(std::strlen(kKeyRows[row]));
}

// How many straight walks of `length` keys the keyboard has (unshifted), counted once.
double walk_bits(size_t length) {
    static const std::vector<size_t> walks = [] {
        std::vector<size_t> count(kKeyRowCount * 16, 0);
        for (int row = 0; row < kKeyRowCount; ++row) {
            for (int column = 0; on_keyboard(row, column); ++column) {
                for (const auto& step : kDirections) {
                    size_t keys = 1;
                    while (on_keyboard(row + int(keys) * step[0], column + int(keys) * step[1]))
                        ++count[++keys];
                }
            }
        }
        return count;
    }();
    return std::log2(double(walks.at(length)));
}

struct Key {
    int row = -1;
    int column = -1;
    bool shifted = false;
};

Key key_of(char c) {
    for (int row = 0; row < kKeyRowCount; ++row) {
        if (const char* at = std::strchr(kKeyRows[row], c); at != nullptr && c != '\0')
            return {row, int(at - kKeyRows[row]), false};
        if (const char* at = std::strchr(kShiftedRows[row], c); at != nullptr && c != '\0')
            return {row, int(at - kShiftedRows[row]), true};
    }
    return {};
}

// The end of the straight walk from `start` (keys in one line: "qwer", "1qaz", "zse4", "poiu"),
// and whether any of its keys is shifted.
size_t walk_end(std::string_view text, size_t start, bool& shifted) {
    Key first = key_of(text[start]);
    shifted = first.shifted;
    if (first.row < 0 || start + 1 >= text.size())
        return start + 1;
    Key second = key_of(text[start + 1]);
    int row_step = second.row - first.row;
    int column_step = second.column - first.column;
    bool neighbours =
        std::any_of(std::begin(kDirections), std::end(kDirections),
                    [&](const int* step) { return step[0] == row_step && step[1] == column_step; });
    if (second.row < 0 || !neighbours)
        return start + 1;
    size_t end = start + 1;
    for (Key previous = first; end < text.size(); ++end) {
        Key next = key_of(text[end]);
        if (next.row < 0 || next.row != previous.row + row_step ||
            next.column != previous.column + column_step)
            break;
        shifted = shifted || next.shifted;
        previous = next;
    }
    return end;
}

void relax(std::vector<double>& cheapest, size_t start, size_t end, double bits) {
    cheapest[end] = std::min(cheapest[end], cheapest[start] + bits);
}

// Every prefix of at least kShortestPattern characters of a run is a piece of its own.
template <typename Cost>
void relax_runs(std::vector<double>& cheapest, size_t start, size_t run_end, Cost cost) {
    for (size_t end = start + kShortestPattern; end <= run_end; ++end)
        relax(cheapest, start, end, cost(end - start));
}

std::vector<std::string> load_words(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("the password word list " + path +
                                 " is missing or unreadable: install Debian's cracklib-runtime "
                                 "package, which provides it");
    }
    std::vector<std::string> words;
    for (std::string line; std::getline(in, line);) {
        line.erase(line.find_last_not_of(" \t\r") + 1);
        if (line.size() >= kShortestPattern && line.size() <= kLongestWord)
            words.push_back(normalised(line));
    }
    if (in.bad())
        throw std::runtime_error("the password word list " + path + " cannot be read");
    return words;
}

}  // namespace

PasswordPolicy::SortedWords::SortedWords(std::vector<std::string> words) {
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    size_ = words.size();
    std::string_view previous;
    for (size_t index = 0; index < words.size(); ++index) {
        const std::string& word = words[index];  // at most kLongestWord: a length is one byte
        size_t shared = 0;
        if (index % kBlockSize == 0)
            blocks_.push_back(static_cast<uint32_t>(text_.size()));
        else
            while (shared < word.size() && shared < previous.size() &&
                   word[shared] == previous[shared])
                ++shared;
        text_ += static_cast<char>(shared);
        text_ += static_cast<char>(word.size() - shared);
        text_.append(word, shared);
        previous = word;
    }
    text_.shrink_to_fit();
    blocks_.shrink_to_fit();
}

std::string_view PasswordPolicy::SortedWords::first_word(size_t block) const {
    size_t at = blocks_[block];
    return std::string_view(text_).substr(at + 2, static_cast<unsigned char>(text_[at + 1]));
}

std::optional<std::string_view> PasswordPolicy::SortedWords::lower_bound_in(
    size_t block, std::string_view key, std::string& buffer) const {
    size_t at = blocks_[block];
    const size_t end = block + 1 < blocks_.size() ? blocks_[block + 1] : text_.size();
    while (at < end) {
        auto shared = static_cast<unsigned char>(text_[at]);
        auto rest = static_cast<unsigned char>(text_[at + 1]);
        buffer.resize(shared);
        buffer.append(text_, at + 2, rest);
        at += 2 + rest;
        if (std::string_view(buffer) >= key)
            return std::string_view(buffer);
    }
    return std::nullopt;
}

bool PasswordPolicy::SortedWords::has_prefix(std::string_view prefix, bool& exact) const {
    // The first block whose first word is greater than `prefix`: the first word not less than
    // `prefix` is in the block before it, or is that block's first word.
    size_t low = 0;
    size_t high = blocks_.size();
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (first_word(middle) <= prefix)
            low = middle + 1;
        else
            high = middle;
    }
    std::string buffer;
    buffer.reserve(kLongestWord);
    std::optional<std::string_view> found;
    if (low > 0)
        found = lower_bound_in(low - 1, prefix, buffer);
    if (!found && low < blocks_.size())
        found = first_word(low);
    exact = found && *found == prefix;
    return found && found->substr(0, prefix.size()) == prefix;
}

void PasswordPolicy::SortedWords::find_in(
    std::string_view text, const std::function<void(size_t start, size_t end)>& found) const {
    for (size_t start = 0; start < text.size(); ++start) {
        bool exact = false;
        for (size_t end = start + 1;
             end <= text.size() && has_prefix(text.substr(start, end - start), exact); ++end) {
            if (exact && end - start >= kShortestPattern)
                found(start, end);
        }
    }
}

PasswordPolicy::PasswordPolicy(const std::string& word_list)
    : word_list_(word_list), words_(load_words(word_list)) {
    // A list that does not know "password" would let common passwords through.
    if (guess_bits("password") >= kMinGuessBits) {
        throw std::runtime_error("the password word list " + word_list_ +
                                 " does not have the common passwords: reinstall "
                                 "cracklib-runtime");
    }
    settings_ = pwquality_default_settings();
    if (settings_ == nullptr)
        throw std::bad_alloc();
    try {
        // libpwquality only checks for the username here: no composition rules (credits,
        // classes, repeats, sequences) and no cracklib check (guess_bits() replaces it). Its
        // minimum length is in bytes, and a password reaching it has at least 8 characters, so
        // at least 8 bytes: its own length check never refuses what check() let through.
        set(settings_, PWQ_SETTING_MIN_LENGTH, int(kMinCharacters));
        set(settings_, PWQ_SETTING_DIG_CREDIT, 0);
        set(settings_, PWQ_SETTING_UP_CREDIT, 0);
        set(settings_, PWQ_SETTING_LOW_CREDIT, 0);
        set(settings_, PWQ_SETTING_OTH_CREDIT, 0);
        set(settings_, PWQ_SETTING_MIN_CLASS, 0);
        set(settings_, PWQ_SETTING_MAX_REPEAT, 0);
        set(settings_, PWQ_SETTING_MAX_SEQUENCE, 0);
        set(settings_, PWQ_SETTING_MAX_CLASS_REPEAT, 0);
        // The whole username (or it reversed) must not be in the password, in any ASCII letter
        // case. Not the GECOS check: it would look the site's usernames up among the host's.
        set(settings_, PWQ_SETTING_USER_CHECK, 1);
        set(settings_, PWQ_SETTING_USER_SUBSTR, 0);
        set(settings_, PWQ_SETTING_GECOS_CHECK, 0);
        set(settings_, PWQ_SETTING_DICT_CHECK, 0);
    } catch (...) {
        pwquality_free_settings(settings_);
        throw;
    }
}

PasswordPolicy::~PasswordPolicy() {
    pwquality_free_settings(settings_);
}

std::vector<std::vector<PasswordPolicy::WordPiece>> PasswordPolicy::word_pieces(
    std::string_view password) const {
    const std::string forwards = normalised(password);
    const std::string backwards(forwards.rbegin(), forwards.rend());
    const double word_bits = std::log2(double(words_.size()));
    std::vector<std::vector<WordPiece>> pieces(password.size());
    auto add = [&](size_t start, size_t end, bool reversed) {
        std::string_view piece = password.substr(start, end - start);
        bool uppercase = std::any_of(piece.begin(), piece.end(), is_upper);
        bool substituted = std::any_of(piece.begin(), piece.end(), is_substitute);
        // One bit each for capitals, substitutes and reading backwards.
        pieces[start].push_back(
            {end, word_bits + (uppercase ? 1 : 0) + (substituted ? 1 : 0) + (reversed ? 1 : 0)});
    };
    words_.find_in(forwards, [&](size_t start, size_t end) { add(start, end, false); });
    // A word read backwards is a word in the reversed password: one list serves both ways.
    words_.find_in(backwards, [&](size_t start, size_t end) {
        add(password.size() - end, password.size() - start, true);
    });
    return pieces;
}

double PasswordPolicy::guess_bits(std::string_view password) const {
    const std::vector<std::vector<WordPiece>> words = word_pieces(password);
    std::vector<double> cheapest(password.size() + 1, HUGE_VAL);
    cheapest[0] = 0;
    for (size_t start = 0; start < password.size(); ++start) {
        const double first_bits = character_bits(password[start]);
        relax(cheapest, start, start + 1, first_bits);
        relax_runs(cheapest, start, repeat_end(password, start),
                   [&](size_t length) { return first_bits + std::log2(double(length)); });
        relax_runs(cheapest, start, sequence_end(password, start), sequence_bits);
        bool shifted = false;
        size_t walk = walk_end(password, start, shifted);
        relax_runs(cheapest, start, walk,
                   [&](size_t length) { return walk_bits(length) + (shifted ? 1 : 0); });
        if (is_year(password, start))
            relax(cheapest, start, start + 4, kYearBits);
        for (const WordPiece& word : words[start])
            relax(cheapest, start, word.end, word.bits);
    }
    return cheapest[password.size()];
}

std::optional<std::string> PasswordPolicy::check(std::string_view password,
                                                 std::string_view username) const {
    if (password.find('\0') != std::string_view::npos)
        throw std::invalid_argument("password contains a NUL byte");
    std::optional<size_t> characters = utf8_length(password);
    if (!characters)
        throw std::invalid_argument("password is not valid UTF-8");
    if (*characters < kMinCharacters)
        return kPasswordTooShort;
    if (password.size() > kMaxBytes)
        return kPasswordTooLong;
    std::string text(password);
    std::string user(username.substr(0, username.find('\0')));
    void* detail = nullptr;
    int score = pwquality_check(settings_, text.c_str(), nullptr, user.c_str(), &detail);
    if (score == PWQ_ERROR_MEM_ALLOC)
        throw std::bad_alloc();
    if (score == PWQ_ERROR_USER_CHECK)
        return kPasswordHasUsername;
    // libpwquality's other verdict here is a palindrome: guessable too.
    if (score < 0 || guess_bits(password) < kMinGuessBits)
        return kPasswordTooCommon;
    return std::nullopt;
}

}  // namespace microblog
