#pragma once
// The content-addressed node cache on disk. A key is the SHA-256 of everything that
// decides a node's outputs (op, op version, params, the keys of its inputs, the input
// files' bytes); an entry holds the node's outputs (value_codec.h). Entries are written
// atomically, so a crash or a second process never leaves a half entry behind; a
// damaged entry is a miss. When the cache grows past its limit, the least recently
// used entries go.

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "pipeline/op.h"

namespace atlas::pipeline {

class NodeCache {
 public:
  NodeCache(std::filesystem::path directory, std::uint64_t limit_bytes);

  // The folder used when none is given: $ATLAS_CACHE_DIR, else $XDG_CACHE_HOME/atlas,
  // else ~/.cache/atlas.
  static std::filesystem::path default_directory();

  bool contains(const std::string& key) const;
  // The outputs stored under `key` (and marks them used), or nothing on a miss.
  std::optional<Values> load(const std::string& key);
  // Stores the outputs; failures to write only cost a later miss, so they are ignored.
  void store(const std::string& key, const Values& values);

 private:
  std::filesystem::path entry_path(const std::string& key) const;
  void evict();

  std::filesystem::path directory_;
  std::uint64_t limit_bytes_;
  std::mutex eviction_;
};

}  // namespace atlas::pipeline
