#pragma once
// The files of the service under its data folder:
//   DATA/assets/<asset id>         uploads, as uploaded
//   DATA/jobs/<job id>/<name>      a finished job's outputs, with .manifest (name, size,
//                                  SHA-256 of each) beside them, and .artifacts.zip once
//                                  somebody asked for them all
//   DATA/work/                     attempts in progress; emptied when the server starts
// Nothing is ever visible half-written: a file is written to a temporary name, flushed
// to disk (fsync) and renamed; a job's outputs are written into a work folder that is
// renamed into DATA/jobs as a whole once every file and the manifest are on disk. A
// crash leaves at most a stray work folder, which the next start removes.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace atlas::service {

struct Artifact {
  std::string name;
  std::uint64_t size = 0;
  std::string sha256;  // also the download's ETag
};

class ArtifactStore {
 public:
  explicit ArtifactStore(std::filesystem::path data_dir);

  // Creates the folders and removes what attempts of a previous process left in
  // DATA/work. Call once at start, before any worker runs.
  Status prepare();

  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::filesystem::path asset_path(const std::string& asset_id) const;
  // Writes an upload durably under its id (temporary file, fsync, rename).
  Status write_asset(const std::string& asset_id, std::string_view bytes);

  // A new empty folder for one attempt of a job, under DATA/work.
  Result<std::filesystem::path> make_work_dir(const std::string& job_id, int attempt);
  // Makes `outputs` (a folder under DATA/work holding only regular files) the job's
  // artifacts: writes the manifest, fsyncs everything and renames the folder to
  // DATA/jobs/<job id>, replacing what an earlier attempt published.
  Result<std::vector<Artifact>> publish(const std::string& job_id,
                                        const std::filesystem::path& outputs);
  // The published artifacts, from the manifest; empty when the job published none.
  Result<std::vector<Artifact>> artifacts(const std::string& job_id) const;
  // The published artifact named `name` with its file; nullopt when the manifest has no
  // such name (which also keeps "../" and other path tricks out).
  struct PublishedFile {
    Artifact artifact;
    std::filesystem::path path;
  };
  Result<std::optional<PublishedFile>> find_artifact(const std::string& job_id,
                                                     const std::string& name) const;
  // Every published artifact in one ZIP (DATA/jobs/<job id>/.artifacts.zip, made on the
  // first call): pictures and other compressed files stored, the rest deflated. Written
  // under a temporary name and renamed, so a concurrent call never reads half a file.
  Result<std::filesystem::path> artifacts_zip(const std::string& job_id) const;

 private:
  std::filesystem::path data_dir_;
};

}  // namespace atlas::service
