#include "providers/price_table.h"

#include <yaml-cpp/yaml.h>

#include <cmath>

namespace atlas::providers {

std::optional<double> PriceTable::price(const std::string& provider,
                                        const std::string& model) const {
  const auto models = prices.find(provider);
  if (models == prices.end()) return std::nullopt;
  for (const std::string& key : {model, std::string("default")}) {
    const auto found = models->second.find(key);
    if (found != models->second.end()) return found->second;
  }
  return std::nullopt;
}

void report_task_call(const TaskCall& call, const PriceTable& prices,
                      const pipeline::UsageSink& sink) {
  const bool task_created = !call.task_id.empty() || call.task_outcome_unknown;
  if (!sink || (call.create_requests == 0 && !task_created)) return;
  pipeline::UsageRecord record;
  record.provider = call.provider;
  record.model = call.model;
  record.task_id = call.task_id;
  record.seconds = call.seconds;
  record.billed_by = call.billed_by;
  record.succeeded = call.succeeded;
  record.outcome_unknown = call.task_outcome_unknown;
  record.currency = prices.currency;
  const std::optional<double> per_call = prices.price(call.provider, call.model);
  record.priced = per_call.has_value();
  record.cost = per_call && task_created ? *per_call : 0;
  sink(record);
}

Result<PriceTable> load_price_table(const EnvironmentLookup& environment,
                                    const std::optional<std::filesystem::path>& file) {
  PriceTable table;
  Result<std::optional<std::filesystem::path>> path = config_file_to_read(environment, file);
  if (!path) return path.error();
  if (!*path) return table;
  const std::string where = "config file " + (*path)->string();
  try {
    const YAML::Node root = YAML::LoadFile((*path)->string());
    if (!root.IsMap()) return table;
    const YAML::Node section = root["prices"];
    if (!section.IsDefined() || section.IsNull()) return table;
    if (!section.IsMap())
      throw YAML::Exception(section.Mark(), "prices must be a map of providers");
    for (const auto& provider : section) {
      const std::string name = provider.first.as<std::string>();
      if (name == "currency") {
        table.currency = provider.second.as<std::string>();
        continue;
      }
      if (!provider.second.IsMap())
        throw YAML::Exception(provider.second.Mark(),
                              "prices." + name + " must map models to prices");
      for (const auto& model : provider.second) {
        const std::string entry = "prices." + name + "." + model.first.as<std::string>();
        double price = -1;
        if (!YAML::convert<double>::decode(model.second, price) || !std::isfinite(price) ||
            price < 0)
          throw YAML::Exception(model.second.Mark(),
                                entry + " must be a price: a number, 0 or more");
        table.prices[name][model.first.as<std::string>()] = price;
      }
    }
  } catch (const YAML::Exception& error) {
    return make_error(where + ":" + std::to_string(error.mark.line + 1) + ": " + error.msg);
  }
  return table;
}

}  // namespace atlas::providers
