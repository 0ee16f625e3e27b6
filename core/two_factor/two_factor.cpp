// The two-factor tables' SQL, and the codes' arithmetic (core/two_factor/totp.h).
#include "core/two_factor/two_factor.h"

#include <stdexcept>

#include "core/crypto/crypto.h"
#include "core/two_factor/totp.h"

namespace microblog {
namespace {
// Letters and digits that cannot be read as one another (no 0/o, 1/l/i).
constexpr std::string_view kRecoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";
constexpr size_t kRecoveryCodeLength = 10;

// "xxxxx-xxxxx": about 49 bits each, from the system's random source.
std::string new_recovery_code() {
    std::string code;
    while (code.size() < kRecoveryCodeLength) {
        for (unsigned char byte : random_bytes(16)) {
            // Rejection sampling keeps every letter equally likely.
            if (byte >= 256 - 256 % kRecoveryAlphabet.size())
                continue;
            code += kRecoveryAlphabet[byte % kRecoveryAlphabet.size()];
            if (code.size() == kRecoveryCodeLength)
                break;
        }
    }
    return code.substr(0, 5) + "-" + code.substr(5);
}

// As typed: any case, with or without the hyphen and spaces.
std::string normalized_recovery_code(const std::string& code) {
    std::string out;
    for (char c : code) {
        if (c == '-' || c == ' ')
            continue;
        out += char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    return out;
}

std::string owner_of(long long user_id) {
    return "user:" + std::to_string(user_id);
}

const std::string& required_key(const Config& config) {
    if (config.two_factor_key.empty())
        throw std::runtime_error("configuration needs two_factor_key_file for two-factor sign-in");
    return config.two_factor_key;
}
}  // namespace

bool looks_like_app_code(const std::string& code) {
    unsigned digits = 0;
    for (char c : code) {
        if (c >= '0' && c <= '9')
            ++digits;
        else if (c != ' ')
            return false;
    }
    return digits == 6;
}

TwoFactorStore::TwoFactorStore(Database& db, const Config& config)
    : db_(db),
      key_(required_key(config)),
      box_(key_),
      state_(db.prepare("SELECT t.secret IS NOT NULL, t.pending_secret, "
                        "(SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = t.user_id) "
                        "FROM two_factor t WHERE t.user_id = ?")),
      set_pending_(db.prepare("INSERT INTO two_factor (user_id, pending_secret) VALUES (?, ?) "
                              "ON DUPLICATE KEY UPDATE pending_secret = VALUES(pending_secret)")),
      // Only the pending secret this request checked the code against is moved, so two setups
      // racing in two tabs cannot enable a secret nobody confirmed.
      enable_(db.prepare(
          "UPDATE two_factor SET secret = pending_secret, pending_secret = NULL, last_step = ?, "
          "enabled_at = UTC_TIMESTAMP() WHERE user_id = ? AND pending_secret = ?")),
      secret_(db.prepare("SELECT secret FROM two_factor WHERE user_id = ? AND secret IS NOT NULL")),
      // A step is used once: the update happens only for a later step than the last one.
      use_step_(db.prepare("UPDATE two_factor SET last_step = ? WHERE user_id = ? AND "
                           "secret IS NOT NULL AND last_step < ?")),
      delete_codes_(
          db.prepare("DELETE FROM recovery_codes WHERE user_id = ?", Database::Repeatable::kYes)),
      insert_code_(db.prepare("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)")),
      use_code_(db.prepare("DELETE FROM recovery_codes WHERE user_id = ? AND code_hash = ?")),
      has_code_(db.prepare("SELECT 1 FROM recovery_codes WHERE user_id = ? AND code_hash = ?")),
      disable_(db.prepare("DELETE FROM two_factor WHERE user_id = ?", Database::Repeatable::kYes)) {
}

std::optional<std::string> TwoFactorStore::opened(const std::optional<std::string>& sealed,
                                                  long long user_id) const {
    if (!sealed)
        return std::nullopt;
    return box_.open(*sealed, owner_of(user_id));
}

TwoFactorState TwoFactorStore::state(long long user_id) {
    Result result = db_.execute(state_, {user_id});
    TwoFactorState state;
    if (result.rows.empty())
        return state;
    const Row& row = result.rows.front();
    state.enabled = row.at(0) == "1";
    state.pending_secret = opened(row.at(1), user_id);
    state.recovery_codes_left = unsigned(std::stoul(row.at(2).value_or("0")));
    return state;
}

std::string TwoFactorStore::begin_setup(long long user_id) {
    std::string secret = new_totp_secret();
    db_.execute(set_pending_, {user_id, Bytes{box_.seal(secret, owner_of(user_id))}});
    return secret;
}

std::vector<std::string> TwoFactorStore::enable(long long user_id, const std::string& code,
                                                time_t now) {
    Result result = db_.execute(state_, {user_id});
    if (result.rows.empty() || !result.rows.front().at(1))
        return {};
    const std::string sealed = *result.rows.front().at(1);
    std::optional<std::string> secret = box_.open(sealed, owner_of(user_id));
    if (!secret)
        return {};
    std::optional<uint64_t> step = totp_step_of(*secret, code, now);
    if (!step)
        return {};
    if (db_.execute(enable_, {static_cast<long long>(*step), user_id, Bytes{sealed}})
            .affected_rows != 1)
        return {};
    return new_recovery_codes(user_id);
}

CodeCheck TwoFactorStore::check_code(long long user_id, const std::string& code, time_t now) {
    Result result = db_.execute(secret_, {user_id});
    if (result.rows.empty())
        return CodeCheck::kWrong;
    std::optional<std::string> secret = opened(result.rows.front().at(0), user_id);
    if (!secret)
        throw std::runtime_error("a two-factor secret does not open with two_factor_key");
    std::optional<uint64_t> step = totp_step_of(*secret, code, now);
    if (!step)
        return CodeCheck::kWrong;
    long long used = static_cast<long long>(*step);
    if (db_.execute(use_step_, {used, user_id, used}).affected_rows != 1)
        return CodeCheck::kAlreadyUsed;
    return CodeCheck::kAccepted;
}

bool TwoFactorStore::use_recovery_code(long long user_id, const std::string& code) {
    const std::string normalized = normalized_recovery_code(code);
    if (normalized.size() != kRecoveryCodeLength)
        return false;
    return db_.execute(use_code_, {user_id, Bytes{recovery_code_hash(user_id, normalized)}})
               .affected_rows == 1;
}

CodeCheck TwoFactorStore::check_code_or_recovery_code(long long user_id, const std::string& code,
                                                      time_t now) {
    if (looks_like_app_code(code))
        return check_code(user_id, code, now);
    return use_recovery_code(user_id, code) ? CodeCheck::kAccepted : CodeCheck::kWrong;
}

bool TwoFactorStore::all_unused_recovery_codes(long long user_id,
                                               const std::vector<std::string>& codes) {
    for (const std::string& code : codes) {
        const std::string normalized = normalized_recovery_code(code);
        if (normalized.size() != kRecoveryCodeLength ||
            db_.execute(has_code_, {user_id, Bytes{recovery_code_hash(user_id, normalized)}})
                .rows.empty())
            return false;
    }
    return !codes.empty();
}

std::vector<std::string> TwoFactorStore::new_recovery_codes(long long user_id) {
    std::vector<std::string> codes;
    db_.execute(delete_codes_, {user_id});
    for (unsigned i = 0; i < kRecoveryCodeCount; ++i) {
        codes.push_back(new_recovery_code());
        const std::string hash =
            recovery_code_hash(user_id, normalized_recovery_code(codes.back()));
        db_.execute(insert_code_, {user_id, Bytes{hash}});
    }
    return codes;
}

void TwoFactorStore::disable(long long user_id) {
    db_.execute(delete_codes_, {user_id});
    db_.execute(disable_, {user_id});
}

// Keyed, so a copy of the table cannot be searched for the codes offline.
std::string TwoFactorStore::recovery_code_hash(long long user_id, const std::string& code) const {
    return hmac_sha256(key_, "recovery-code", owner_of(user_id) + ":" + code);
}

}  // namespace microblog
