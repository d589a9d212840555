#pragma once
// What `atlas serve`, `atlas worker` and `atlas keys` share: the job store a command
// uses, and how the artifact folder is prepared for it.

#include <memory>
#include <string>

#include "core/result.h"
#include "service/artifact_store.h"
#include "service/job_store.h"

namespace atlas::cli {

// PostgreSQL when `db` is a connection URL (postgresql://...), otherwise the embedded
// SQLite database DATA/atlas.db (the folder is created when missing).
Result<std::unique_ptr<service::JobStore>> open_job_store(const std::string& db,
                                                          const std::string& data);

// Creates the artifact folders. Alone (no `db`), the process also empties DATA/work of
// what its previous run left; over a shared database other processes' attempts may be
// running in that folder, so it is left alone.
Status prepare_artifacts(service::ArtifactStore& artifacts, const std::string& db);

}  // namespace atlas::cli
