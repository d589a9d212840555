// STL, binary and ASCII. STL stores unconnected triangles, so the reader welds corners
// with identical positions (meshoptimizer) into an indexed mesh; facet normals are
// dropped on read (they are recomputable) and computed on write.

#include <meshoptimizer.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <optional>

#include "core/byte_reader.h"
#include "core/text_numbers.h"
#include "formats/mesh_formats.h"

namespace atlas {

namespace {

// Triangle records are copied to and from memory as little-endian floats.
static_assert(std::endian::native == std::endian::little);

constexpr std::size_t kHeaderBytes = 80;
constexpr std::size_t kTriangleBytes = 50;
constexpr const char* kBinaryHeader = "Binary STL written by Atlas 0.1.0";

Result<Mesh> welded_mesh(std::vector<Vec3> corners, std::string name, const char* kind) {
  if (corners.empty()) return make_error(std::string(kind) + ": no triangles");
  const std::size_t corner_count = corners.size();
  std::vector<unsigned int> remap(corner_count);
  const std::size_t vertex_count = meshopt_generateVertexRemap(
      remap.data(), nullptr, corner_count, corners.data(), corner_count, sizeof(Vec3));
  Primitive primitive;
  primitive.positions.resize(vertex_count);
  meshopt_remapVertexBuffer(primitive.positions.data(), corners.data(), corner_count, sizeof(Vec3),
                            remap.data());
  primitive.indices.assign(remap.begin(), remap.end());
  Mesh mesh;
  mesh.name = std::move(name);
  mesh.primitives.push_back(std::move(primitive));
  if (std::string problem = mesh.validate(); !problem.empty())
    return make_error(std::string(kind) + ": " + problem);
  return mesh;
}

Result<Mesh> decode_binary(ByteView bytes, FormatDetails* details) {
  ByteReader reader(bytes);
  reader.skip(kHeaderBytes);
  std::uint32_t count = 0;
  reader.read(count);
  const std::uint64_t needed = kHeaderBytes + 4 + std::uint64_t{count} * kTriangleBytes;
  if (needed != bytes.size()) {
    return make_error("binary STL: header says " + std::to_string(count) + " triangles (" +
                      std::to_string(needed) + " bytes) but the file has " +
                      std::to_string(bytes.size()) + " bytes");
  }
  std::vector<Vec3> corners(std::size_t{count} * 3);
  for (std::uint32_t t = 0; t < count; ++t) {
    reader.skip(12);  // facet normal
    for (int c = 0; c < 3; ++c) {
      Vec3& v = corners[std::size_t{t} * 3 + c];
      reader.read(v.x);
      reader.read(v.y);
      reader.read(v.z);
    }
    reader.skip(2);  // attribute byte count
  }
  if (details != nullptr) {
    details->format = Format::Stl;
    details->description = "STL binary, " + std::to_string(count) + " triangles";
  }
  return welded_mesh(std::move(corners), {}, "binary STL");
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

class AsciiTokens {
 public:
  explicit AsciiTokens(std::string_view text) : text_(text) {}

  std::string_view next() {
    while (at_ < text_.size() && is_blank(text_[at_])) ++at_;
    const std::size_t start = at_;
    while (at_ < text_.size() && !is_blank(text_[at_])) ++at_;
    return text_.substr(start, at_ - start);
  }

  // The rest of the current line (a solid's name).
  std::string_view rest_of_line() {
    const std::size_t end = std::min(text_.find('\n', at_), text_.size());
    std::string_view line = text_.substr(at_, end - at_);
    at_ = end;
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
    return line;
  }

  std::size_t line() const { return 1 + std::count(text_.begin(), text_.begin() + at_, '\n'); }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

bool keyword_is(std::string_view token, std::string_view keyword) {
  return token.size() == keyword.size() &&
         std::equal(token.begin(), token.end(), keyword.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

Result<Mesh> decode_ascii(ByteView bytes, FormatDetails* details) {
  AsciiTokens tokens(as_chars(bytes));
  auto error = [&tokens](const std::string& what) {
    return make_error("ASCII STL: line " + std::to_string(tokens.line()) + ": " + what);
  };
  auto expect = [&](std::string_view keyword) -> Status {
    const std::string_view token = tokens.next();
    if (!keyword_is(token, keyword)) {
      return error("expected '" + std::string(keyword) + "', found '" +
                   std::string(token.substr(0, 40)) + "'");
    }
    return Ok{};
  };
  std::vector<Vec3> corners;
  std::string name;
  std::size_t solids = 0;
  for (std::string_view token = tokens.next(); !token.empty(); token = tokens.next()) {
    if (!keyword_is(token, "solid"))
      return error("expected 'solid', found '" + std::string(token.substr(0, 40)) + "'");
    const std::string_view solid_name = tokens.rest_of_line();
    if (solids++ == 0) name = std::string(solid_name);
    for (token = tokens.next(); !keyword_is(token, "endsolid"); token = tokens.next()) {
      if (token.empty()) return error("missing 'endsolid'");
      if (!keyword_is(token, "facet"))
        return error("expected 'facet', found '" + std::string(token.substr(0, 40)) + "'");
      if (Status s = expect("normal"); !s) return s.error();
      for (int i = 0; i < 3; ++i) tokens.next();
      if (Status s = expect("outer"); !s) return s.error();
      if (Status s = expect("loop"); !s) return s.error();
      // A loop of more than three vertices is a polygon: fan-triangulate it.
      std::vector<Vec3> loop;
      for (token = tokens.next(); keyword_is(token, "vertex"); token = tokens.next()) {
        float xyz[3];
        for (float& value : xyz) {
          const std::optional<float> parsed = parse_number<float>(tokens.next());
          if (!parsed) return error("vertex needs three numbers");
          value = *parsed;
        }
        loop.push_back({xyz[0], xyz[1], xyz[2]});
      }
      if (!keyword_is(token, "endloop"))
        return error("expected 'endloop', found '" + std::string(token.substr(0, 40)) + "'");
      if (loop.size() < 3) return error("facet with " + std::to_string(loop.size()) + " vertices");
      for (std::size_t i = 1; i + 1 < loop.size(); ++i)
        corners.insert(corners.end(), {loop[0], loop[i], loop[i + 1]});
      if (Status s = expect("endfacet"); !s) return s.error();
    }
    tokens.rest_of_line();
  }
  if (details != nullptr) {
    details->format = Format::Stl;
    details->description = "STL ASCII, " + std::to_string(corners.size() / 3) + " triangles";
  }
  return welded_mesh(std::move(corners), std::move(name), "ASCII STL");
}

bool looks_ascii(ByteView bytes) {
  std::string_view text = as_chars(bytes);
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  return text.size() >= 5 && keyword_is(text.substr(0, 5), "solid");
}

Vec3 facet_normal(Vec3 a, Vec3 b, Vec3 c) { return normalize(cross(b - a, c - a)); }

template <typename Visit>
void for_each_triangle(const Mesh& mesh, Visit&& visit) {
  for (const Primitive& p : mesh.primitives) {
    for (std::size_t t = 0; t + 2 < p.indices.size(); t += 3) {
      const std::uint32_t i = p.indices[t], j = p.indices[t + 1], k = p.indices[t + 2];
      if (i >= p.positions.size() || j >= p.positions.size() || k >= p.positions.size()) continue;
      visit(p.positions[i], p.positions[j], p.positions[k]);
    }
  }
}

}  // namespace

Result<Mesh> decode_stl(ByteView bytes, FormatDetails* details) {
  try {
    // Many binary files start their header with "solid" too: a size that matches the
    // triangle count decides for binary first.
    if (bytes.size() >= kHeaderBytes + 4) {
      std::uint32_t count = 0;
      std::memcpy(&count, bytes.data() + kHeaderBytes, 4);
      if (kHeaderBytes + 4 + std::uint64_t{count} * kTriangleBytes == bytes.size())
        return decode_binary(bytes, details);
    }
    if (looks_ascii(bytes)) return decode_ascii(bytes, details);
    if (bytes.size() < kHeaderBytes + 4) {
      return make_error("binary STL: " + std::to_string(bytes.size()) +
                        " bytes is shorter than the 84-byte header");
    }
    return decode_binary(bytes, details);
  } catch (const std::exception& e) {
    return make_error(std::string("STL: ") + e.what());
  }
}

Bytes encode_stl(const Mesh& mesh, bool ascii) {
  if (ascii) {
    const std::string name = mesh.name.empty() ? "atlas" : mesh.name;
    std::string out = "solid " + name + "\n";
    for_each_triangle(mesh, [&out](Vec3 a, Vec3 b, Vec3 c) {
      const Vec3 n = facet_normal(a, b, c);
      out += "  facet normal ";
      for (float value : {n.x, n.y, n.z}) {
        append_number(out, value);
        out += ' ';
      }
      out += "\n    outer loop\n";
      for (const Vec3& v : {a, b, c}) {
        out += "      vertex ";
        append_number(out, v.x);
        out += ' ';
        append_number(out, v.y);
        out += ' ';
        append_number(out, v.z);
        out += '\n';
      }
      out += "    endloop\n  endfacet\n";
    });
    out += "endsolid " + name + "\n";
    return Bytes(out.begin(), out.end());
  }
  Bytes out(kHeaderBytes + 4, 0);
  std::memcpy(out.data(), kBinaryHeader, std::strlen(kBinaryHeader));
  std::uint32_t count = 0;
  for_each_triangle(mesh, [&out, &count](Vec3 a, Vec3 b, Vec3 c) {
    const Vec3 n = facet_normal(a, b, c);
    const float values[12] = {n.x, n.y, n.z, a.x, a.y, a.z, b.x, b.y, b.z, c.x, c.y, c.z};
    const std::size_t at = out.size();
    out.resize(at + kTriangleBytes, 0);
    std::memcpy(out.data() + at, values, sizeof values);
    ++count;
  });
  std::memcpy(out.data() + kHeaderBytes, &count, 4);
  return out;
}

}  // namespace atlas
