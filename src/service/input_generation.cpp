#include "service/input_generation.h"

#include <algorithm>
#include <cctype>

#include "formats/asset_io.h"
#include "formats/image_io.h"

namespace atlas::service {

namespace fs = std::filesystem;

namespace {

// Pictures larger than this are refused before decoding (the gateway takes far less).
constexpr std::uint64_t kMaxImageBytes = std::uint64_t{64} << 20;

// The provider's extension when it is a plain short word; a hostile one ("../x") is not.
bool plain_extension(const std::string& extension) {
  return !extension.empty() && extension.size() <= 8 &&
         std::all_of(extension.begin(), extension.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

Result<fs::path> generate_input(const GenerationRequest& request, const fs::path& image_file,
                                const fs::path& directory, const std::atomic<bool>& cancel,
                                const pipeline::RemoteProgress& progress,
                                const pipeline::UsageSink& usage) {
  const std::string from = "provider '" + request.provider + "'";
  const auto provider = pipeline::find_remote_provider(request.provider);
  if (!provider) return make_error(from + " is not configured on this worker");
  pipeline::GenerateRequest generate;
  generate.prompt = request.prompt;
  generate.kind =
      request.kind == "mesh" ? pipeline::RemoteAssetKind::Mesh : pipeline::RemoteAssetKind::Splat;
  generate.options_json = request.options_json;
  generate.usage = usage;
  if (request.prompt.empty()) {
    auto bytes = read_file(image_file, kMaxImageBytes);
    if (!bytes) return bytes.error();
    auto image = decode_image(*bytes);
    if (!image) return with_context(image_file.string(), image.error());
    generate.image = pipeline::Value(std::move(image).value());
  }
  auto answer = provider->generate(generate, cancel, progress);
  if (!answer) return with_context(from, answer.error());

  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) return make_error(directory.string() + ": " + ec.message());
  if (const auto* encoded = std::get_if<pipeline::EncodedAsset>(&*answer)) {
    // Checked by decoding, so a broken download fails here, naming the provider, and not
    // in the pipeline's first node.
    if (auto decoded = pipeline::decode_remote_asset(*answer); !decoded)
      return with_context(from, decoded.error());
    const std::string extension = plain_extension(encoded->extension) ? encoded->extension : "bin";
    const fs::path file = directory / ("generated." + extension);
    if (Status written = write_file_atomic(file, encoded->bytes); !written) return written.error();
    return file;
  }
  const pipeline::Value& value = std::get<pipeline::Value>(*answer);
  if (const SplatCloud* splats = value.splat()) {
    const fs::path file = directory / "generated.spz";
    if (Status saved = save_splats(*splats, file); !saved) return saved.error();
    return file;
  }
  if (const Mesh* mesh = value.mesh()) {
    const fs::path file = directory / "generated.glb";
    if (Status saved = save_mesh(*mesh, file); !saved) return saved.error();
    return file;
  }
  return make_error(from + " returned neither a splat nor a mesh");
}

}  // namespace atlas::service
