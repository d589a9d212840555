#include "service/api_keys.h"

#include "core/sha256.h"
#include "service/ids.h"

namespace atlas::service {

std::string hash_api_key(const std::string& secret) {
  return sha256_hex(ByteView(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()));
}

GeneratedKey generate_api_key() {
  GeneratedKey key;
  key.secret = random_id("atl_", 32);
  key.hash = hash_api_key(key.secret);
  key.prefix = key.secret.substr(0, 12);
  return key;
}

}  // namespace atlas::service
