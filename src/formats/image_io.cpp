#include "formats/image_io.h"

#include <stb_image.h>
#include <stb_image_write.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include <cstring>
#include <memory>

namespace atlas {

std::string sniff_image_mime_type(ByteView bytes) {
  auto starts = [&](std::string_view magic, std::size_t at = 0) {
    return bytes.size() >= at + magic.size() &&
           std::memcmp(bytes.data() + at, magic.data(), magic.size()) == 0;
  };
  if (starts("\x89PNG\r\n\x1a\n")) return "image/png";
  if (starts("\xFF\xD8\xFF")) return "image/jpeg";
  if (starts("RIFF") && starts("WEBP", 8)) return "image/webp";
  return {};
}

namespace {

Result<Image> decode_webp(ByteView bytes, int channels) {
  int width = 0, height = 0;
  if (!WebPGetInfo(bytes.data(), bytes.size(), &width, &height))
    return make_error("corrupt WebP image");
  if (width > kMaxImageSide || height > kMaxImageSide ||
      std::int64_t{width} * height > kMaxImagePixels) {
    return make_error("WebP image of " + std::to_string(width) + "x" + std::to_string(height) +
                      " is too large");
  }
  Image rgba(width, height, 4);
  if (!WebPDecodeRGBAInto(bytes.data(), bytes.size(), rgba.pixels.data(), rgba.pixels.size(),
                          width * 4)) {
    return make_error("corrupt WebP image");
  }
  if (channels == 4) return rgba;
  Image out(width, height, channels);
  for (std::size_t i = 0; i < std::size_t(width) * height; ++i) {
    const std::uint8_t* s = &rgba.pixels[i * 4];
    std::uint8_t* d = &out.pixels[i * channels];
    if (channels >= 3) {
      std::memcpy(d, s, 3);
    } else {
      d[0] = static_cast<std::uint8_t>((s[0] * 77 + s[1] * 150 + s[2] * 29) >> 8);
    }
    if (channels == 2) d[1] = s[3];
  }
  return out;
}

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<Bytes*>(context);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

Result<Image> decode_image(ByteView bytes, int channels) {
  if (channels < 1 || channels > 4) return make_error("invalid channel count");
  const std::string mime = sniff_image_mime_type(bytes);
  if (mime.empty()) return make_error("not a PNG, JPEG or WebP image");
  if (mime == "image/webp") return decode_webp(bytes, channels);
  if (bytes.size() > std::size_t{1} << 30) return make_error("image file too large");
  int width = 0, height = 0, stored = 0;
  const int length = static_cast<int>(bytes.size());
  if (!stbi_info_from_memory(bytes.data(), length, &width, &height, &stored)) {
    return make_error(std::string("corrupt ") + (mime == "image/png" ? "PNG" : "JPEG") +
                      " image: " + stbi_failure_reason());
  }
  if (width <= 0 || height <= 0 || width > kMaxImageSide || height > kMaxImageSide ||
      std::int64_t{width} * height > kMaxImagePixels) {
    return make_error("image of " + std::to_string(width) + "x" + std::to_string(height) +
                      " exceeds the limit of " + std::to_string(kMaxImageSide) + " per side");
  }
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(bytes.data(), length, &width, &height, &stored, channels),
      stbi_image_free);
  if (!pixels) return make_error(std::string("corrupt image: ") + stbi_failure_reason());
  Image image(width, height, channels);
  std::memcpy(image.pixels.data(), pixels.get(), image.pixels.size());
  return image;
}

Bytes encode_jpeg(const Image& image, int quality) {
  Bytes out;
  stbi_write_jpg_to_func(append_bytes, &out, image.width, image.height, image.channels,
                         image.pixels.data(), quality);
  return out;
}

Bytes encode_webp(const Image& image, float quality) {
  Image rgba = image;
  if (image.channels != 4) {
    rgba = Image(image.width, image.height, 4);
    for (std::size_t i = 0; i < std::size_t(image.width) * image.height; ++i) {
      const std::uint8_t* s = &image.pixels[i * image.channels];
      std::uint8_t* d = &rgba.pixels[i * 4];
      d[0] = s[0];
      d[1] = image.channels >= 3 ? s[1] : s[0];
      d[2] = image.channels >= 3 ? s[2] : s[0];
      d[3] = image.channels == 2 ? s[1] : image.channels == 4 ? s[3] : 255;
    }
  }
  std::uint8_t* output = nullptr;
  const std::size_t size =
      WebPEncodeRGBA(rgba.pixels.data(), rgba.width, rgba.height, rgba.width * 4, quality, &output);
  Bytes out(output, output + size);
  WebPFree(output);
  return out;
}

Status save_png(const Image& image, const std::filesystem::path& path) {
  return write_file_atomic(path, encode_png(image));
}

}  // namespace atlas
