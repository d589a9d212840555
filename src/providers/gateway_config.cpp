#include "providers/gateway_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <system_error>

#include "providers/http_exchange.h"

namespace atlas::providers {
namespace {

Result<std::string> checked_base_url(std::string_view raw) {
  std::string_view url = trimmed(raw);
  while (url.ends_with('/')) url.remove_suffix(1);
  const std::string shown(url);
  if (url.starts_with("https://") && url.size() > 8) return shown;
  if (url.starts_with("http://")) {
    const std::string_view rest = url.substr(7);
    for (std::string_view host : {"127.0.0.1", "localhost", "[::1]"})
      if (rest == host || rest.starts_with(std::string(host) + ":") ||
          rest.starts_with(std::string(host) + "/"))
        return shown;
    return make_error("base URL '" + shown +
                      "' is plain http to a remote host: the API key would travel unencrypted; "
                      "use https://");
  }
  return make_error("base URL '" + shown + "' must start with https://");
}

// The file's `404` section; an empty node when the file has none.
Result<YAML::Node> gateway_section(const std::filesystem::path& path) {
  try {
    const YAML::Node root = YAML::LoadFile(path.string());
    if (!root.IsDefined() || root.IsNull()) return YAML::Node();
    if (!root.IsMap()) return make_error("the top level is not a mapping");
    const YAML::Node section = root["404"];
    if (section.IsDefined() && !section.IsNull() && !section.IsMap())
      return make_error("'404' is not a mapping");
    return section;
  } catch (const YAML::Exception& error) {
    // The parser's message quotes at most a position, never the document's values.
    return make_error(error.what());
  }
}

Status apply_file(const YAML::Node& section, GatewayConfig& config) {
  if (!section.IsDefined() || section.IsNull()) return Ok{};
  try {
    if (const YAML::Node key = section["api_key"]; key.IsDefined()) {
      if (!key.IsScalar()) return make_error("'404.api_key' is not a string");
      config.api_key = key.as<std::string>();
    }
    if (const YAML::Node urls = section["base_url"]; urls.IsDefined()) {
      std::string list;
      if (urls.IsScalar()) {
        list = urls.as<std::string>();
      } else if (urls.IsSequence()) {
        for (const YAML::Node& url : urls) list += url.as<std::string>() + ",";
      } else {
        return make_error("'404.base_url' is not a string or a list");
      }
      Result<std::vector<std::string>> parsed = parse_base_urls(list);
      if (!parsed) return with_context("'404.base_url'", parsed.error());
      config.base_urls = std::move(parsed).value();
    }
  } catch (const YAML::Exception& error) {
    return make_error(error.what());
  }
  return Ok{};
}

}  // namespace

EnvironmentLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::optional<std::filesystem::path> default_config_path(const EnvironmentLookup& environment) {
  if (std::optional<std::string> xdg = environment("XDG_CONFIG_HOME"); xdg && !xdg->empty())
    return std::filesystem::path(*xdg) / "atlas" / "config.yaml";
  if (std::optional<std::string> home = environment("HOME"); home && !home->empty())
    return std::filesystem::path(*home) / ".config" / "atlas" / "config.yaml";
  return std::nullopt;
}

Result<std::vector<std::string>> parse_base_urls(std::string_view list) {
  std::vector<std::string> urls;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trimmed(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (item.empty()) continue;
    Result<std::string> url = checked_base_url(item);
    if (!url) return url.error();
    urls.push_back(std::move(url).value());
  }
  if (urls.empty()) return make_error("no base URL given");
  return urls;
}

Result<std::optional<std::filesystem::path>> config_file_to_read(
    const EnvironmentLookup& environment, const std::optional<std::filesystem::path>& file) {
  const std::optional<std::filesystem::path> path = file ? file : default_config_path(environment);
  std::error_code ignored;
  if (!path || (!file && !std::filesystem::exists(*path, ignored)))
    return std::optional<std::filesystem::path>();
  if (!std::filesystem::is_regular_file(*path, ignored))
    return make_error("config file " + path->string() + ": no such file");
  return path;
}

Result<GatewayConfig> load_gateway_config(const EnvironmentLookup& environment,
                                          const std::optional<std::filesystem::path>& file) {
  GatewayConfig config;
  Result<std::optional<std::filesystem::path>> path = config_file_to_read(environment, file);
  if (!path) return path.error();
  if (*path) {
    const std::string where = "config file " + (*path)->string();
    Result<YAML::Node> section = gateway_section(**path);
    if (!section) return with_context(where, section.error());
    if (Status applied = apply_file(*section, config); !applied)
      return with_context(where, applied.error());
  }
  if (std::optional<std::string> key = environment("ATLAS_404_API_KEY"); key && !key->empty())
    config.api_key = *key;
  if (std::optional<std::string> urls = environment("ATLAS_404_BASE_URL"); urls && !urls->empty()) {
    Result<std::vector<std::string>> parsed = parse_base_urls(*urls);
    if (!parsed) return with_context("ATLAS_404_BASE_URL", parsed.error());
    config.base_urls = std::move(parsed).value();
  }
  return config;
}

std::string describe(const GatewayConfig& config) {
  std::string urls;
  for (const std::string& url : config.base_urls) urls += (urls.empty() ? "" : ", ") + url;
  return "404 gateway: " + urls + "; api key " +
         (config.api_key.empty() ? "not set" : "set (redacted)");
}

}  // namespace atlas::providers
