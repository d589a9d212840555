#include "pipeline/value.h"

namespace atlas::pipeline {
namespace {

constexpr std::pair<ValueType, const char*> kTypeNames[] = {
    {ValueType::File, "file"},     {ValueType::Splat, "splat"}, {ValueType::Mesh, "mesh"},
    {ValueType::Lods, "lods"},     {ValueType::Asset, "asset"}, {ValueType::Image, "image"},
    {ValueType::Report, "report"}, {ValueType::Files, "files"}};

bool is_3d(ValueType type) {
  return type == ValueType::Splat || type == ValueType::Mesh || type == ValueType::Lods ||
         type == ValueType::Asset;
}

template <typename T>
const T* held(const auto& data) {
  const auto* pointer = std::get_if<std::shared_ptr<const T>>(&data);
  return pointer ? pointer->get() : nullptr;
}

}  // namespace

const char* to_string(ValueType type) {
  for (const auto& [value, name] : kTypeNames)
    if (value == type) return name;
  return "?";
}

std::optional<ValueType> parse_value_type(std::string_view name) {
  for (const auto& [value, text] : kTypeNames)
    if (name == text) return value;
  return std::nullopt;
}

bool may_connect(ValueType given, ValueType wanted) {
  if (given == wanted) return true;
  if (given == ValueType::Asset || wanted == ValueType::Asset) return is_3d(given) && is_3d(wanted);
  return given == ValueType::Mesh && wanted == ValueType::Lods;
}

Value::Value(InputFile file) : data_(std::make_shared<const InputFile>(std::move(file))) {}
Value::Value(SplatCloud cloud) : data_(std::make_shared<const SplatCloud>(std::move(cloud))) {}
Value::Value(Mesh mesh) : data_(std::make_shared<const Mesh>(std::move(mesh))) {}
Value::Value(LodChain chain) : data_(std::make_shared<const LodChain>(std::move(chain))) {}
Value::Value(Image image) : data_(std::make_shared<const Image>(std::move(image))) {}
Value::Value(Report report) : data_(std::make_shared<const Report>(std::move(report))) {}
Value::Value(FileSet files) : data_(std::make_shared<const FileSet>(std::move(files))) {}

ValueType Value::type() const {
  switch (data_.index()) {
    case 2:
      return ValueType::Splat;
    case 3:
      return ValueType::Mesh;
    case 4:
      return ValueType::Lods;
    case 5:
      return ValueType::Image;
    case 6:
      return ValueType::Report;
    case 7:
      return ValueType::Files;
    default:
      return ValueType::File;
  }
}

const InputFile* Value::file() const { return held<InputFile>(data_); }
const SplatCloud* Value::splat() const { return held<SplatCloud>(data_); }
const Image* Value::image() const { return held<Image>(data_); }
const Report* Value::report() const { return held<Report>(data_); }
const FileSet* Value::files() const { return held<FileSet>(data_); }

const Mesh* Value::mesh() const {
  if (const Mesh* mesh = held<Mesh>(data_)) return mesh;
  const LodChain* chain = held<LodChain>(data_);
  return chain && !chain->empty() ? &chain->front() : nullptr;
}

std::vector<const Mesh*> Value::levels() const {
  if (const Mesh* mesh = held<Mesh>(data_)) return {mesh};
  std::vector<const Mesh*> levels;
  if (const LodChain* chain = held<LodChain>(data_))
    for (const Mesh& level : *chain) levels.push_back(&level);
  return levels;
}

}  // namespace atlas::pipeline
