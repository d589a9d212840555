#pragma once
// A real PostgreSQL server for the service's tests (Debian's postgresql package): made
// with initdb in a temporary folder, listening only on a Unix socket in that folder, so
// test programs running at once never meet, and removed when the test program exits.
// The tests that need it skip, saying why, when the server binaries are not installed.
//
// PostgreSQL refuses to run as root; under root (containers, CI) the server runs as the
// `postgres` user the package creates, through runuser.

#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "test_support.h"

namespace atlas::test {

class PostgresServer {
 public:
  // The test program's server, started at the first call; nullptr when it cannot run,
  // with the reason in skip_reason().
  static PostgresServer* shared() {
    PostgresServer& server = instance();
    return server.reason_.empty() ? &server : nullptr;
  }
  static const std::string& skip_reason() { return instance().reason_; }

  ~PostgresServer() {
    if (started_)
      run_command(as_owner_ + shell_quoted(bin_ / "pg_ctl") + " -D " + shell_quoted(dir_ / "data") +
                  " -m immediate -w stop > /dev/null");
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A new empty database; its connection URL.
  std::string create_database() {
    static int created = 0;
    const std::string name = "atlas_" + std::to_string(getpid()) + "_" + std::to_string(++created);
    const CommandRun run = run_command(shell_quoted(bin_ / "createdb") + " -h " +
                                       shell_quoted(dir_) + " -p 5432 -U atlas " + name);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return url(name);
  }
  std::string url(const std::string& database) const {
    return "postgresql:///" + database + "?host=" + dir_.string() + "&port=5432&user=atlas";
  }
  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& bin() const { return bin_; }

 private:
  PostgresServer() { start(); }

  static PostgresServer& instance() {
    static PostgresServer server;
    return server;
  }

  static std::filesystem::path find_bin() {
    if (const char* bin = std::getenv("ATLAS_PG_BIN")) return bin;
    std::filesystem::path found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
      if (std::filesystem::exists(entry.path() / "bin" / "initdb") && entry.path() / "bin" > found)
        found = entry.path() / "bin";
    return found;
  }

  void start() {
    bin_ = find_bin();
    if (bin_.empty() || !std::filesystem::exists(bin_ / "pg_ctl")) {
      reason_ =
          "PostgreSQL's server binaries are not installed (apt-get install postgresql, or set "
          "ATLAS_PG_BIN to the folder holding initdb and pg_ctl)";
      return;
    }
    // A short path: a Unix socket's path may not exceed 107 bytes.
    char pattern[] = "/tmp/atlas-pg-XXXXXX";
    if (!mkdtemp(pattern)) {
      reason_ = "cannot make a temporary folder for PostgreSQL";
      return;
    }
    dir_ = pattern;
    if (geteuid() == 0) {
      const passwd* owner = getpwnam("postgres");
      if (!owner || chown(pattern, owner->pw_uid, owner->pw_gid) != 0) {
        reason_ = "running as root and there is no postgres user to run PostgreSQL as";
        return;
      }
      as_owner_ = "runuser -u postgres -- ";
    }
    const std::string dir = shell_quoted(dir_);
    const std::string data = shell_quoted(dir_ / "data");
    const CommandRun init = run_command(as_owner_ + shell_quoted(bin_ / "initdb") + " -D " + data +
                                        " -A trust -U atlas -E UTF8 --locale=C --no-sync");
    if (init.exit_code != 0) {
      reason_ = "initdb failed: " + init.output;
      return;
    }
    // Durability is not what these tests check: no fsync keeps them fast.
    const CommandRun started =
        run_command(as_owner_ + shell_quoted(bin_ / "pg_ctl") + " -D " + data + " -l " + dir +
                    "/server.log -w -t 30 -o \"-k " + dir +
                    " -p 5432 -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                    "-c full_page_writes=off -c max_connections=300\" start > " +
                    dir + "/pg_ctl.log");
    if (started.exit_code != 0) {
      reason_ = "pg_ctl start failed: " + started.output + "; see " + dir + "/server.log";
      return;
    }
    started_ = true;
  }

  std::filesystem::path bin_;
  std::filesystem::path dir_;
  std::string as_owner_;  // the command prefix that runs a server binary as its owner
  std::string reason_;    // why the tests cannot have a server; empty when they can
  bool started_ = false;
};

}  // namespace atlas::test
