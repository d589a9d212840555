#pragma once
// What remote calls cost, from the config file's `prices` section (the same file as the
// gateway's, see gateway_config.h). Prices come from configuration, never from code:
//   prices:
//     currency: USD          # optional, default USD; one currency for the whole table
//     "404":                 # a provider's name, as pipelines name it
//       404-3dgs: 0.15       # per call of that model
//       404-mesh: 0.25
//       404-mesh-v2: 0.25
//     meshy-retexture:
//       default: 0.10        # the provider's models without a price of their own
// A provider or model without a price is recorded unpriced (cost 0, priced false), so
// reports show what the table is missing instead of guessing.

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "core/result.h"
#include "pipeline/usage_record.h"
#include "providers/gateway_config.h"

namespace atlas::providers {

struct PriceTable {
  std::string currency = "USD";
  // provider -> model (or "default") -> price per call
  std::map<std::string, std::map<std::string, double>> prices;

  // The model's price, else the provider's default, else nullopt.
  std::optional<double> price(const std::string& provider, const std::string& model) const;
};

// What a provider knows of one call to a task-style service when it ends.
struct TaskCall {
  std::string provider;
  std::string model;
  std::string billed_by;
  std::string task_id;  // empty when no task is known to exist
  bool task_outcome_unknown = false;
  int create_requests = 0;  // requests to create the task that reached the service
  double seconds = 0;
  bool succeeded = false;  // the call returned an asset
};

// Hands `sink` the call's record, priced from `prices`: every call that reached the
// service is recorded; it costs the price once a task exists or may exist, and nothing
// when the service refused to create one. Does nothing when `sink` is empty or no
// request reached the service.
void report_task_call(const TaskCall& call, const PriceTable& prices,
                      const pipeline::UsageSink& sink);

// Reads the `prices` section; an empty table when the file or the section is absent.
// `file` as for load_gateway_config. Fails naming the file, the line and the entry on a
// malformed table: a price that is not a number, negative or not finite.
Result<PriceTable> load_price_table(const EnvironmentLookup& environment,
                                    const std::optional<std::filesystem::path>& file);

}  // namespace atlas::providers
