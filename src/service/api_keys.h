#pragma once
// API keys: 32 random bytes as "atl_" + 64 hex digits. Only the SHA-256 of a key is
// stored; the key itself is shown once when created. A fast hash is enough (unlike for
// passwords) because the key is random, not chosen by a person.

#include <string>

namespace atlas::service {

struct GeneratedKey {
  std::string secret;  // give to the user once, never store
  std::string hash;    // what the store keeps
  std::string prefix;  // the first characters, to recognise the key in a list
};

GeneratedKey generate_api_key();
std::string hash_api_key(const std::string& secret);

}  // namespace atlas::service
