#pragma once
// Where the 404 gateway is and the key to use, from the environment and a config file.
// The environment wins over the file, field by field:
//   ATLAS_404_API_KEY    the account's key (header x-api-key)
//   ATLAS_404_BASE_URL   one base URL, or a comma-separated list tried in order when a
//                        region cannot be reached (default https://api.dns.404.xyz)
// The file is YAML (JSON is YAML too):
//   404:
//     api_key: "..."
//     base_url: "https://api-eu.404.xyz, https://api-us-east.404.xyz"   # or a list
// The key is a secret: describe() redacts it, and no error message of this layer
// contains it.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace atlas::providers {

inline constexpr std::string_view kDefaultGatewayUrl = "https://api.dns.404.xyz";

struct GatewayConfig {
  std::string api_key;
  // Tried in order; each without a trailing slash. Never empty once loaded.
  std::vector<std::string> base_urls{std::string(kDefaultGatewayUrl)};
};

// Looks up an environment variable; nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment.
EnvironmentLookup process_environment();

// The config file used when none is named: $XDG_CONFIG_HOME/atlas/config.yaml, else
// $HOME/.config/atlas/config.yaml; nullopt when neither variable is set.
std::optional<std::filesystem::path> default_config_path(const EnvironmentLookup& environment);

// Splits a comma-separated list of base URLs, trimming spaces and trailing slashes.
// Each must be https://, or http:// to a loopback host (127.0.0.1, localhost, [::1]) so
// a key never crosses a network in clear text. Fails on an empty list or a bad URL.
Result<std::vector<std::string>> parse_base_urls(std::string_view list);

// The config file to read: `file` when one is named (failing, naming it, when it is not
// a file), else the default path when a file is there; nullopt when there is none.
Result<std::optional<std::filesystem::path>> config_file_to_read(
    const EnvironmentLookup& environment, const std::optional<std::filesystem::path>& file);

// Reads `file` (a missing file is no error when it is the default path, i.e. when
// `file` is nullopt; a named file must exist), then applies the environment. Fails on
// unreadable or malformed files and bad URLs, naming the file; the key is never quoted.
// A config without a key loads fine: add_task fails later with a clear message.
Result<GatewayConfig> load_gateway_config(const EnvironmentLookup& environment,
                                          const std::optional<std::filesystem::path>& file);

// One line for logs and `--verbose` output: the base URLs and whether a key is set,
// never the key itself.
std::string describe(const GatewayConfig& config);

}  // namespace atlas::providers
