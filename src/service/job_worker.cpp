#include "service/job_worker.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "pipeline/executor.h"
#include "service/ids.h"
#include "service/input_generation.h"
#include "service/job_input.h"
#include "service/job_pipeline.h"

namespace atlas::service {

namespace fs = std::filesystem;
using Json = nlohmann::json;

JobWorkers::JobWorkers(JobStore& store, ArtifactStore& artifacts, WorkerOptions options)
    : store_(store), artifacts_(artifacts), options_(std::move(options)) {
  options_.worker_prefix = lease_owner_prefix(options_.worker_prefix);
}

JobWorkers::~JobWorkers() { stop(); }

void JobWorkers::start() {
  for (int i = 0; i < std::max(1, options_.workers); ++i)
    threads_.emplace_back([this, i] { loop(i); });
}

void JobWorkers::wake() {
  {
    const std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void JobWorkers::stop() {
  stopping_ = true;
  wake_.notify_all();
  for (std::thread& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
}

void JobWorkers::loop(int index) {
  const std::string worker_id = options_.worker_prefix + "/" + std::to_string(index);
  while (!stopping_) {
    auto leased = store_.lease_next_job(worker_id, options_.lease_ms, options_.max_attempts);
    if (!leased) std::fprintf(stderr, "atlas serve: %s\n", leased.error().message.c_str());
    if (leased && *leased) {
      run_job(**leased, worker_id);
      continue;
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.idle_poll, [this] { return woken_ || stopping_.load(); });
    woken_ = false;
  }
}

namespace {

// Renews the lease every heartbeat while a job runs, turning a lost lease, a client's
// cancellation or the server's shutdown into the executor's cancel flag.
class Heartbeat {
 public:
  Heartbeat(JobStore& store, const std::string& job_id, const std::string& worker_id,
            const WorkerOptions& options, const std::atomic<bool>& stopping)
      : thread_([&, job_id, worker_id] {
          std::unique_lock lock(mutex_);
          while (!done_) {
            done_cv_.wait_for(lock, std::chrono::milliseconds(100));
            if (done_) break;
            if (stopping) {
              stopped = true;
              cancel = true;
            }
            if (std::chrono::steady_clock::now() - last_ < options.heartbeat) continue;
            last_ = std::chrono::steady_clock::now();
            auto renewed = store.renew_lease(job_id, worker_id, options.lease_ms);
            if (!renewed) {
              lost = true;
              cancel = true;
            } else if (renewed->cancel_requested) {
              cancelled_by_client = true;
              cancel = true;
            }
          }
        }) {}
  ~Heartbeat() {
    {
      const std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }

  std::atomic<bool> cancel{false};
  std::atomic<bool> lost{false};
  std::atomic<bool> cancelled_by_client{false};
  std::atomic<bool> stopped{false};

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::thread thread_;
};

JobWorkers::AttemptEnd failed(const std::string& code, const std::string& message) {
  JobWorkers::AttemptEnd end;
  end.outcome.state = JobState::Failed;
  end.outcome.error_code = code;
  end.outcome.error_message = message;
  return end;
}

// How an attempt the cancel flag stopped ends: given back to the queue when the server
// shuts down, cancelled when the client asked.
JobWorkers::AttemptEnd interrupted(const Heartbeat& heartbeat) {
  if (!heartbeat.cancelled_by_client) return {JobWorkers::AttemptEnd::What::Release, {}};
  JobWorkers::AttemptEnd end;
  end.outcome.state = JobState::Cancelled;
  end.outcome.error_code = "cancelled";
  end.outcome.error_message = "cancelled by the client";
  return end;
}

// A generated input's artifact: "generated-<input>.<ext>" from inputs/<i>/generated.<ext>.
constexpr const char* kGeneratedPrefix = "generated-";

std::string generated_artifact_name(const fs::path& file) {
  return kGeneratedPrefix + file.parent_path().filename().string() + file.extension().string();
}

bool is_generated_artifact(const std::string& name) { return name.rfind(kGeneratedPrefix, 0) == 0; }

}  // namespace

void JobWorkers::run_job(const Job& job, const std::string& worker_id) {
  auto work = artifacts_.make_work_dir(job.id, job.attempts);
  const AttemptEnd end =
      work ? attempt(job, worker_id, *work) : failed("storage", work.error().message);
  // The attempt's folder goes before its end is recorded (published outputs were renamed
  // out of it), so a finished job never has one left behind.
  if (work) {
    std::error_code ignored;
    fs::remove_all(*work, ignored);
  }
  Status recorded = Ok{};
  if (end.what == AttemptEnd::What::Finish) {
    recorded = store_.finish_job(job.id, worker_id, end.outcome);
    ++jobs_run_;
  } else if (end.what == AttemptEnd::What::Release) {
    recorded = store_.release_job(job.id, worker_id);
  }
  if (!recorded) std::fprintf(stderr, "atlas serve: %s\n", recorded.error().message.c_str());
}

JobWorkers::AttemptEnd JobWorkers::attempt(const Job& job, const std::string& worker_id,
                                           const fs::path& work) {
  auto pipeline = load_job_pipeline(job.pipeline, job.overrides);
  if (!pipeline) return failed("invalid_pipeline", pipeline.error().message);
  if (pipeline->document.inputs.size() != job.inputs.size())
    return failed("invalid_inputs",
                  "the pipeline takes " + std::to_string(pipeline->document.inputs.size()) +
                      " inputs, the job has " + std::to_string(job.inputs.size()));
  std::vector<JobInput> job_inputs;
  for (const std::string& stored : job.inputs) {
    auto input = decode_job_input(stored);
    if (!input) return failed("invalid_inputs", input.error().message);
    job_inputs.push_back(std::move(input).value());
  }
  const auto generations =
      std::count_if(job_inputs.begin(), job_inputs.end(),
                    [](const JobInput& input) { return input.is_generation(); });

  Heartbeat heartbeat(store_, job.id, worker_id, options_, stopping_);
  const std::size_t total = std::max<std::size_t>(pipeline->ops.size() + generations, 1);
  std::size_t done_nodes = 0;
  double last_fraction = -1;
  // Each node event (and each generation of an input, reported like a node) is a job
  // event and moves the job's progress.
  const auto report = [&](const pipeline::NodeEvent& event) {
    using pipeline::NodeState;
    if (event.state == NodeState::Queued) return;
    if (event.state == NodeState::Progress) {
      // Progress of a node comes often; a tenth of it is an event worth a transaction.
      if (event.fraction - last_fraction < 0.1 && event.fraction < 1) return;
      last_fraction = event.fraction;
    } else {
      last_fraction = -1;
    }
    if (event.state != NodeState::Started && event.state != NodeState::Progress) ++done_nodes;
    const double fraction =
        (double(done_nodes) + (event.state == NodeState::Progress ? event.fraction : 0)) /
        double(total);
    const int progress = std::min(99, int(fraction * 100));
    Json data = {{"node", event.node},
                 {"state", pipeline::to_string(event.state)},
                 {"attempt", job.attempts}};
    if (event.state == NodeState::Progress) data["fraction"] = event.fraction;
    if (!event.message.empty()) data["message"] = event.message;
    if (Status recorded =
            store_.record_progress(job.id, worker_id, progress, event.node,
                                   data.dump(-1, ' ', false, Json::error_handler_t::replace));
        !recorded) {
      heartbeat.lost = true;
      heartbeat.cancel = true;
    }
  };
  // Remote calls are charged as they are made, not when the job succeeds: 404 bills a
  // task whether or not the run that asked for it finishes, so an attempt a crash ended
  // is billed for what it called. Each call's key (its task, or its place in the
  // attempt) makes recording it again a no-op.
  std::mutex usage_mutex;
  int calls = 0;
  const pipeline::UsageSink record_call = [&](const pipeline::UsageRecord& record) {
    const std::lock_guard lock(usage_mutex);
    ++calls;
    UsageEntry entry;
    entry.entry_key = "job:" + job.id + ":generation:" +
                      (record.task_id.empty()
                           ? "attempt-" + std::to_string(job.attempts) + ":" + std::to_string(calls)
                           : record.provider + ":" + record.task_id);
    entry.tenant_id = job.tenant_id;
    entry.job_id = job.id;
    entry.kind = UsageKind::Generation;
    entry.provider = record.provider;
    entry.detail = record.model + " (node " + record.node + ")";
    entry.quantity = 1;
    entry.cost = record.cost;
    entry.currency = record.currency;
    entry.billed_by = record.billed_by.empty() ? record.provider : record.billed_by;
    entry.time_ms = now_ms();
    if (Result<bool> recorded = store_.record_usage(entry); !recorded)
      std::fprintf(stderr, "atlas serve: %s\n", recorded.error().message.c_str());
  };

  // Inputs under their uploaded names (formats without magic bytes are recognised by
  // extension), as links to the stored assets; generated inputs as the provider's file.
  std::vector<fs::path> inputs;
  std::vector<fs::path> generated;
  for (std::size_t i = 0; i < job_inputs.size(); ++i) {
    const fs::path dir = work / "inputs" / std::to_string(i);
    const JobInput& input = job_inputs[i];
    const std::string& asset_id =
        input.is_generation() ? input.generation.image_asset : input.asset_id;
    std::optional<Asset> asset;
    if (!asset_id.empty()) {
      auto found = store_.find_asset(job.tenant_id, asset_id);
      if (!found || !*found) return failed("invalid_inputs", "asset " + asset_id + " is gone");
      asset = **found;
    }
    if (input.is_generation()) {
      const std::string node = "generate:" + pipeline->document.inputs[i].name;
      report({node, pipeline::NodeState::Started, 0, ""});
      auto file = generate_input(
          input.generation, asset ? artifacts_.asset_path(asset->id) : fs::path(), dir,
          heartbeat.cancel,
          [&](double fraction) {
            report({node, pipeline::NodeState::Progress, fraction, ""});
          },
          [&](pipeline::UsageRecord record) {
            record.node = node;
            record_call(record);
          });
      if (heartbeat.lost) return {AttemptEnd::What::Drop, {}};
      if (!file && heartbeat.cancel) return interrupted(heartbeat);
      if (!file) {
        report({node, pipeline::NodeState::Failed, 0, file.error().message});
        return failed("generation_failed",
                      "input " + std::to_string(i) + ": " + file.error().message);
      }
      report({node, pipeline::NodeState::Finished, 1, ""});
      inputs.push_back(*file);
      generated.push_back(*file);
      continue;
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    const fs::path link = dir / asset->filename;
    fs::create_symlink(fs::absolute(artifacts_.asset_path(asset->id)), link, ec);
    if (ec) return failed("storage", link.string() + ": cannot link the input: " + ec.message());
    inputs.push_back(link);
  }

  pipeline::ExecuteOptions execute;
  execute.jobs = options_.node_jobs;
  execute.threads = options_.threads;
  execute.cancel = &heartbeat.cancel;
  execute.observer = report;
  execute.usage = record_call;
  auto run = pipeline::execute_pipeline(*pipeline, inputs, execute);
  // Another worker owns the job now: nothing of this attempt may be recorded.
  if (heartbeat.lost) return {AttemptEnd::What::Drop, {}};
  // A run that got to its end is kept even if a cancellation came in meanwhile: the
  // work is done. One the cancel flag stopped ends as whoever raised it asked.
  if (!run && (heartbeat.stopped || heartbeat.cancelled_by_client)) return interrupted(heartbeat);
  if (!run) return failed("pipeline_failed", run.error().message);
  const fs::path outputs = work / "out";
  if (auto written = pipeline::write_outputs(*pipeline, *run, outputs); !written)
    return failed("output_failed", written.error().message);
  // The generated inputs are products too: the client sees what the provider made.
  for (const fs::path& file : generated) {
    const fs::path copy = outputs / generated_artifact_name(file);
    std::error_code ec;
    fs::copy_file(file, copy, fs::copy_options::overwrite_existing, ec);
    if (ec) return failed("output_failed", copy.string() + ": " + ec.message());
  }
  // Publishing replaces what an earlier attempt published, so only the lease holder may.
  if (auto renewed = store_.renew_lease(job.id, worker_id, options_.lease_ms); !renewed)
    return {AttemptEnd::What::Drop, {}};
  auto published = artifacts_.publish(job.id, outputs);
  if (!published) return failed("storage", published.error().message);

  AttemptEnd end;
  end.outcome.state = JobState::Succeeded;
  JobOutcome& outcome = end.outcome;
  const Prices& prices = options_.prices;
  for (const Artifact& artifact : *published) {
    // The run's record is not a product, and a generated input was charged by its provider.
    if (artifact.name == "pipeline_report.json" || is_generated_artifact(artifact.name)) continue;
    outcome.usage.push_back({"job:" + job.id + ":asset:" + artifact.name, job.tenant_id, job.id,
                             UsageKind::Asset, "atlas", artifact.name, 1, prices.asset,
                             prices.currency, "atlas", 0});
  }
  outcome.usage.push_back({"job:" + job.id + ":compute_seconds", job.tenant_id, job.id,
                           UsageKind::ComputeSeconds, "atlas", pipeline->document.name,
                           run->seconds, run->seconds * prices.compute_second, prices.currency,
                           "atlas", 0});
  return end;
}

}  // namespace atlas::service
