#pragma once
// Encoded images: PNG, JPEG and WebP in, PNG, JPEG and WebP out.

#include <cstdint>
#include <string>

#include "asset/image.h"
#include "core/file_io.h"
#include "core/result.h"

namespace atlas {

// Largest width or height decode_image accepts; bigger images are refused before any
// pixel memory is allocated.
inline constexpr int kMaxImageSide = 16384;
inline constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 26;

// Decodes PNG, JPEG or WebP (chosen by magic bytes) into 8-bit pixels with `channels`
// channels (1-4). Fails on unknown formats, corrupt data and oversized images.
Result<Image> decode_image(ByteView bytes, int channels = 4);

// "image/png", "image/jpeg", "image/webp", or "" when the bytes are none of these.
std::string sniff_image_mime_type(ByteView bytes);

// 8-bit PNG of a 1-4 channel image (grey, grey + alpha, RGB, RGBA), rows filtered
// adaptively and deflated with libdeflate; empty when the image is empty, has another
// channel count, or fewer pixels than its size says.
Bytes encode_png(const Image& image);
Bytes encode_jpeg(const Image& image, int quality = 90);
Bytes encode_webp(const Image& image, float quality = 90);

// Writes a PNG atomically.
Status save_png(const Image& image, const std::filesystem::path& path);

}  // namespace atlas
