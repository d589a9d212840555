#include "pipeline/remote_provider.h"

#include <map>
#include <mutex>
#include <utility>

#include "formats/asset_io.h"
#include "formats/mesh_formats.h"

namespace atlas::pipeline {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const RemoteProvider>, std::less<>> providers;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

// A download is one file: anything it refers to did not come with it.
Result<Bytes> refuse_external(std::string_view uri) {
  return make_error("refers to '" + std::string(uri) + "', which was not downloaded with it");
}

Result<Mesh> decode_downloaded_mesh(Format format, ByteView bytes) {
  switch (format) {
    case Format::Glb:
    case Format::Gltf:
      return decode_gltf(bytes, refuse_external);
    case Format::Obj:
      return decode_obj(bytes, refuse_external);
    case Format::PlyMesh:
      return decode_ply_mesh(bytes);
    case Format::Stl:
      return decode_stl(bytes);
    default:
      return make_error(std::string("no mesh reader for ") + format_name(format));
  }
}

Result<Value> decode_encoded(const EncodedAsset& file) {
  const Format format = detect_format(file.bytes, file.extension);
  switch (kind_of(format)) {
    case AssetKind::Splats: {
      Result<SplatCloud> cloud = decode_splats(file.bytes, file.extension);
      if (!cloud) return with_context("the returned splat file", cloud.error());
      return Value(std::move(cloud).value());
    }
    case AssetKind::Mesh: {
      Result<Mesh> mesh = decode_downloaded_mesh(format, file.bytes);
      if (!mesh) return with_context("the returned mesh file", mesh.error());
      return Value(std::move(mesh).value());
    }
    case AssetKind::Unknown:
      break;
  }
  return make_error("the returned file (" + std::to_string(file.bytes.size()) + " bytes, ." +
                    file.extension + ") is not a splat or mesh format Atlas reads");
}

}  // namespace

const char* to_string(RemoteAssetKind kind) {
  return kind == RemoteAssetKind::Splat ? "splat" : "mesh";
}

Result<RemoteAsset> RemoteProvider::generate(const GenerateRequest&, const std::atomic<bool>&,
                                             const RemoteProgress&) const {
  return make_error("this provider does not generate assets");
}

Result<RemoteAsset> RemoteProvider::run_model(const ModelRequest&, const std::atomic<bool>&,
                                              const RemoteProgress&) const {
  return make_error("this provider runs no models");
}

void register_remote_provider(std::shared_ptr<const RemoteProvider> provider) {
  if (!provider) return;
  std::string name = provider->name();
  Registry& shared = registry();
  const std::lock_guard lock(shared.mutex);
  shared.providers.insert_or_assign(std::move(name), std::move(provider));
}

bool unregister_remote_provider(std::string_view name) {
  Registry& shared = registry();
  const std::lock_guard lock(shared.mutex);
  const auto found = shared.providers.find(name);
  if (found == shared.providers.end()) return false;
  shared.providers.erase(found);
  return true;
}

std::shared_ptr<const RemoteProvider> find_remote_provider(std::string_view name) {
  Registry& shared = registry();
  const std::lock_guard lock(shared.mutex);
  const auto found = shared.providers.find(name);
  return found == shared.providers.end() ? nullptr : found->second;
}

Result<Value> decode_remote_asset(const RemoteAsset& asset) {
  if (const EncodedAsset* file = std::get_if<EncodedAsset>(&asset)) return decode_encoded(*file);
  const Value& value = std::get<Value>(asset);
  if (value.empty()) return make_error("the provider returned no asset");
  if (value.splat() || !value.levels().empty()) return value;
  if (value.type() == ValueType::Lods)
    return make_error("the provider returned an empty LOD chain");
  return make_error(std::string("the provider returned a value of type ") +
                    to_string(value.type()) + ", not a splat, mesh or LOD chain");
}

}  // namespace atlas::pipeline
