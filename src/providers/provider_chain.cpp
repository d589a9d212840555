#include "providers/provider_chain.h"

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include <array>
#include <condition_variable>
#include <string_view>
#include <thread>

namespace atlas::providers {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::array<std::string_view, 9> kFallbackCodes = {
    "timeout",     "queue_full",      "rate_limited", "generation_failed", "connection_dropped",
    "unreachable", "corrupt_payload", "server_error", "not_found"};

std::string link_label(std::size_t link, const std::string& provider) {
  return "link " + std::to_string(link + 1) + " (provider '" + provider + "')";
}

std::string failure_list(const ChainReport& report) {
  std::string failures;
  for (const ChainReport::Failure& failure : report.failures)
    failures += (failures.empty() ? "" : "; ") + link_label(failure.link, failure.provider) + ": " +
                failure.error;
  return failures;
}

// The link's options over the request's: a link changes only what it names.
Result<std::string> merged_options(const std::string& request_options,
                                   const std::string& link_options) {
  nlohmann::json options = nlohmann::json::parse(request_options, nullptr, false);
  const nlohmann::json patch = nlohmann::json::parse(link_options, nullptr, false);
  if (!options.is_object()) return make_error("options must be a JSON object");
  if (!patch.is_object()) return make_error("the link's options must be a JSON object");
  options.merge_patch(patch);
  return options.dump();
}

// One call of a provider, cancelled when the caller cancels or the link's timeout
// passes; a watcher thread turns either into the provider's own cancel flag.
Result<pipeline::RemoteAsset> timed_generate(const pipeline::RemoteProvider& provider,
                                             const pipeline::GenerateRequest& request,
                                             std::chrono::milliseconds timeout,
                                             const std::atomic<bool>& cancel,
                                             const pipeline::RemoteProgress& progress) {
  std::atomic<bool> stop{false};
  std::atomic<bool> timed_out{false};
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::thread watcher([&] {
    const auto deadline =
        timeout.count() > 0 ? SteadyClock::now() + timeout : SteadyClock::time_point::max();
    std::unique_lock lock(mutex);
    while (!done) {
      if (cancel) {
        stop = true;
        return;
      }
      if (SteadyClock::now() >= deadline) {
        timed_out = true;
        stop = true;
        return;
      }
      // Cancellation is polled: the caller's flag is a plain atomic.
      finished.wait_for(lock, std::chrono::milliseconds(10));
    }
  });
  Result<pipeline::RemoteAsset> answer = provider.generate(request, stop, progress);
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  finished.notify_one();
  watcher.join();
  // An asset that arrived as the deadline passed is still the asset.
  if (!answer && timed_out && !cancel)
    return make_error("timeout: no asset within " + std::to_string(timeout.count()) + " ms");
  return answer;
}

std::chrono::milliseconds seconds_field(const YAML::Node& node, const char* key,
                                        std::chrono::milliseconds fallback) {
  const YAML::Node value = node[key];
  if (!value.IsDefined()) return fallback;
  const double seconds = value.as<double>();
  if (!(seconds > 0)) throw YAML::Exception(value.Mark(), std::string(key) + " must be positive");
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

nlohmann::json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& entry : node) object[entry.first.as<std::string>()] = to_json(entry.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const YAML::Node& item : node) array.push_back(to_json(item));
      return array;
    }
    case YAML::NodeType::Scalar: {
      // YAML scalars are untyped: numbers and booleans are read as such, unless quoted.
      const std::string text = node.Scalar();
      if (node.Tag() != "!") {
        nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
        if (parsed.is_number() || parsed.is_boolean()) return parsed;
      }
      return text;
    }
    default:
      return nullptr;
  }
}

ChainLink parse_link(const YAML::Node& node) {
  if (!node.IsMap()) throw YAML::Exception(node.Mark(), "a link must be a map");
  ChainLink link;
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    if (key != "provider" && key != "options" && key != "timeout_seconds" && key != "attempts")
      throw YAML::Exception(
          entry.first.Mark(),
          "unknown key '" + key + "' (a link takes provider, options, timeout_seconds, attempts)");
  }
  link.provider = node["provider"].as<std::string>("");
  if (link.provider.empty()) throw YAML::Exception(node.Mark(), "a link needs a provider");
  if (const YAML::Node options = node["options"]; options.IsDefined()) {
    if (!options.IsMap()) throw YAML::Exception(options.Mark(), "options must be a map");
    link.options_json = to_json(options).dump();
  }
  link.timeout = seconds_field(node, "timeout_seconds", link.timeout);
  link.attempts = node["attempts"].as<int>(1);
  if (link.attempts < 1) throw YAML::Exception(node.Mark(), "attempts must be at least 1");
  return link;
}

}  // namespace

bool falls_back_on(const Error& error) {
  const std::string_view message = error.message;
  for (std::string_view code : kFallbackCodes)
    if (message.size() > code.size() && message.substr(0, code.size()) == code &&
        message[code.size()] == ':')
      return true;
  return false;
}

std::string describe(const ChainReport& report) {
  const std::string chain = "chain '" + report.chain + "': ";
  if (!report.link) return chain + "no link produced an asset";
  const std::string produced =
      chain + link_label(*report.link, report.provider) + " produced the asset";
  return report.failures.empty() ? produced : produced + " after " + failure_list(report);
}

CircuitBreaker::CircuitBreaker(CircuitBreakerSettings settings, ChainClock clock)
    : settings_(settings), clock_(clock ? std::move(clock) : ChainClock(SteadyClock::now)) {
  settings_.failure_threshold = std::max(1, settings_.failure_threshold);
}

bool CircuitBreaker::allow(const std::string& provider) {
  std::lock_guard lock(mutex_);
  State& state = states_[provider];
  if (!state.open_until) return true;
  if (state.probing || clock_() < *state.open_until) return false;
  state.probing = true;
  return true;
}

void CircuitBreaker::record_success(const std::string& provider) {
  std::lock_guard lock(mutex_);
  states_[provider] = State{};
}

void CircuitBreaker::record_cancelled(const std::string& provider) {
  std::lock_guard lock(mutex_);
  states_[provider].probing = false;
}

void CircuitBreaker::record_failure(const std::string& provider) {
  std::lock_guard lock(mutex_);
  State& state = states_[provider];
  ++state.consecutive_failures;
  if (state.probing || state.consecutive_failures >= settings_.failure_threshold) {
    state.open_until = clock_() + settings_.cool_down;
    state.probing = false;
  }
}

ProviderChain::ProviderChain(ChainSpec spec, std::shared_ptr<CircuitBreaker> breaker,
                             ChainObserver observer)
    : spec_(std::move(spec)),
      breaker_(breaker ? std::move(breaker) : std::make_shared<CircuitBreaker>()),
      observer_(std::move(observer)) {}

Result<pipeline::RemoteAsset> ProviderChain::generate(
    const pipeline::GenerateRequest& request, const std::atomic<bool>& cancel,
    const pipeline::RemoteProgress& progress) const {
  ChainReport report;
  report.chain = spec_.name;
  const auto finish = [&](Result<pipeline::RemoteAsset> outcome) {
    if (observer_) observer_(report);
    return outcome;
  };
  for (std::size_t index = 0; index < spec_.links.size(); ++index) {
    const ChainLink& link = spec_.links[index];
    const std::string label = link_label(index, link.provider);
    const auto failed = [&](std::string error) {
      report.failures.push_back({index, link.provider, std::move(error)});
    };
    // A chain naming itself, directly or through another chain, would never end.
    std::shared_ptr<const pipeline::RemoteProvider> provider =
        link.provider == spec_.name ? nullptr : pipeline::find_remote_provider(link.provider);
    if (!provider) {
      failed("no provider named '" + link.provider + "' is registered");
      return finish(make_error(label + ": " + report.failures.back().error));
    }
    pipeline::GenerateRequest link_request = request;
    Result<std::string> options = merged_options(request.options_json, link.options_json);
    if (!options) return finish(with_context(label, options.error()));
    link_request.options_json = std::move(options).value();
    if (request.usage)
      link_request.usage = [this, &request](const pipeline::UsageRecord& record) {
        pipeline::UsageRecord through_chain = record;
        if (through_chain.chain.empty()) through_chain.chain = spec_.name;
        request.usage(through_chain);
      };

    for (int attempt = 0; attempt < link.attempts; ++attempt) {
      if (cancel) return finish(make_error("cancelled"));
      if (!breaker_->allow(link.provider)) {
        failed("skipped: circuit open after repeated failures");
        break;
      }
      Result<pipeline::RemoteAsset> answer =
          timed_generate(*provider, link_request, link.timeout, cancel, progress);
      if (answer) {
        breaker_->record_success(link.provider);
        report.link = index;
        report.provider = link.provider;
        return finish(std::move(answer));
      }
      if (cancel) {
        breaker_->record_cancelled(link.provider);
        return finish(make_error("cancelled"));
      }
      const bool falls_back = falls_back_on(answer.error());
      // Errors that are the caller's to fix say nothing about the provider's health either.
      if (falls_back)
        breaker_->record_failure(link.provider);
      else
        breaker_->record_success(link.provider);
      failed(answer.error().message);
      if (!falls_back) return finish(with_context(label, answer.error()));
    }
  }
  std::string failures;
  for (const ChainReport::Failure& failure : report.failures)
    failures += (failures.empty() ? "" : "; ") + link_label(failure.link, failure.provider) + ": " +
                failure.error;
  return finish(make_error("every link of chain '" + spec_.name + "' failed: " + failures));
}

Result<ChainConfig> load_chain_config(const EnvironmentLookup& environment,
                                      const std::optional<std::filesystem::path>& file) {
  ChainConfig config;
  Result<std::optional<std::filesystem::path>> path = config_file_to_read(environment, file);
  if (!path) return path.error();
  if (!*path) return config;
  const std::string where = "config file " + (*path)->string();
  std::string chain;
  try {
    const YAML::Node root = YAML::LoadFile((*path)->string());
    if (!root.IsDefined() || root.IsNull()) return config;
    if (const YAML::Node breaker = root["circuit_breaker"]; breaker.IsDefined()) {
      config.breaker.failure_threshold = breaker["failure_threshold"].as<int>(3);
      if (config.breaker.failure_threshold < 1)
        throw YAML::Exception(breaker.Mark(), "failure_threshold must be at least 1");
      config.breaker.cool_down =
          seconds_field(breaker, "cool_down_seconds", config.breaker.cool_down);
    }
    const YAML::Node chains = root["chains"];
    if (!chains.IsDefined() || chains.IsNull()) return config;
    if (!chains.IsMap()) throw YAML::Exception(chains.Mark(), "chains must be a map of lists");
    for (const auto& entry : chains) {
      chain = entry.first.as<std::string>();
      ChainSpec spec{chain, {}};
      if (!entry.second.IsSequence() || entry.second.size() == 0)
        throw YAML::Exception(entry.second.Mark(), "a chain must be a non-empty list of links");
      for (const YAML::Node& link : entry.second) spec.links.push_back(parse_link(link));
      config.chains.push_back(std::move(spec));
    }
  } catch (const YAML::Exception& error) {
    const std::string in_chain = chain.empty() ? "" : "chain '" + chain + "': ";
    return make_error(where + ":" + std::to_string(error.mark.line + 1) + ": " + in_chain +
                      error.msg);
  }
  return config;
}

}  // namespace atlas::providers
