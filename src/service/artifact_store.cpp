#include "service/artifact_store.h"

#include <fcntl.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/file_io.h"
#include "core/sha256.h"
#include "service/ids.h"

namespace atlas::service {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifest = ".manifest";
constexpr const char* kArtifactsZip = ".artifacts.zip";

Status fsync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path.string() + ": cannot open to sync: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) return make_error(path.string() + ": cannot sync: " + std::strerror(error));
  return Ok{};
}

// Temporary file beside `path`, fsync, rename, fsync of the folder (so the rename too
// survives a power cut).
Status write_durably(const fs::path& path, std::string_view bytes) {
  const fs::path temp = path.parent_path() / (".tmp-" + random_id("", 8));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(temp.string() + ": cannot create: " + std::strerror(errno));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      std::error_code ignored;
      fs::remove(temp, ignored);
      return make_error(path.string() + ": cannot write: " + std::strerror(error));
    }
    written += std::size_t(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  std::error_code ec;
  if (synced) fs::rename(temp, path, ec);
  if (!synced || ec) {
    fs::remove(temp, ec);
    return make_error(path.string() + ": cannot write durably");
  }
  return fsync_path(path.parent_path(), true);
}

// Deflating these gains next to nothing and costs time on every download.
bool is_compressed_format(const fs::path& name) {
  std::string extension = name.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  for (const char* compressed :
       {".png", ".jpg", ".jpeg", ".webp", ".ktx2", ".spz", ".zip", ".gz", ".zst"})
    if (extension == compressed) return true;
  return false;
}

// Writes the ZIP of `artifacts` (files in `dir`) to `path`.
Status write_zip(const fs::path& path, const fs::path& dir,
                 const std::vector<Artifact>& artifacts) {
  int error_code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_EXCL, &error_code);
  if (archive == nullptr) {
    zip_error_t error;
    zip_error_init_with_code(&error, error_code);
    std::string message = path.string() + ": cannot create: " + zip_error_strerror(&error);
    zip_error_fini(&error);
    return make_error(message);
  }
  const auto failed = [&](const std::string& what) {
    std::string message = path.string() + ": " + what + ": " + zip_strerror(archive);
    zip_discard(archive);
    return make_error(message);
  };
  for (const Artifact& artifact : artifacts) {
    const fs::path file = dir / artifact.name;
    zip_source_t* source = zip_source_file(archive, file.c_str(), 0, -1);
    if (source == nullptr) return failed("cannot read " + artifact.name);
    const zip_int64_t index =
        zip_file_add(archive, artifact.name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(source);
      return failed("cannot add " + artifact.name);
    }
    if (zip_set_file_compression(
            archive, zip_uint64_t(index),
            is_compressed_format(artifact.name) ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0) != 0)
      return failed("cannot set the compression of " + artifact.name);
  }
  if (zip_close(archive) != 0) return failed("cannot write");
  return fsync_path(path, false);
}

}  // namespace

ArtifactStore::ArtifactStore(fs::path data_dir) : data_dir_(std::move(data_dir)) {}

Status ArtifactStore::prepare() {
  std::error_code ec;
  for (const char* sub : {"assets", "jobs", "work"}) {
    fs::create_directories(data_dir_ / sub, ec);
    if (ec) return make_error((data_dir_ / sub).string() + ": cannot create: " + ec.message());
  }
  for (const auto& entry : fs::directory_iterator(data_dir_ / "work", ec)) {
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
  if (ec) return make_error((data_dir_ / "work").string() + ": cannot list: " + ec.message());
  // Temporary files of uploads a crash interrupted.
  for (const auto& entry : fs::directory_iterator(data_dir_ / "assets", ec))
    if (entry.path().filename().string().rfind(".tmp-", 0) == 0) {
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
    }
  return Ok{};
}

fs::path ArtifactStore::asset_path(const std::string& asset_id) const {
  return data_dir_ / "assets" / asset_id;
}

Status ArtifactStore::write_asset(const std::string& asset_id, std::string_view bytes) {
  return write_durably(asset_path(asset_id), bytes);
}

Result<fs::path> ArtifactStore::make_work_dir(const std::string& job_id, int attempt) {
  const fs::path dir =
      data_dir_ / "work" / (job_id + "-" + std::to_string(attempt) + "-" + random_id("", 4));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(dir.string() + ": cannot create: " + ec.message());
  return dir;
}

Result<std::vector<Artifact>> ArtifactStore::publish(const std::string& job_id,
                                                     const fs::path& outputs) {
  std::vector<Artifact> artifacts;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(outputs, ec)) {
    if (!entry.is_regular_file()) continue;
    Result<Bytes> bytes = read_file(entry.path());
    if (!bytes) return bytes.error();
    artifacts.push_back({entry.path().filename().string(), bytes->size(), sha256_hex(*bytes)});
    if (Status synced = fsync_path(entry.path(), false); !synced) return synced.error();
  }
  if (ec) return make_error(outputs.string() + ": cannot list: " + ec.message());
  std::sort(artifacts.begin(), artifacts.end(),
            [](const Artifact& a, const Artifact& b) { return a.name < b.name; });
  std::string manifest;
  for (const Artifact& artifact : artifacts)
    manifest += artifact.sha256 + " " + std::to_string(artifact.size) + " " + artifact.name + "\n";
  if (Status written = write_durably(outputs / kManifest, manifest); !written)
    return written.error();

  const fs::path target = data_dir_ / "jobs" / job_id;
  // An earlier attempt may have published before its process died: moved aside first,
  // since a folder cannot be renamed over a non-empty one.
  if (fs::exists(target, ec)) {
    const fs::path aside = data_dir_ / "work" / (job_id + "-replaced-" + random_id("", 4));
    fs::rename(target, aside, ec);
    if (ec) return make_error(target.string() + ": cannot replace: " + ec.message());
    fs::remove_all(aside, ec);
  }
  fs::rename(outputs, target, ec);
  if (ec) return make_error(target.string() + ": cannot publish: " + ec.message());
  if (Status synced = fsync_path(target.parent_path(), true); !synced) return synced.error();
  return artifacts;
}

Result<std::vector<Artifact>> ArtifactStore::artifacts(const std::string& job_id) const {
  const fs::path manifest = data_dir_ / "jobs" / job_id / kManifest;
  std::error_code ec;
  if (!fs::exists(manifest, ec)) return std::vector<Artifact>();
  std::ifstream in(manifest);
  if (!in) return make_error(manifest.string() + ": cannot read");
  std::vector<Artifact> artifacts;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Artifact artifact;
    fields >> artifact.sha256 >> artifact.size;
    std::getline(fields >> std::ws, artifact.name);
    if (!fields && artifact.name.empty())
      return make_error(manifest.string() + ": malformed line '" + line + "'");
    artifacts.push_back(std::move(artifact));
  }
  return artifacts;
}

Result<std::optional<ArtifactStore::PublishedFile>> ArtifactStore::find_artifact(
    const std::string& job_id, const std::string& name) const {
  Result<std::vector<Artifact>> listed = artifacts(job_id);
  if (!listed) return listed.error();
  for (Artifact& artifact : *listed)
    if (artifact.name == name)
      return std::optional<PublishedFile>(
          PublishedFile{std::move(artifact), data_dir_ / "jobs" / job_id / name});
  return std::optional<PublishedFile>();
}

Result<fs::path> ArtifactStore::artifacts_zip(const std::string& job_id) const {
  const fs::path dir = data_dir_ / "jobs" / job_id;
  const fs::path zip = dir / kArtifactsZip;
  std::error_code ec;
  if (fs::exists(zip, ec)) return zip;
  Result<std::vector<Artifact>> listed = artifacts(job_id);
  if (!listed) return listed.error();
  if (listed->empty()) return make_error("job " + job_id + " has no artifacts");
  const fs::path temp = dir / (".tmp-" + random_id("", 8) + ".zip");
  if (Status written = write_zip(temp, dir, *listed); !written) {
    fs::remove(temp, ec);
    return written.error();
  }
  fs::rename(temp, zip, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return make_error(zip.string() + ": cannot publish: " + ec.message());
  }
  return zip;
}

}  // namespace atlas::service
