#include "service/ids.h"

#include <sys/random.h>
#include <unistd.h>

#include <cstdint>
#include <random>

namespace atlas::service {

std::string random_id(const std::string& prefix, int bytes) {
  std::string raw(static_cast<std::size_t>(bytes), '\0');
  std::size_t filled = 0;
  while (filled < raw.size()) {
    const ssize_t got = getrandom(raw.data() + filled, raw.size() - filled, 0);
    if (got <= 0) break;
    filled += static_cast<std::size_t>(got);
  }
  // getrandom only fails on kernels older than 3.17; the fallback keeps ids unique.
  if (filled < raw.size()) {
    std::random_device device;
    for (std::size_t i = filled; i < raw.size(); ++i) raw[i] = static_cast<char>(device());
  }
  static const char* kHex = "0123456789abcdef";
  std::string id = prefix;
  for (char c : raw) {
    const auto byte = static_cast<std::uint8_t>(c);
    id += kHex[byte >> 4];
    id += kHex[byte & 15];
  }
  return id;
}

bool is_id(const std::string& id, const std::string& prefix) {
  if (id.size() <= prefix.size() || id.size() > prefix.size() + 64) return false;
  if (id.compare(0, prefix.size(), prefix) != 0) return false;
  for (std::size_t i = prefix.size(); i < id.size(); ++i) {
    const char c = id[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string lease_owner_prefix(const std::string& prefix) {
  std::string name = prefix;
  if (name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    name = std::string(host) + ":" + std::to_string(getpid());
  }
  return name + ":" + random_id("", 3);
}

}  // namespace atlas::service
