#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "pipeline/ops/op_support.h"
#include "pipeline/ops/ops.h"

namespace atlas::pipeline::ops {
namespace {

using Json = nlohmann::ordered_json;

struct Check {
  std::string metric;
  std::string comparison;
  double threshold = 0;
};

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  const auto last = text.find_last_not_of(" \t");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

// "mean_iou >= 0.93; triangles <= 20000": metric, comparison, number.
Result<std::vector<Check>> parse_checks(const std::string& text) {
  std::vector<Check> checks;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ';');) {
    item = trimmed(item);
    if (item.empty()) continue;
    Check check;
    for (const char* comparison : {">=", "<=", "==", "!=", ">", "<"}) {
      const std::size_t at = item.find(comparison);
      if (at == std::string::npos) continue;
      check.metric = trimmed(item.substr(0, at));
      check.comparison = comparison;
      const std::string number = trimmed(item.substr(at + check.comparison.size()));
      char* end = nullptr;
      check.threshold = std::strtod(number.c_str(), &end);
      if (number.empty() || end != number.c_str() + number.size())
        return make_error("check '" + item + "': '" + number + "' is not a number");
      break;
    }
    if (check.comparison.empty() || check.metric.empty())
      return make_error("check '" + item + "' is not 'metric >= number' (or <=, >, <, ==, !=)");
    checks.push_back(check);
  }
  if (checks.empty()) return make_error("no checks given");
  return checks;
}

bool holds(const Check& check, double value) {
  if (check.comparison == ">=") return value >= check.threshold;
  if (check.comparison == "<=") return value <= check.threshold;
  if (check.comparison == ">") return value > check.threshold;
  if (check.comparison == "<") return value < check.threshold;
  if (check.comparison == "==") return value == check.threshold;
  return value != check.threshold;
}

Result<Values> run_gate(const OpContext& context) {
  Result<std::vector<Check>> checks = parse_checks(context.text("checks"));
  if (!checks) return with_context("node '" + context.node + "': param 'checks'", checks.error());
  std::map<std::string, double> metrics;
  for (const char* port : {"report", "extra"}) {
    if (const Value* value = context.input(port); value && value->report())
      for (const auto& [name, metric] : value->report()->metrics) metrics.emplace(name, metric);
  }
  Report outcome;
  Json details = Json::array();
  std::string failures;
  for (const Check& check : *checks) {
    const auto found = metrics.find(check.metric);
    if (found == metrics.end()) {
      std::string known;
      for (const auto& [name, metric] : metrics) known += (known.empty() ? "" : ", ") + name;
      return make_error("node '" + context.node + "': no metric '" + check.metric +
                        "' in its reports (metrics: " + known + ")");
    }
    const bool passed = holds(check, found->second);
    details.push_back({{"metric", check.metric},
                       {"value", found->second},
                       {"needs", check.comparison + " " + std::to_string(check.threshold)},
                       {"passed", passed}});
    outcome.metrics[check.metric] = found->second;
    if (!passed) {
      char line[200];
      std::snprintf(line, sizeof line, "%s is %g, needs %s %g", check.metric.c_str(), found->second,
                    check.comparison.c_str(), check.threshold);
      failures += (failures.empty() ? "" : "; ") + std::string(line);
    }
  }
  outcome.metrics["passed"] = failures.empty() ? 1 : 0;
  outcome.details_json = Json{{"checks", details}}.dump();
  const bool passed = failures.empty();
  if (!passed && context.text("on_fail") == "fail")
    return make_error("gate '" + context.node + "' failed: " + failures);
  if (!passed) outcome.warnings.push_back("gate failed: " + failures);
  const Value* subject = context.input("subject");
  Values outputs;
  outputs[passed ? "pass" : "fail"] = Value(std::move(outcome));
  outputs[passed ? "fail" : "pass"] = Value();
  outputs[passed ? "pass_subject" : "fail_subject"] = subject ? *subject : Value();
  outputs[passed ? "fail_subject" : "pass_subject"] = Value();
  return outputs;
}

}  // namespace

void add_gate_op(std::vector<OpSpec>& catalogue) {
  OpSpec gate;
  gate.name = "gate";
  gate.purpose =
      "Checks metrics from reports against thresholds. On failure it fails the job naming "
      "the metric, retries an upstream node with other params, or takes another branch "
      "(nodes reading `fail` or `fail_subject` run, nodes reading `pass` or "
      "`pass_subject` are skipped).";
  gate.inputs = {{"report", ValueType::Report, false, "metrics to check"},
                 {"extra", ValueType::Report, true, "more metrics (names must not clash)"},
                 {"subject", ValueType::Asset, true, "the model the gate lets through"}};
  gate.outputs = {{"pass", ValueType::Report, true, "the checks' outcome, when all hold"},
                  {"fail", ValueType::Report, true, "the checks' outcome, when one does not"},
                  {"pass_subject", ValueType::Asset, true, "`subject`, when all checks hold"},
                  {"fail_subject", ValueType::Asset, true, "`subject`, when one does not"}};
  gate.params = {
      text_param("checks", "mean_iou >= 0.93",
                 "'metric >= number' (or <=, >, <, ==, !=), several separated by ';'"),
      choice_param("on_fail", "fail", {"fail", "retry", "branch"},
                   "fail the job, retry `retry_node` with `retry_set`, or take the `fail` branch"),
      text_param("retry_node", "", "the node to run again (retry)"),
      text_param("retry_set", "",
                 "its params for the retry: 'param=value', several separated by ';'"),
      integer_param("max_retries", 1, 1, 5, "retries before the job fails")};
  gate.run = run_gate;
  catalogue.push_back(std::move(gate));
}

}  // namespace atlas::pipeline::ops
