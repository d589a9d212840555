#include "pipeline/usage_record.h"

#include <nlohmann/json.hpp>

namespace atlas::pipeline {

std::string usage_report_json(const std::vector<UsageRecord>& records) {
  using Json = nlohmann::json;
  Json calls = Json::array();
  Json total = Json::object();
  Json billed_by = Json::object();
  for (const UsageRecord& record : records) {
    calls.push_back({{"node", record.node},
                     {"provider", record.provider},
                     {"chain", record.chain},
                     {"model", record.model},
                     {"task_id", record.task_id},
                     {"seconds", record.seconds},
                     {"cost", record.cost},
                     {"priced", record.priced},
                     {"currency", record.currency},
                     {"billed_by", record.billed_by},
                     {"succeeded", record.succeeded},
                     {"outcome_unknown", record.outcome_unknown}});
    for (Json* sum : {&total[record.currency], &billed_by[record.billed_by][record.currency]})
      *sum = (sum->is_number() ? sum->get<double>() : 0.0) + record.cost;
  }
  return Json{{"calls", calls}, {"total", total}, {"billed_by", billed_by}}.dump();
}

}  // namespace atlas::pipeline
