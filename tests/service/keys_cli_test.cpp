// `atlas keys create|list|revoke` on a data folder.

#include <gtest/gtest.h>

#include "service/api_keys.h"
#include "service/sqlite_job_store.h"
#include "test_support.h"

namespace atlas::test {
namespace {

std::string atlas_keys(const std::string& arguments) {
  return "'" + std::string(ATLAS_BINARY_DIR) + "/apps/atlas' keys " + arguments;
}

TEST(KeysCli, CreatesAKeyShownOnceListsItByPrefixAndRevokesIt) {
  const auto data = scratch_dir();
  const CommandRun created =
      run_command(atlas_keys("create --tenant acme --data " + shell_quoted(data)));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const std::size_t at = created.output.find("atl_");
  ASSERT_NE(at, std::string::npos);
  const std::string key = created.output.substr(at, 68);

  const CommandRun listed = run_command(atlas_keys("list --data " + shell_quoted(data)));
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("acme"), std::string::npos);
  EXPECT_NE(listed.output.find(key.substr(0, 12)), std::string::npos);
  EXPECT_EQ(listed.output.find(key), std::string::npos);  // never the key itself
  const std::size_t id_at = listed.output.find("key_");
  ASSERT_NE(id_at, std::string::npos);
  const std::string id = listed.output.substr(id_at, 20);

  {
    auto store = service::SqliteJobStore::open(data / "atlas.db");
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE((*store)->find_key(service::hash_api_key(key))->has_value());
  }
  const CommandRun revoked =
      run_command(atlas_keys("revoke " + id + " --data " + shell_quoted(data)));
  EXPECT_EQ(revoked.exit_code, 0) << revoked.output;
  EXPECT_NE(run_command(atlas_keys("list --data " + shell_quoted(data))).output.find("revoked"),
            std::string::npos);
  auto store = service::SqliteJobStore::open(data / "atlas.db");
  EXPECT_FALSE((*store)->find_key(service::hash_api_key(key))->has_value());

  const CommandRun missing =
      run_command(atlas_keys("revoke key_0000 --data " + shell_quoted(data)));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("key_0000"), std::string::npos);
}

}  // namespace
}  // namespace atlas::test

namespace atlas::test {
namespace {

TEST(KeysCli, KeysCarryTheirOwnJobQuotas) {
  const auto data = scratch_dir();
  const CommandRun created = run_command(atlas_keys(
      "create --tenant acme --concurrent-jobs 3 --jobs-per-day 40 --data " + shell_quoted(data)));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  ASSERT_EQ(run_command(atlas_keys("create --tenant acme --data " + shell_quoted(data))).exit_code,
            0);
  const CommandRun listed = run_command(atlas_keys("list --data " + shell_quoted(data)));
  EXPECT_NE(listed.output.find("active   3          40"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("active   default    default"), std::string::npos) << listed.output;
  auto store = service::SqliteJobStore::open(data / "atlas.db");
  ASSERT_TRUE(store.ok());
  const auto keys = (*store)->list_keys();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].limits.concurrent_jobs + (*keys)[1].limits.concurrent_jobs, 3);
  EXPECT_EQ((*keys)[0].limits.jobs_per_day + (*keys)[1].limits.jobs_per_day, 40);
  EXPECT_NE(run_command(atlas_keys("create --tenant acme --concurrent-jobs -1 --data " +
                                   shell_quoted(data)))
                .exit_code,
            0);
}

std::string atlas_tenants(const std::string& arguments) {
  return "'" + std::string(ATLAS_BINARY_DIR) + "/apps/atlas' tenants " + arguments;
}

TEST(TenantsCli, CreditSetsAndRemovesATenantsCreditLimit) {
  const auto data = scratch_dir();
  ASSERT_EQ(run_command(atlas_keys("create --tenant acme --data " + shell_quoted(data))).exit_code,
            0);
  const CommandRun set =
      run_command(atlas_tenants("credit acme 12.5 --data " + shell_quoted(data)));
  ASSERT_EQ(set.exit_code, 0) << set.output;
  EXPECT_NE(set.output.find("12.5"), std::string::npos);
  std::string tenant_id;
  {
    auto store = service::SqliteJobStore::open(data / "atlas.db");
    ASSERT_TRUE(store.ok());
    tenant_id = (*store)->list_keys()->at(0).tenant_id;
    EXPECT_DOUBLE_EQ((*store)->balance(tenant_id)->credit_limit.value_or(-1), 12.5);
  }
  EXPECT_EQ(run_command(atlas_tenants("credit acme none --data " + shell_quoted(data))).exit_code,
            0);
  {
    auto store = service::SqliteJobStore::open(data / "atlas.db");
    EXPECT_FALSE((*store)->balance(tenant_id)->credit_limit.has_value());
  }
  const CommandRun unknown =
      run_command(atlas_tenants("credit nobody 5 --data " + shell_quoted(data)));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("nobody"), std::string::npos);
  for (const char* amount : {"-3", "lots", "5x"}) {
    const CommandRun bad = run_command(
        atlas_tenants(std::string("credit acme ") + amount + " --data " + shell_quoted(data)));
    EXPECT_NE(bad.exit_code, 0) << amount;
  }
}

}  // namespace
}  // namespace atlas::test
