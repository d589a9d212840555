#pragma once
// The workers of `atlas serve`: threads of their own (never the HTTP I/O threads) that
// lease queued jobs from the store and run their pipelines.
//
// A worker holds a job only through its lease, renewed on a heartbeat; when its process
// dies the lease expires and another worker (after a restart, this process's) runs the
// job again from the start. Everything a run leaves is therefore either invisible until
// the end (outputs are written into a work folder and renamed into place as a whole) or
// idempotent (usage entries are keyed by the job, so a re-run is never charged twice;
// Atlas's own charges are recorded in the same transaction that marks the job
// succeeded, remote providers' calls as they are made, since those are billed either way).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/artifact_store.h"
#include "service/job_store.h"

namespace atlas::service {

struct WorkerOptions {
  int workers = 2;
  std::int64_t lease_ms = 30'000;
  // How often a running job's lease is renewed and cancellation is checked: a third of
  // the lease, so two missed heartbeats still leave the lease held.
  std::chrono::milliseconds heartbeat{10'000};
  std::chrono::milliseconds idle_poll{500};  // how often an idle worker looks for a job
  int max_attempts = 3;
  int node_jobs = 1;  // a pipeline's nodes at once (ExecuteOptions::jobs)
  int threads = 0;    // each op's own parallelism; 0: every hardware thread
  Prices prices;
  std::string worker_prefix;  // names the workers in leases; empty: host and process id
};

class JobWorkers {
 public:
  JobWorkers(JobStore& store, ArtifactStore& artifacts, WorkerOptions options);
  ~JobWorkers();
  JobWorkers(const JobWorkers&) = delete;
  JobWorkers& operator=(const JobWorkers&) = delete;

  void start();
  // A job was queued: an idle worker looks now instead of at its next poll.
  void wake();
  // Stops the running pipelines, gives their jobs back to the queue and joins the
  // threads. Idempotent.
  void stop();

  // Jobs this process's workers ran to an outcome, for /metrics.
  std::int64_t jobs_run() const { return jobs_run_; }

  // How an attempt ended: with an outcome to record, by giving the job back to the
  // queue (shutdown), or with nothing to record (the lease was lost).
  struct AttemptEnd {
    enum class What { Finish, Release, Drop };
    What what = What::Finish;
    JobOutcome outcome;
  };

 private:
  void loop(int index);
  void run_job(const Job& job, const std::string& worker_id);
  AttemptEnd attempt(const Job& job, const std::string& worker_id,
                     const std::filesystem::path& work);

  JobStore& store_;
  ArtifactStore& artifacts_;
  WorkerOptions options_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> jobs_run_{0};
};

}  // namespace atlas::service
