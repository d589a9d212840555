#include "store_setup.h"

#include <filesystem>

#include "service/postgres_job_store.h"
#include "service/sqlite_job_store.h"

namespace atlas::cli {

namespace fs = std::filesystem;

Result<std::unique_ptr<service::JobStore>> open_job_store(const std::string& db,
                                                          const std::string& data) {
  if (!db.empty()) {
    if (db.rfind("postgresql://", 0) != 0 && db.rfind("postgres://", 0) != 0)
      return make_error("--db: expected a PostgreSQL URL (postgresql://USER@HOST/DB), got '" +
                        service::PostgresJobStore::redacted(db) + "'");
    auto store = service::PostgresJobStore::open(db);
    if (!store) return store.error();
    return std::unique_ptr<service::JobStore>(std::move(store.value()));
  }
  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec) return make_error(data + ": cannot create the data folder: " + ec.message());
  auto store = service::SqliteJobStore::open(fs::path(data) / "atlas.db");
  if (!store) return store.error();
  return std::unique_ptr<service::JobStore>(std::move(store.value()));
}

Status prepare_artifacts(service::ArtifactStore& artifacts, const std::string& db) {
  if (db.empty()) return artifacts.prepare();
  for (const char* sub : {"assets", "jobs", "work"}) {
    std::error_code ec;
    fs::create_directories(artifacts.data_dir() / sub, ec);
    if (ec)
      return make_error((artifacts.data_dir() / sub).string() + ": cannot create: " + ec.message());
  }
  return Ok{};
}

}  // namespace atlas::cli
