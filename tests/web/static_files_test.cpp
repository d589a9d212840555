// The web app's files as `atlas serve` sends them: types, caching, precompressed
// variants, the single-page fallback, and never a file outside the folder nor an API path.

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "service/static_files.h"
#include "test_support.h"

namespace atlas::test {
namespace {

using service::HttpRequest;
using service::HttpResponse;
using service::StaticFiles;

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers)
    if (key == name) return value;
  return "";
}

HttpRequest get(const std::string& target, service::HttpHeaders headers = {}) {
  return {"GET", target, std::move(headers), ""};
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = scratch_dir() / "web";
    write(root_ / "index.html", "<!doctype html><title>Atlas</title>");
    write(root_ / "assets/index-abc.js", "console.log('app');");
    write(root_ / "assets/index-abc.js.gz", "GZIPPED");
    write(root_ / "assets/style-1.css", "body{}");
    write(root_.parent_path() / "secret.txt", "not served");
  }
  std::filesystem::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirTypeAndCaching) {
  const StaticFiles files(root_);
  ASSERT_TRUE(files.available());
  const HttpResponse index = files.handle(get("/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><title>Atlas</title>");
  EXPECT_EQ(header(index, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(index, "Cache-Control"), "no-cache");
  EXPECT_NE(header(index, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);

  const HttpResponse script = files.handle(get("/assets/index-abc.js"));
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.body, "console.log('app');");
  EXPECT_EQ(header(script, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(script, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(header(script, "Content-Encoding"), "");
  EXPECT_EQ(header(files.handle(get("/assets/style-1.css")), "Content-Type"),
            "text/css; charset=utf-8");
}

TEST_F(StaticFilesTest, SendsTheGzipFileToClientsThatAcceptIt) {
  const StaticFiles files(root_);
  const HttpResponse packed =
      files.handle(get("/assets/index-abc.js", {{"accept-encoding", "br, gzip, deflate"}}));
  EXPECT_EQ(packed.body, "GZIPPED");
  EXPECT_EQ(header(packed, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(packed, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(packed, "Vary"), "Accept-Encoding");
  // q=0 refuses gzip; a file without a .gz is sent as it is.
  EXPECT_EQ(files.handle(get("/assets/index-abc.js", {{"accept-encoding", "gzip;q=0"}})).body,
            "console.log('app');");
  EXPECT_EQ(files.handle(get("/assets/style-1.css", {{"accept-encoding", "gzip"}})).body, "body{}");
  // The two variants have different validators.
  EXPECT_NE(header(packed, "ETag"), header(files.handle(get("/assets/index-abc.js")), "ETag"));
}

TEST_F(StaticFilesTest, AnswersNotModifiedToAMatchingETag) {
  const StaticFiles files(root_);
  const std::string etag = header(files.handle(get("/assets/index-abc.js")), "ETag");
  ASSERT_FALSE(etag.empty());
  const HttpResponse again = files.handle(get("/assets/index-abc.js", {{"if-none-match", etag}}));
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(header(again, "ETag"), etag);
  EXPECT_EQ(files.handle(get("/assets/index-abc.js", {{"if-none-match", "\"other\""}})).status,
            200);
}

TEST_F(StaticFilesTest, PagesOfTheAppAreIndexHtmlAndMissingAssetsAreNotFound) {
  const StaticFiles files(root_);
  const HttpResponse page = files.handle(get("/jobs/job_0123abcd?x=1"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<!doctype html><title>Atlas</title>");
  EXPECT_EQ(files.handle(get("/usage")).status, 200);
  // A script that is not there is a 404, never HTML a browser would try to run.
  EXPECT_EQ(files.handle(get("/assets/gone-123.js")).status, 404);
}

TEST_F(StaticFilesTest, NeverLeavesTheFolder) {
  const StaticFiles files(root_);
  for (const char* target :
       {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
        "/assets/%2E%2E/%2E%2E/secret.txt", "/.hidden", "/a%00b.js", "/bad%zzescape"}) {
    const HttpResponse response = files.handle(get(target));
    EXPECT_NE(response.body, "not served") << target;
    EXPECT_TRUE(response.status == 400 || response.status == 404)
        << target << " " << response.status;
  }
}

TEST_F(StaticFilesTest, LeavesTheApiPathsToTheApi) {
  for (const char* path : {"/v1", "/v1/jobs", "/v1/jobs/job_1/events", "/healthz", "/readyz",
                           "/metrics", "/openapi.json"})
    EXPECT_FALSE(StaticFiles::is_web_request(get(path))) << path;
  for (const char* path : {"/", "/jobs", "/jobs/job_1", "/usage", "/assets/index-abc.js", "/v1x"})
    EXPECT_TRUE(StaticFiles::is_web_request(get(path))) << path;
  EXPECT_FALSE(StaticFiles::is_web_request({"POST", "/", {}, ""}));
}

TEST_F(StaticFilesTest, AFolderWithoutIndexIsNotAnApp) {
  EXPECT_FALSE(StaticFiles(root_ / "assets").available());
}

}  // namespace
}  // namespace atlas::test
