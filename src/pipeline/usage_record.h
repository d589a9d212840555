#pragma once
// Metering's unit: what one call to a remote service (a generation, a model run) did and
// cost. Providers report them as they make calls, pipeline reports list them, and the
// service bills from them.

#include <functional>
#include <string>
#include <vector>

namespace atlas::pipeline {

// Every call that reached the service is recorded, whether it succeeded or not: a task
// may be charged either way; a request the service refused to make a task of costs 0.
struct UsageRecord {
  std::string node;      // the pipeline node that made the call; set by the executor
  std::string provider;  // the registered provider that called the service ("404")
  std::string chain;     // the provider chain the call was made through; empty if none
  std::string model;     // the service's model ("404-3dgs")
  std::string task_id;   // empty when the task's id is unknown
  double seconds = 0;    // the call's wall time, the service's own time included
  // From the price table in the configuration; 0 when the table has no price for it
  // (`priced` false).
  double cost = 0;
  bool priced = false;
  std::string currency = "USD";
  // Whose charge it is: "404" for the gateway's generations, passed through at cost.
  std::string billed_by;
  bool succeeded = false;
  // The call failed after the request that creates the task was sent but before its
  // answer came: a task may exist and be charged. Counted as charged.
  bool outcome_unknown = false;
};

// Receives usage records, from any thread, one at a time per call.
using UsageSink = std::function<void(const UsageRecord& record)>;

// The records as a JSON object's text for reports: {"calls": [every record],
// "total": {currency: cost}, "billed_by": {who: {currency: cost}}}.
std::string usage_report_json(const std::vector<UsageRecord>& records);

}  // namespace atlas::pipeline
