#include "provider_setup.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "providers/best_of_n_chooser.h"
#include "providers/gateway_provider.h"
#include "providers/http_model_provider.h"
#include "providers/price_table.h"
#include "providers/provider_chain.h"

namespace atlas::cli {

Status register_configured_providers(const std::optional<std::filesystem::path>& config_file) {
  const providers::EnvironmentLookup environment = providers::process_environment();
  Result<providers::GatewayConfig> gateway =
      providers::load_gateway_config(environment, config_file);
  if (!gateway) return gateway.error();
  Result<providers::ChainConfig> chains = providers::load_chain_config(environment, config_file);
  if (!chains) return chains.error();
  Result<providers::PriceTable> prices = providers::load_price_table(environment, config_file);
  if (!prices) return prices.error();
  // Without a key every call would fail with not_configured; the op's "no provider named
  // '404'" says as much before anything runs.
  if (!gateway->api_key.empty())
    pipeline::register_remote_provider(std::make_shared<providers::GatewayProvider>(
        std::make_shared<providers::GatewayClient>(std::move(gateway).value()),
        providers::best_of_n_chooser(), providers::GatewayGenerationObserver(), *prices));
  // Declarations first, so that chains may name them as links.
  if (const std::optional<std::string> files = environment("ATLAS_HTTP_MODELS")) {
    for (std::size_t begin = 0; begin <= files->size();) {
      const std::size_t end = std::min(files->find(',', begin), files->size());
      const std::string file = files->substr(begin, end - begin);
      begin = end + 1;
      if (file.empty()) continue;
      Result<std::shared_ptr<const pipeline::RemoteProvider>> model =
          providers::load_http_model_provider(file, environment, *prices);
      if (!model) return with_context("ATLAS_HTTP_MODELS", model.error());
    }
  }
  auto breaker = std::make_shared<providers::CircuitBreaker>(chains->breaker);
  for (providers::ChainSpec& chain : chains->chains)
    pipeline::register_remote_provider(std::make_shared<providers::ProviderChain>(
        std::move(chain), breaker, [](const providers::ChainReport& report) {
          // Which link served, and what failed first, for the person running the pipeline.
          if (report.link && report.failures.empty()) return;
          std::fprintf(stderr, "atlas: %s\n", providers::describe(report).c_str());
        }));
  return Ok{};
}

}  // namespace atlas::cli
