#include "pipeline/node_cache.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "core/file_io.h"
#include "pipeline/value_codec.h"

namespace atlas::pipeline {

namespace fs = std::filesystem;

NodeCache::NodeCache(fs::path directory, std::uint64_t limit_bytes)
    : directory_(std::move(directory)), limit_bytes_(limit_bytes) {}

fs::path NodeCache::default_directory() {
  if (const char* dir = std::getenv("ATLAS_CACHE_DIR"); dir && *dir) return dir;
  if (const char* dir = std::getenv("XDG_CACHE_HOME"); dir && *dir) return fs::path(dir) / "atlas";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".cache" / "atlas";
  return fs::temp_directory_path() / "atlas-cache";
}

fs::path NodeCache::entry_path(const std::string& key) const {
  return directory_ / key.substr(0, 2) / (key + ".atv");
}

bool NodeCache::contains(const std::string& key) const {
  std::error_code error;
  return fs::is_regular_file(entry_path(key), error);
}

std::optional<Values> NodeCache::load(const std::string& key) {
  const fs::path path = entry_path(key);
  Result<Bytes> bytes = read_file(path);
  if (!bytes) return std::nullopt;
  Result<Values> values = decode_values(*bytes);
  std::error_code error;
  if (!values) {
    fs::remove(path, error);
    return std::nullopt;
  }
  fs::last_write_time(path, fs::file_time_type::clock::now(), error);
  return std::move(*values);
}

void NodeCache::store(const std::string& key, const Values& values) {
  const fs::path path = entry_path(key);
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error || !write_file_atomic(path, encode_values(values))) return;
  evict();
}

void NodeCache::evict() {
  const std::lock_guard lock(eviction_);
  struct Entry {
    fs::path path;
    fs::file_time_type used;
    std::uint64_t bytes;
  };
  std::vector<Entry> entries;
  std::uint64_t total = 0;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(directory_, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file(error) || it->path().extension() != ".atv") continue;
    const std::uint64_t bytes = it->file_size(error);
    entries.push_back({it->path(), it->last_write_time(error), bytes});
    total += bytes;
  }
  if (total <= limit_bytes_) return;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const Entry& entry : entries) {
    if (total <= limit_bytes_) break;
    if (fs::remove(entry.path, error)) total -= entry.bytes;
  }
}

}  // namespace atlas::pipeline
