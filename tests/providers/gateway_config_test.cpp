#include "providers/gateway_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "test_support.h"

namespace atlas::providers {
namespace {

const std::string kSecret = "sk-404-0123456789-secret";

EnvironmentLookup environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(std::string(name));
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

std::filesystem::path write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
  return path;
}

TEST(GatewayConfig, DefaultsToTheGeoDnsUrlWithoutAKey) {
  const Result<GatewayConfig> config = load_gateway_config(environment({}), std::nullopt);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->api_key.empty());
  EXPECT_EQ(config->base_urls, std::vector<std::string>{"https://api.dns.404.xyz"});
}

TEST(GatewayConfig, ReadsTheDefaultFileAndTheEnvironmentWins) {
  const std::filesystem::path home = test::scratch_dir();
  write_text(home / ".config/atlas/config.yaml",
             "404:\n  api_key: file-key\n  base_url:\n    - https://api-eu.404.xyz/\n"
             "    - https://api-us-east.404.xyz\n");
  Result<GatewayConfig> config =
      load_gateway_config(environment({{"HOME", home.string()}}), std::nullopt);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->api_key, "file-key");
  EXPECT_EQ(config->base_urls,
            (std::vector<std::string>{"https://api-eu.404.xyz", "https://api-us-east.404.xyz"}));

  config = load_gateway_config(
      environment(
          {{"HOME", home.string()},
           {"ATLAS_404_API_KEY", kSecret},
           {"ATLAS_404_BASE_URL", " https://api-us-west.404.xyz , https://api.dns.404.xyz"}}),
      std::nullopt);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->api_key, kSecret);
  EXPECT_EQ(config->base_urls,
            (std::vector<std::string>{"https://api-us-west.404.xyz", "https://api.dns.404.xyz"}));

  // Only the variables that are set win; the rest still comes from the file.
  config = load_gateway_config(
      environment({{"HOME", home.string()}, {"ATLAS_404_API_KEY", kSecret}}), std::nullopt);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->base_urls.size(), 2u);
}

TEST(GatewayConfig, ReadsANamedJsonFileAndXdgConfigHome) {
  const std::filesystem::path dir = test::scratch_dir();
  const std::filesystem::path json =
      write_text(dir / "gateway.json",
                 R"({"404": {"api_key": "json-key", "base_url": "http://127.0.0.1:8080"}})");
  Result<GatewayConfig> config = load_gateway_config(environment({}), json);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->api_key, "json-key");
  EXPECT_EQ(config->base_urls, std::vector<std::string>{"http://127.0.0.1:8080"});

  write_text(dir / "xdg/atlas/config.yaml", "404: {api_key: xdg-key}\n");
  EXPECT_EQ(default_config_path(
                environment({{"XDG_CONFIG_HOME", (dir / "xdg").string()}, {"HOME", "/nowhere"}})),
            dir / "xdg/atlas/config.yaml");
  config =
      load_gateway_config(environment({{"XDG_CONFIG_HOME", (dir / "xdg").string()}}), std::nullopt);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->api_key, "xdg-key");
}

TEST(GatewayConfig, RefusesBadFilesAndUrlsWithoutQuotingTheKey) {
  const std::filesystem::path dir = test::scratch_dir();
  Result<GatewayConfig> config = load_gateway_config(environment({}), dir / "missing.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("missing.yaml: no such file"), std::string::npos);

  const std::filesystem::path broken =
      write_text(dir / "broken.yaml", "404:\n  api_key: " + kSecret + "\n  base_url: [unclosed\n");
  config = load_gateway_config(environment({}), broken);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("broken.yaml"), std::string::npos);
  EXPECT_EQ(config.error().message.find(kSecret), std::string::npos) << config.error().message;

  const std::filesystem::path plain_http = write_text(
      dir / "plain.yaml", "404:\n  api_key: " + kSecret + "\n  base_url: http://api.404.xyz\n");
  config = load_gateway_config(environment({}), plain_http);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("unencrypted"), std::string::npos);
  EXPECT_EQ(config.error().message.find(kSecret), std::string::npos);

  config = load_gateway_config(
      environment({{"ATLAS_404_API_KEY", kSecret}, {"ATLAS_404_BASE_URL", "ftp://x, ,"}}),
      std::nullopt);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message,
            "ATLAS_404_BASE_URL: base URL 'ftp://x' must start with https://");
  EXPECT_FALSE(parse_base_urls(" , ").ok());
  EXPECT_TRUE(parse_base_urls("http://localhost:9000/").ok());
  EXPECT_TRUE(parse_base_urls("http://[::1]:9000").ok());
  EXPECT_FALSE(parse_base_urls("http://localhost.evil.example").ok());
}

TEST(GatewayConfig, ReadsTheProcessEnvironment) {
  ::setenv("ATLAS_GATEWAY_CONFIG_TEST", "set", 1);
  EXPECT_EQ(process_environment()("ATLAS_GATEWAY_CONFIG_TEST"), "set");
  ::unsetenv("ATLAS_GATEWAY_CONFIG_TEST");
  EXPECT_EQ(process_environment()("ATLAS_GATEWAY_CONFIG_TEST"), std::nullopt);
}

TEST(GatewayConfig, DescribeRedactsTheKey) {
  GatewayConfig config;
  config.api_key = kSecret;
  config.base_urls = {"https://api-eu.404.xyz", "https://api-us-east.404.xyz"};
  const std::string text = describe(config);
  EXPECT_EQ(text.find(kSecret), std::string::npos);
  EXPECT_EQ(text,
            "404 gateway: https://api-eu.404.xyz, https://api-us-east.404.xyz; api key set "
            "(redacted)");
  config.api_key.clear();
  EXPECT_NE(describe(config).find("not set"), std::string::npos);
}

}  // namespace
}  // namespace atlas::providers
