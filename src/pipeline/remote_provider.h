#pragma once
// Generators and models that run on someone else's machines (the 404 gateway, other
// HTTP model services), behind one interface so the `generate` and `http_model` ops
// know none of them. A front end that holds the credentials registers its clients by
// name at start-up; tests register in-process fakes. Ops look providers up when they
// run, so a pipeline document names a provider and never a URL or a key.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "core/file_io.h"
#include "core/result.h"
#include "pipeline/usage_record.h"
#include "pipeline/value.h"

namespace atlas::pipeline {

enum class RemoteAssetKind { Splat, Mesh };
const char* to_string(RemoteAssetKind kind);

// Text-to-3D or image-to-3D.
struct GenerateRequest {
  std::string prompt;  // empty when generating from the image
  Value image;         // empty, or an image to generate from
  RemoteAssetKind kind = RemoteAssetKind::Splat;
  // The provider's own settings as a JSON object's text (for 404: "model", "seed",
  // "model_params"); providers reject keys they do not know.
  std::string options_json = "{}";
  // Where the provider reports each call it made to a service; empty: nowhere.
  UsageSink usage;
};

// A model that turns an asset (and/or an image) into another asset: re-meshing,
// texturing, segmentation services.
struct ModelRequest {
  std::string model;  // the provider's name for the model
  Value input;        // empty, or a splat, mesh or LOD chain
  Value image;        // empty, or an image
  std::string options_json = "{}";
  UsageSink usage;  // as GenerateRequest::usage
};

// An asset as the service sent it: the file's bytes and its extension ("spz", "ply",
// "glb"), which only decides between formats without magic bytes.
struct EncodedAsset {
  Bytes bytes;
  std::string extension;
};

// What a provider returns: the downloaded file, which the ops decode with Atlas's own
// readers, or a value the provider decoded itself (a splat, a mesh or a LOD chain).
using RemoteAsset = std::variant<EncodedAsset, Value>;

using RemoteProgress = std::function<void(double fraction)>;

// Calls block until the service answers, fails or `cancel` turns true; they are made
// from several pipeline nodes at once, so implementations must be thread-safe. Errors
// say what the service answered (status, its message) without naming the provider:
// the ops add the node and provider names. On cancellation, return the error
// "cancelled". `progress` takes fractions in [0, 1].
class RemoteProvider {
 public:
  virtual ~RemoteProvider() = default;

  // The name pipeline documents use in their `provider` parameter ("404").
  virtual std::string name() const = 0;

  // Providers that only run models, or only generate, keep the default, which refuses.
  virtual Result<RemoteAsset> generate(const GenerateRequest& request,
                                       const std::atomic<bool>& cancel,
                                       const RemoteProgress& progress) const;
  virtual Result<RemoteAsset> run_model(const ModelRequest& request,
                                        const std::atomic<bool>& cancel,
                                        const RemoteProgress& progress) const;
};

// The process-wide registry, safe to use from any thread. Registering a name that is
// already registered replaces that provider (a client reconfigured with a new key);
// calls already running on the old one finish on it.
void register_remote_provider(std::shared_ptr<const RemoteProvider> provider);
// Returns whether a provider of that name was registered.
bool unregister_remote_provider(std::string_view name);
// Null when no provider of that name is registered.
std::shared_ptr<const RemoteProvider> find_remote_provider(std::string_view name);

// The asset a provider returned as a pipeline value: encoded files are decoded by their
// content (splat formats, glTF, OBJ, PLY, STL); a file that refers to other files (a
// .gltf with external buffers) is refused, as only the one file was downloaded. Fails
// when the asset is not a splat, a mesh or a LOD chain.
Result<Value> decode_remote_asset(const RemoteAsset& asset);

}  // namespace atlas::pipeline
