// migrate: applies the schema migrations not yet recorded in schema_migrations, once each even
// when several hosts run it at the same time.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "admin.h"
#include "admin_database.h"

namespace microblog::admin {
namespace {

// Every migrate takes this lock before reading what is applied, so two runs cannot both
// decide that the same migration is pending.
const char kLockName[] = "microblog_migrations";
// How long a run waits for another to finish before giving up.
constexpr auto kLockPatience = std::chrono::seconds(60);

const char kCreateHistory[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version VARCHAR(255) NOT NULL PRIMARY KEY, applied_at DATETIME NOT NULL)";

// NNN_ followed by anything and .sql, as the glob [0-9][0-9][0-9]_*.sql of migrate.sh.
bool looks_like_migration(const std::string& name) {
    auto digit = [&](size_t i) { return std::isdigit(static_cast<unsigned char>(name[i])); };
    const std::string suffix = ".sql";
    return name.size() >= 4 + suffix.size() && digit(0) && digit(1) && digit(2) && name[3] == '_' &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Versions are the one part of a file name that reaches the database; the same characters as
// migrate.sh allows keep names portable and unsurprising.
bool valid_version(const std::string& version) {
    return !version.empty() && std::all_of(version.begin(), version.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-';
    });
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    if (!in)
        throw std::runtime_error("cannot read " + path);
    return content.str();
}

// Waits for the lock in steps shorter than the read timeout, so that every call stays bounded
// by it however long the other run takes.
void take_lock(Database& db, const Config& config) {
    long long step = config.db_timeout_seconds / 2;
    Database::StatementId get_lock = db.prepare("SELECT GET_LOCK(?, ?)");
    auto deadline = std::chrono::steady_clock::now() + kLockPatience;
    for (bool said = false;; said = true) {
        Result result = db.execute(get_lock, {std::string(kLockName), step});
        std::optional<std::string> got = result.rows.at(0).at(0);
        if (!got)
            throw std::runtime_error("MariaDB refused the lock " + std::string(kLockName));
        if (*got == "1")
            return;
        if (std::chrono::steady_clock::now() >= deadline) {
            throw std::runtime_error("another migrate has held the lock " + std::string(kLockName) +
                                     " for over " + std::to_string(kLockPatience.count()) +
                                     " s; if none is running, SELECT IS_USED_LOCK('" + kLockName +
                                     "') names the connection holding it");
        }
        if (!said)
            say("another migrate is running; waiting for it to finish");
        if (step == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

std::set<std::string> applied_versions(Database& db) {
    std::set<std::string> applied;
    Result result = db.execute(db.prepare("SELECT version FROM schema_migrations"), {});
    for (const Row& row : result.rows)
        applied.insert(row.at(0).value_or(""));
    return applied;
}

}  // namespace

std::vector<Migration> find_migrations(const std::string& dir) {
    DIR* folder = opendir(dir.c_str());
    if (folder == nullptr)
        throw std::runtime_error("cannot open the migrations folder " + dir +
                                 " (choose it with --sql-dir DIR)");
    std::vector<Migration> migrations;
    while (const dirent* entry = readdir(folder)) {
        std::string name = entry->d_name;
        if (looks_like_migration(name))
            migrations.push_back({name.substr(0, name.size() - 4), dir + "/" + name});
    }
    closedir(folder);
    if (migrations.empty())
        throw std::runtime_error("no migrations (NNN_name.sql) found in " + dir);
    // Byte order, the same on every machine whatever its locale.
    std::sort(migrations.begin(), migrations.end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    for (size_t i = 0; i < migrations.size(); ++i) {
        const Migration& m = migrations[i];
        if (!valid_version(m.version))
            throw std::runtime_error(
                m.path + ": file name must be NNN_ followed by letters, digits, _ or -");
        // Two files with one number (say, from two merged branches) would run in an order
        // nobody chose: refuse them before applying anything.
        if (i > 0 && migrations[i - 1].version.compare(0, 3, m.version, 0, 3) == 0)
            throw std::runtime_error("two migrations are numbered " + m.version.substr(0, 3) +
                                     " in " + dir + "; renumber one");
    }
    return migrations;
}

int migrate(const Invocation& invocation) {
    Config config = load_configuration(invocation);
    // Checked before connecting: a bad folder costs no lock.
    std::vector<Migration> migrations = find_migrations(sql_dir(invocation));
    AdminDatabase db(config);
    try {
        db.connect();
    } catch (const DatabaseUnavailable& e) {
        throw std::runtime_error(std::string(e.what()) +
                                 "; migrate logs in by unix_socket authentication, so run it as "
                                 "the operating-system user " +
                                 config.db_admin_user + " (db_admin_user)");
    }
    // Held until the connection closes when this program ends; the connection is never
    // silently reopened (AdminDatabase is session-bound), so the lock cannot be lost unseen.
    take_lock(db, config);
    db.run_script(kCreateHistory);
    std::set<std::string> applied = applied_versions(db);
    Database::StatementId record = db.prepare(
        "INSERT INTO schema_migrations (version, applied_at) VALUES (?, UTC_TIMESTAMP())");
    int count = 0;
    for (const Migration& migration : migrations) {
        if (applied.count(migration.version) != 0)
            continue;
        try {
            db.run_script(read_file(migration.path));
        } catch (const std::exception& e) {
            // DDL commits implicitly in MariaDB, so a migration and its record cannot share a
            // transaction: one that fails half-way needs a look by hand before a rerun.
            throw std::runtime_error("FAILED to apply " + migration.path + ": " + e.what() +
                                     "; schema_migrations not updated");
        }
        db.execute(record, {migration.version});
        std::cout << "migrate: applied " << migration.version << std::endl;
        ++count;
    }
    if (count == 0)
        std::cout << "migrate: up to date" << std::endl;
    return kSuccess;
}

}  // namespace microblog::admin
