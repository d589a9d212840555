#pragma once
// `atlas` commands as child processes, for the service tests that kill and restart them.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace atlas::test {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string atlas_binary() { return std::string(ATLAS_BINARY_DIR) + "/apps/atlas"; }

// An `atlas` command as a child process, its output in NAME.out and NAME.err under `dir`.
class AtlasProcess {
 public:
  AtlasProcess(const std::filesystem::path& dir, const std::string& name,
               std::vector<std::string> args)
      : out_(dir / (name + ".out")), err_(dir / (name + ".err")) {
    std::vector<char*> argv;
    static char program[] = "atlas";
    argv.push_back(program);
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const std::string binary = atlas_binary();
    pid_ = fork();
    if (pid_ == 0) {
      const int out_fd = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err_fd = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out_fd, STDOUT_FILENO);
      dup2(err_fd, STDERR_FILENO);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }
  ~AtlasProcess() {
    if (pid_ > 0) kill_now();
  }
  AtlasProcess(const AtlasProcess&) = delete;
  AtlasProcess& operator=(const AtlasProcess&) = delete;

  // Waits (up to 10 s) for `marker` on standard output; the text after it.
  std::string wait_for(const std::string& marker) {
    for (int i = 0; i < 500; ++i) {
      const std::string text = read_text(out_);
      if (const std::size_t at = text.find(marker); at != std::string::npos)
        return text.substr(at + marker.size());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no '" << marker << "' from the process: " << read_text(err_);
    return "";
  }
  pid_t pid() const { return pid_; }
  void kill_now() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGTERM; the exit code.
  int terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::filesystem::path out_;
  std::filesystem::path err_;
  pid_t pid_ = -1;
};

}  // namespace atlas::test
