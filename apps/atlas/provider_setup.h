#pragma once
// The remote providers the CLI offers pipelines, from the environment and the config
// file (providers/gateway_config.h, providers/provider_chain.h).

#include <filesystem>
#include <optional>

#include "core/result.h"

namespace atlas::cli {

// Registers "404" when an API key is configured (best-of-N when a node asks for every
// candidate), every http_model declaration named in ATLAS_HTTP_MODELS (a comma-separated
// list of YAML files, e.g. providers/meshy-retexture.yaml) under its own name, and every
// chain of the config file under its own name, sharing one circuit breaker; a chain
// that fell back says which link served on stderr. Every provider prices its calls from
// the config file's `prices` table (providers/price_table.h). `config_file`: nullopt for the
// default path. Fails on a malformed config, naming the file; the key is never quoted.
Status register_configured_providers(const std::optional<std::filesystem::path>& config_file);

}  // namespace atlas::cli
