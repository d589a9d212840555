#pragma once
// A provider chain: one RemoteProvider that tries an ordered list of links (e.g. 404's
// 404-3dgs; the same with another seed; then another registered provider) until one
// gives an asset. Each link has its own timeout and attempt count, and every provider
// has a circuit breaker: after `failure_threshold` failures in a row it is skipped for
// `cool_down`, then one trial call (half-open) decides whether it is used again.
//
// Only failures another link may cure fall through to the next link: timeout,
// queue_full, rate_limited, generation_failed, connection_dropped, unreachable,
// corrupt_payload, server_error and not_found (the "<code>: " prefix of the provider's
// error, as GatewayError::as_error writes it). Anything else (bad_request,
// unauthorized, insufficient_balance, not_configured, an option the provider refuses)
// would fail the same way again and is the caller's to fix: the chain fails at once,
// naming the link and its provider.
//
// Chains are declared in the config file (the same one as the gateway's, see
// gateway_config.h), each registered as a provider under its own name, so a pipeline's
// generate node selects one with `provider: <chain name>`:
//   circuit_breaker:              # optional; for every provider of the process
//     failure_threshold: 3        # default 3
//     cool_down_seconds: 60       # default 60
//   chains:
//     robust-3dgs:
//       - provider: "404"
//         timeout_seconds: 300    # optional, default none
//         attempts: 1             # optional, default 1
//       - provider: "404"
//         options: {seed: 7}      # merged over the node's options (JSON merge patch)
//       - provider: other-3d

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/remote_provider.h"
#include "providers/gateway_config.h"

namespace atlas::providers {

using ChainClock = std::function<std::chrono::steady_clock::time_point()>;

struct CircuitBreakerSettings {
  int failure_threshold = 3;  // failures in a row that open the breaker; at least 1
  std::chrono::milliseconds cool_down{60'000};
};

// Per-provider circuit breakers, shared by every chain of a process. Thread-safe.
class CircuitBreaker {
 public:
  // `clock`: empty for std::chrono::steady_clock (tests inject their own).
  explicit CircuitBreaker(CircuitBreakerSettings settings = {}, ChainClock clock = {});

  // Whether `provider` may be called now. Closed: yes. Open: no until the cool-down has
  // passed; then yes for exactly one caller (half-open) until that call's outcome is
  // recorded, and no for the others meanwhile.
  bool allow(const std::string& provider);
  // The outcome of a call allow() let through. A success closes the breaker; a failure
  // in the half-open state, or the threshold's, opens it for a new cool-down.
  void record_success(const std::string& provider);
  void record_failure(const std::string& provider);
  // A call allow() let through ended without an outcome (the caller cancelled it): it
  // says nothing of the provider's health, and a half-open breaker lets the next try.
  void record_cancelled(const std::string& provider);

 private:
  struct State {
    int consecutive_failures = 0;
    std::optional<std::chrono::steady_clock::time_point> open_until;
    bool probing = false;  // a half-open trial call is running
  };
  CircuitBreakerSettings settings_;
  ChainClock clock_;
  std::mutex mutex_;
  std::map<std::string, State> states_;
};

struct ChainLink {
  std::string provider;                  // a registered provider's name
  std::string options_json = "{}";       // JSON merge patch over the request's options
  std::chrono::milliseconds timeout{0};  // per attempt; 0: as long as the provider takes
  int attempts = 1;                      // tries of this link for failures that fall through
};

struct ChainSpec {
  std::string name;
  std::vector<ChainLink> links;  // never empty
};

// Which link produced the asset and what failed before it, for reports.
struct ChainReport {
  struct Failure {
    std::size_t link = 0;  // index into the chain's links
    std::string provider;
    std::string error;  // the provider's error, "skipped: circuit open" or "timeout: ..."
  };
  std::string chain;
  std::optional<std::size_t> link;  // the link that produced the asset; none on failure
  std::string provider;             // its provider
  std::vector<Failure> failures;    // in the order they happened
};

// One line for logs: "chain 'robust': link 2 (provider '404') produced the asset after
// link 1 (provider '404'): timeout: ..." or "chain 'robust': no link produced an asset".
std::string describe(const ChainReport& report);

// Called once per generate(), successful or not, from the generating thread.
using ChainObserver = std::function<void(const ChainReport& report)>;

// Whether a provider's error is one a later link may cure (see the top of this file).
bool falls_back_on(const Error& error);

class ProviderChain final : public pipeline::RemoteProvider {
 public:
  // Providers are looked up by name in the registry when each link runs, so the chain
  // may be registered before them. `breaker` is shared with the process's other chains
  // (null: the chain's own, with the default settings).
  ProviderChain(ChainSpec spec, std::shared_ptr<CircuitBreaker> breaker,
                ChainObserver observer = {});

  std::string name() const override { return spec_.name; }

  // Tries the links in order as the top of this file says. Fails with the first error
  // that does not fall through ("link 2 (provider '404'): unauthorized: ..."), or, when
  // every link failed or was skipped, with each link's failure; "cancelled" when
  // `cancel` turned true. The links' usage records reach request.usage with the chain
  // named (an inner chain's name is kept).
  Result<pipeline::RemoteAsset> generate(const pipeline::GenerateRequest& request,
                                         const std::atomic<bool>& cancel,
                                         const pipeline::RemoteProgress& progress) const override;

 private:
  ChainSpec spec_;
  std::shared_ptr<CircuitBreaker> breaker_;
  ChainObserver observer_;
};

struct ChainConfig {
  CircuitBreakerSettings breaker;
  std::vector<ChainSpec> chains;
};

// The config file's `circuit_breaker` and `chains` sections (defaults and no chains
// when absent). `file` as for load_gateway_config: nullopt is the default path, which
// may be missing; a named file must exist. Fails naming the file and the chain on a
// malformed declaration.
Result<ChainConfig> load_chain_config(const EnvironmentLookup& environment,
                                      const std::optional<std::filesystem::path>& file);

}  // namespace atlas::providers
