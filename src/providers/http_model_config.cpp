#include "providers/http_model_config.h"

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/file_io.h"
#include "providers/gateway_config.h"

namespace atlas::providers {
namespace {

using Millis = std::chrono::milliseconds;

constexpr std::string_view kBodyPlaceholders[] = {"model", "input_data_uri", "image_data_uri"};
constexpr std::string_view kResultFormats[] = {"glb", "gltf", "obj", "ply", "stl", "spz"};

// Reads one document, keeping every error at the position of the node it is about.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  Error error_at(const YAML::Mark& mark, const std::string& field,
                 const std::string& problem) const {
    std::string where = source_;
    if (!mark.is_null())
      where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    return make_error(where + ": " + field + ": " + problem);
  }
  Error error_at(const YAML::Node& node, const std::string& field,
                 const std::string& problem) const {
    return error_at(node.Mark(), field, problem);
  }

  // Fails on keys of `map` not in `allowed`, so a misspelt field is not silently ignored.
  Status only_keys(const YAML::Node& map, const std::string& field,
                   std::initializer_list<std::string_view> allowed) const {
    for (auto entry = map.begin(); entry != map.end(); ++entry) {
      const std::string key = entry->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (std::string_view name : allowed)
          list += (list.empty() ? "" : ", ") + std::string(name);
        return error_at(entry->first, join(field, key), "unknown field (expected " + list + ")");
      }
    }
    return Ok{};
  }

  Result<YAML::Node> section(const YAML::Node& parent, const std::string& parent_field,
                             const char* key) const {
    const YAML::Node node = parent[key];
    const std::string field = join(parent_field, key);
    if (!node.IsDefined() || node.IsNull()) return error_at(parent, field, "missing");
    if (!node.IsMap()) return error_at(node, field, "must be a mapping");
    return node;
  }

  // A required (or, with `optional`, possibly absent: then `fallback`) string.
  Result<std::string> text(const YAML::Node& parent, const std::string& parent_field,
                           const char* key, bool optional = false,
                           std::string fallback = {}) const {
    const YAML::Node node = parent[key];
    const std::string field = join(parent_field, key);
    if (!node.IsDefined() || node.IsNull()) {
      if (optional) return fallback;
      return error_at(parent, field, "missing");
    }
    if (!node.IsScalar()) return error_at(node, field, "must be a string");
    if (node.Scalar().empty()) return error_at(node, field, "must not be empty");
    return node.Scalar();
  }

  Result<std::string> pointer(const YAML::Node& parent, const std::string& parent_field,
                              const char* key, bool optional = false) const {
    Result<std::string> value = text(parent, parent_field, key, optional);
    if (!value || value->empty()) return value;
    if (value->front() != '/' || !valid_pointer(*value))
      return error_at(parent[key], join(parent_field, key),
                      "must be a JSON pointer such as /result (RFC 6901), got '" + *value + "'");
    return value;
  }

  Result<std::vector<std::string>> strings(const YAML::Node& parent,
                                           const std::string& parent_field, const char* key,
                                           bool optional = false) const {
    const YAML::Node node = parent[key];
    const std::string field = join(parent_field, key);
    std::vector<std::string> values;
    if (!node.IsDefined() || node.IsNull()) {
      if (optional) return values;
      return error_at(parent, field, "missing");
    }
    if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
    if (!node.IsSequence()) return error_at(node, field, "must be a string or a list of strings");
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) return error_at(item, field, "must be a list of strings");
      values.push_back(item.Scalar());
    }
    if (values.empty() && !optional) return error_at(node, field, "must not be empty");
    return values;
  }

  // A number in [low, high]; `fallback` when absent.
  Result<double> number(const YAML::Node& parent, const std::string& parent_field, const char* key,
                        double fallback, double low, double high) const {
    const YAML::Node node = parent[key];
    const std::string field = join(parent_field, key);
    if (!node.IsDefined() || node.IsNull()) return fallback;
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !std::isfinite(value) ||
        value < low || value > high)
      return error_at(node, field,
                      "must be a number from " + shown(low) + " to " + shown(high) + ", got '" +
                          (node.IsScalar() ? node.Scalar() : std::string("a collection")) + "'");
    return value;
  }

  // [min, max] in milliseconds; `fallback` when absent.
  Result<std::pair<Millis, Millis>> interval(const YAML::Node& parent,
                                             const std::string& parent_field, const char* key,
                                             std::pair<Millis, Millis> fallback) const {
    const YAML::Node node = parent[key];
    const std::string field = join(parent_field, key);
    if (!node.IsDefined() || node.IsNull()) return fallback;
    long long low = 0, high = 0;
    if (!node.IsSequence() || node.size() != 2 || !node[0].IsScalar() || !node[1].IsScalar() ||
        !YAML::convert<long long>::decode(node[0], low) ||
        !YAML::convert<long long>::decode(node[1], high) || low < 0 || high < low)
      return error_at(node, field, "must be [min, max] in milliseconds, 0 <= min <= max");
    return std::pair{Millis(low), Millis(high)};
  }

  static std::string join(const std::string& parent, std::string_view key) {
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
  }

 private:
  static std::string shown(double value) {
    std::string text = std::to_string(value);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.ends_with('.')) text.pop_back();
    return text;
  }

  static bool valid_pointer(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '~' && (i + 1 >= text.size() || (text[i + 1] != '0' && text[i + 1] != '1')))
        return false;
    return true;
  }

  std::string source_;
};

// The names of the {{...}} placeholders in `text`; an unterminated one is "".
std::vector<std::string> placeholders(std::string_view text) {
  std::vector<std::string> names;
  for (std::size_t at = text.find("{{"); at != std::string_view::npos;
       at = text.find("{{", at + 2)) {
    const std::size_t end = text.find("}}", at + 2);
    if (end == std::string_view::npos) {
      names.emplace_back();
      break;
    }
    names.emplace_back(text.substr(at + 2, end - at - 2));
  }
  return names;
}

// YAML to JSON: quoted scalars stay strings; plain ones become what they read as.
nlohmann::json to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json object = nlohmann::json::object();
    for (auto entry = node.begin(); entry != node.end(); ++entry)
      object[entry->first.Scalar()] = to_json(entry->second);
    return object;
  }
  if (node.IsSequence()) {
    nlohmann::json array = nlohmann::json::array();
    for (const YAML::Node& item : node) array.push_back(to_json(item));
    return array;
  }
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  const std::string& scalar = node.Scalar();
  if (node.Tag() == "!") return scalar;
  if (scalar == "true" || scalar == "false") return scalar == "true";
  long long integer = 0;
  if (YAML::convert<long long>::decode(node, integer)) return integer;
  double real = 0;
  if (YAML::convert<double>::decode(node, real) && std::isfinite(real)) return real;
  return scalar;
}

// Checks the body template's placeholders and collects the option names it uses.
Status check_body(const Reader& reader, const YAML::Node& node, const std::string& field,
                  std::set<std::string>& options) {
  if (node.IsMap()) {
    for (auto entry = node.begin(); entry != node.end(); ++entry)
      if (Status checked = check_body(reader, entry->second,
                                      Reader::join(field, entry->first.Scalar()), options);
          !checked)
        return checked;
    return Ok{};
  }
  if (node.IsSequence()) {
    for (const YAML::Node& item : node)
      if (Status checked = check_body(reader, item, field, options); !checked) return checked;
    return Ok{};
  }
  if (!node.IsScalar()) return Ok{};
  for (const std::string& name : placeholders(node.Scalar())) {
    if (name.starts_with("options.") && name.size() > 8) {
      options.insert(name.substr(8));
      continue;
    }
    if (std::find(std::begin(kBodyPlaceholders), std::end(kBodyPlaceholders), name) ==
        std::end(kBodyPlaceholders))
      return reader.error_at(node, field,
                             "unknown placeholder {{" + name +
                                 "}} (the body takes {{model}}, {{input_data_uri}}, "
                                 "{{image_data_uri}} and {{options.NAME}})");
  }
  return Ok{};
}

Status read_auth(const Reader& reader, const YAML::Node& root, HttpModelConfig& config) {
  Result<YAML::Node> auth = reader.section(root, "", "auth");
  if (!auth) return auth.error();
  if (Status keys = reader.only_keys(*auth, "auth", {"header", "value", "key_env"}); !keys)
    return keys;
  Result<std::string> header = reader.text(*auth, "auth", "header");
  if (!header) return header.error();
  Result<std::string> value = reader.text(*auth, "auth", "value", true, "{{key}}");
  if (!value) return value.error();
  const std::vector<std::string> names = placeholders(*value);
  if (names != std::vector<std::string>{"key"})
    return reader.error_at((*auth)["value"], "auth.value",
                           "must hold the placeholder {{key}} once and no other, e.g. "
                           "\"Bearer {{key}}\"");
  Result<std::string> key_env = reader.text(*auth, "auth", "key_env");
  if (!key_env) return key_env.error();
  config.auth_header = *header;
  config.auth_value_template = *value;
  config.key_env = *key_env;
  return Ok{};
}

Status read_create(const Reader& reader, const YAML::Node& root, HttpModelConfig& config) {
  Result<YAML::Node> create = reader.section(root, "", "create");
  if (!create) return create.error();
  if (Status keys = reader.only_keys(
          *create, "create", {"method", "path", "body", "accept_status", "input_mime", "task_id"});
      !keys)
    return keys;
  Result<std::string> method = reader.text(*create, "create", "method", true, "POST");
  if (!method) return method.error();
  if (*method != "POST" && *method != "GET")
    return reader.error_at((*create)["method"], "create.method", "must be POST or GET");
  Result<std::string> path = reader.text(*create, "create", "path");
  if (!path) return path.error();
  if (!path->starts_with('/'))
    return reader.error_at((*create)["path"], "create.path", "must start with '/'");
  if (!placeholders(*path).empty())
    return reader.error_at((*create)["path"], "create.path", "takes no placeholders");

  const YAML::Node body = (*create)["body"];
  std::set<std::string> options;
  if (body.IsDefined() && !body.IsNull()) {
    if (!body.IsMap()) return reader.error_at(body, "create.body", "must be a mapping");
    if (Status checked = check_body(reader, body, "create.body", options); !checked) return checked;
    config.create_body_json =
        to_json(body).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    config.create_body_json = "{}";
  }
  config.option_names.assign(options.begin(), options.end());

  if (const YAML::Node accepted = (*create)["accept_status"];
      accepted.IsDefined() && !accepted.IsNull()) {
    config.create_accepted_status.clear();
    const auto bad = [&] {
      return reader.error_at(accepted, "create.accept_status",
                             "must be a list of 2xx status codes, e.g. [200, 202]");
    };
    if (!accepted.IsSequence() || accepted.size() == 0) return bad();
    for (const YAML::Node& item : accepted) {
      long status = 0;
      if (!item.IsScalar() || !YAML::convert<long>::decode(item, status) || status < 200 ||
          status > 299)
        return bad();
      config.create_accepted_status.push_back(status);
    }
  }
  Result<std::string> mime = reader.text(*create, "create", "input_mime", true, config.input_mime);
  if (!mime) return mime.error();
  Result<std::string> task_id = reader.pointer(*create, "create", "task_id");
  if (!task_id) return task_id.error();
  config.create_method = *method;
  config.create_path = *path;
  config.input_mime = *mime;
  config.task_id_pointer = *task_id;
  return Ok{};
}

Status read_poll(const Reader& reader, const YAML::Node& root, HttpModelConfig& config) {
  Result<YAML::Node> poll = reader.section(root, "", "poll");
  if (!poll) return poll.error();
  if (Status keys = reader.only_keys(
          *poll, "poll",
          {"path", "status", "pending", "running", "succeeded", "failed", "progress",
           "progress_max", "error_message", "interval_ms", "timeout_s"});
      !keys)
    return keys;
  Result<std::string> path = reader.text(*poll, "poll", "path");
  if (!path) return path.error();
  if (!path->starts_with('/') || placeholders(*path) != std::vector<std::string>{"id"})
    return reader.error_at((*poll)["path"], "poll.path",
                           "must start with '/' and hold the placeholder {{id}} once and no "
                           "other, e.g. /v1/tasks/{{id}}");
  Result<std::string> status = reader.pointer(*poll, "poll", "status");
  if (!status) return status.error();
  Result<std::vector<std::string>> pending = reader.strings(*poll, "poll", "pending", true);
  if (!pending) return pending.error();
  Result<std::vector<std::string>> running = reader.strings(*poll, "poll", "running", true);
  if (!running) return running.error();
  Result<std::vector<std::string>> succeeded = reader.strings(*poll, "poll", "succeeded");
  if (!succeeded) return succeeded.error();
  Result<std::vector<std::string>> failed = reader.strings(*poll, "poll", "failed");
  if (!failed) return failed.error();
  std::set<std::string> seen;
  for (const auto* values : {&*pending, &*running, &*succeeded, &*failed})
    for (const std::string& value : *values)
      if (!seen.insert(value).second)
        return reader.error_at(*poll, "poll",
                               "the status value '" + value + "' is listed in two states");
  Result<std::string> progress = reader.pointer(*poll, "poll", "progress", true);
  if (!progress) return progress.error();
  Result<double> progress_max = reader.number(*poll, "poll", "progress_max", 100, 1e-9, 1e12);
  if (!progress_max) return progress_max.error();
  Result<std::string> error_message = reader.pointer(*poll, "poll", "error_message", true);
  if (!error_message) return error_message.error();
  Result<std::pair<Millis, Millis>> interval =
      reader.interval(*poll, "poll", "interval_ms",
                      {config.timing.poll_interval_min, config.timing.poll_interval_max});
  if (!interval) return interval.error();
  Result<double> timeout =
      reader.number(*poll, "poll", "timeout_s", double(config.timing.timeout.count()) / 1000, 0.001,
                    7 * 24 * 3600.0);
  if (!timeout) return timeout.error();

  config.poll_path = *path;
  config.status_pointer = *status;
  config.pending_values = *pending;
  config.running_values = *running;
  config.succeeded_values = *succeeded;
  config.failed_values = *failed;
  config.progress_pointer = *progress;
  config.progress_max = *progress_max;
  config.error_pointer = *error_message;
  config.timing.poll_interval_min = interval->first;
  config.timing.poll_interval_max = interval->second;
  config.timing.timeout = Millis(std::llround(*timeout * 1000));
  return Ok{};
}

Status read_result(const Reader& reader, const YAML::Node& root, HttpModelConfig& config) {
  Result<YAML::Node> result = reader.section(root, "", "result");
  if (!result) return result.error();
  if (Status keys = reader.only_keys(*result, "result", {"url", "format"}); !keys) return keys;
  Result<std::string> url = reader.pointer(*result, "result", "url");
  if (!url) return url.error();
  Result<std::string> format = reader.text(*result, "result", "format");
  if (!format) return format.error();
  if (std::find(std::begin(kResultFormats), std::end(kResultFormats), *format) ==
      std::end(kResultFormats))
    return reader.error_at((*result)["format"], "result.format",
                           "must be glb, gltf, obj, ply, stl or spz, got '" + *format + "'");
  config.result_url_pointer = *url;
  config.result_format = *format;
  return Ok{};
}

Status read_retries(const Reader& reader, const YAML::Node& root, HttpModelConfig& config) {
  const YAML::Node retries = root["retries"];
  if (!retries.IsDefined() || retries.IsNull()) return Ok{};
  if (!retries.IsMap()) return reader.error_at(retries, "retries", "must be a mapping");
  if (Status keys =
          reader.only_keys(retries, "retries", {"max_attempts", "backoff_ms", "max_retry_after_s"});
      !keys)
    return keys;
  HttpModelTiming& timing = config.timing;
  Result<double> attempts =
      reader.number(retries, "retries", "max_attempts", timing.max_attempts, 1, 20);
  if (!attempts) return attempts.error();
  if (*attempts != std::floor(*attempts))
    return reader.error_at(retries["max_attempts"], "retries.max_attempts",
                           "must be a whole number");
  Result<std::pair<Millis, Millis>> backoff =
      reader.interval(retries, "retries", "backoff_ms", {timing.backoff_base, timing.backoff_max});
  if (!backoff) return backoff.error();
  Result<double> retry_after =
      reader.number(retries, "retries", "max_retry_after_s",
                    double(timing.max_retry_after.count()) / 1000, 0, 24 * 3600.0);
  if (!retry_after) return retry_after.error();
  timing.max_attempts = int(*attempts);
  timing.backoff_base = backoff->first;
  timing.backoff_max = backoff->second;
  timing.max_retry_after = Millis(std::llround(*retry_after * 1000));
  return Ok{};
}

Result<HttpModelConfig> read_config(const Reader& reader, const YAML::Node& root) {
  if (!root.IsMap()) return reader.error_at(root, "(top level)", "must be a mapping");
  if (Status keys = reader.only_keys(
          root, "",
          {"name", "base_url", "default_model", "auth", "create", "poll", "result", "retries"});
      !keys)
    return keys.error();
  HttpModelConfig config;
  Result<std::string> name = reader.text(root, "", "name");
  if (!name) return name.error();
  Result<std::string> base_url = reader.text(root, "", "base_url");
  if (!base_url) return base_url.error();
  Result<std::vector<std::string>> urls = parse_base_urls(*base_url);
  if (!urls || urls->size() != 1)
    return reader.error_at(root["base_url"], "base_url",
                           urls ? "must be one URL" : urls.error().message);
  Result<std::string> model = reader.text(root, "", "default_model", true);
  if (!model) return model.error();
  config.name = *name;
  config.base_url = urls->front();
  config.default_model = *model;
  for (Status (*read)(const Reader&, const YAML::Node&, HttpModelConfig&) :
       {read_auth, read_create, read_poll, read_result, read_retries})
    if (Status done = read(reader, root, config); !done) return done.error();
  return config;
}

}  // namespace

Result<HttpModelConfig> parse_http_model_config(std::string_view text, const std::string& source) {
  const Reader reader(source);
  try {
    return read_config(reader, YAML::Load(std::string(text)));
  } catch (const YAML::Exception& error) {
    // The parser's message names a position and a problem, never the document's values.
    return reader.error_at(error.mark, "(syntax)", error.msg);
  }
}

Result<HttpModelConfig> load_http_model_config(const std::filesystem::path& file) {
  Result<Bytes> bytes = read_file(file);
  if (!bytes) return bytes.error();
  return parse_http_model_config(
      std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()), file.string());
}

}  // namespace atlas::providers
