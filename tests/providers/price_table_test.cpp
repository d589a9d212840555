#include "providers/price_table.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_support.h"

namespace atlas::providers {
namespace {

namespace fs = std::filesystem;

EnvironmentLookup no_environment() {
  return [](std::string_view) { return std::optional<std::string>(); };
}

fs::path config_with(const std::string& text) {
  const fs::path file = test::scratch_dir() / "config.yaml";
  std::ofstream(file) << text;
  return file;
}

TEST(PriceTable, AModelsPriceThenItsProvidersDefault) {
  Result<PriceTable> table = load_price_table(no_environment(), config_with(R"(prices:
  currency: EUR
  "404": {404-3dgs: 0.15, 404-mesh: 0.25}
  meshy-retexture: {default: 0.1, meshy-5: 0.2}
)"));
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->currency, "EUR");
  EXPECT_EQ(table->price("404", "404-3dgs"), 0.15);
  EXPECT_EQ(table->price("404", "404-mesh-v2"), std::nullopt);
  EXPECT_EQ(table->price("meshy-retexture", "meshy-5"), 0.2);
  EXPECT_EQ(table->price("meshy-retexture", "meshy-4"), 0.1);
  EXPECT_EQ(table->price("other", "x"), std::nullopt);
}

TEST(PriceTable, NoFileOrNoSectionIsAnEmptyTable) {
  Result<PriceTable> absent = load_price_table(no_environment(), std::nullopt);
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->prices.empty());
  Result<PriceTable> no_section = load_price_table(no_environment(), config_with("chains: {}\n"));
  ASSERT_TRUE(no_section.ok());
  EXPECT_TRUE(no_section->prices.empty());
}

TEST(PriceTable, MalformedPricesAreRefusedNamingFileLineAndEntry) {
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"prices:\n  \"404\":\n    404-3dgs: cheap\n",
            ":3: prices.404.404-3dgs must be a price"},
           {"prices:\n  \"404\": {404-3dgs: -0.1}\n", ":2: prices.404.404-3dgs must be a price"},
           {"prices:\n  \"404\": {404-3dgs: .nan}\n", ":2: prices.404.404-3dgs must be a price"},
           {"prices:\n  \"404\": 0.15\n", ":2: prices.404 must map models to prices"},
           {"prices: [1, 2]\n", ":1: prices must be a map of providers"}}) {
    const fs::path file = config_with(text);
    Result<PriceTable> table = load_price_table(no_environment(), file);
    ASSERT_FALSE(table.ok()) << text;
    EXPECT_EQ(table.error().message.rfind("config file " + file.string() + message, 0), 0u)
        << table.error().message;
  }
}

TEST(PriceTable, ATaskThatExistsOrMayExistIsChargedARefusalIsNot) {
  PriceTable table;
  table.prices["404"]["404-3dgs"] = 0.15;
  std::vector<pipeline::UsageRecord> records;
  const pipeline::UsageSink sink = [&](const pipeline::UsageRecord& r) { records.push_back(r); };
  TaskCall base;
  base.provider = "404";
  base.model = "404-3dgs";
  base.billed_by = "404";

  TaskCall created = base;
  created.task_id = "a-task";
  created.create_requests = 1;
  created.succeeded = true;
  report_task_call(created, table, sink);
  TaskCall unknown = base;
  unknown.task_outcome_unknown = true;
  unknown.create_requests = 1;
  report_task_call(unknown, table, sink);
  TaskCall refused = base;
  refused.create_requests = 1;
  report_task_call(refused, table, sink);
  report_task_call(base, table, sink);  // checked and refused here: nothing was sent
  TaskCall unpriced = created;
  unpriced.model = "404-mesh";
  report_task_call(unpriced, table, sink);

  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].cost, 0.15);
  EXPECT_EQ(records[0].task_id, "a-task");
  EXPECT_EQ(records[1].cost, 0.15);
  EXPECT_TRUE(records[1].outcome_unknown);
  EXPECT_EQ(records[2].cost, 0);
  EXPECT_TRUE(records[2].priced);
  EXPECT_EQ(records[3].cost, 0);
  EXPECT_FALSE(records[3].priced);
}

}  // namespace
}  // namespace atlas::providers
