#include "service/postgres_job_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "service/ids.h"
#include "service/store_rows.h"

namespace atlas::service {

using namespace store_rows;

namespace {

// Lease expiry is compared with the database's clock (see the header).
#define ATLAS_DB_NOW "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT"

// Connections kept idle for the next call; more than the threads of a process that call
// at once are closed when given back.
constexpr std::size_t kMaxIdle = 16;

// Any constant works: it only has to be the same in every Atlas process.
constexpr const char* kSchemaLockKey = "4850019843";

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// The values of a statement's $1, $2, ..., sent as text: PostgreSQL converts them to
// the columns' types, and no value is ever part of the SQL text.
class Params {
 public:
  Params& text(std::string value) {
    values_.push_back(std::move(value));
    nulls_.push_back(false);
    return *this;
  }
  Params& integer(std::int64_t value) { return text(std::to_string(value)); }
  Params& real(double value) {
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    return text(std::string(buffer, end));
  }
  Params& null() {
    values_.emplace_back();
    nulls_.push_back(true);
    return *this;
  }
  std::vector<const char*> pointers() const {
    std::vector<const char*> pointers;
    for (std::size_t i = 0; i < values_.size(); ++i)
      pointers.push_back(nulls_[i] ? nullptr : values_[i].c_str());
    return pointers;
  }

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "unknown error" : text;
}

Error pg_error(const std::string& what, const std::string& message) {
  return make_error("PostgreSQL: " + what + ": " + message);
}

// Runs one statement; fails naming `what` and PostgreSQL's message.
Result<PgResult> run(PGconn* conn, const std::string& what, const char* sql,
                     const Params& params = {}) {
  const std::vector<const char*> values = params.pointers();
  PgResult result(
      PQexecParams(conn, sql, int(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    return pg_error(what,
                    trimmed(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn)));
  return result;
}

// Rows a statement changed (INSERT, UPDATE, DELETE).
std::int64_t changed(const PgResult& result) {
  return std::strtoll(PQcmdTuples(result.get()), nullptr, 10);
}

// One row of a result, read by column index.
class Row {
 public:
  Row(const PgResult& result, int row) : result_(result.get()), row_(row) {}
  std::string text(int column) const {
    return std::string(PQgetvalue(result_, row_, column),
                       std::size_t(PQgetlength(result_, row_, column)));
  }
  std::int64_t integer(int column) const {
    std::int64_t value = 0;
    const char* data = PQgetvalue(result_, row_, column);
    std::from_chars(data, data + PQgetlength(result_, row_, column), value);
    return value;
  }
  double real(int column) const {
    double value = 0;
    const char* data = PQgetvalue(result_, row_, column);
    std::from_chars(data, data + PQgetlength(result_, row_, column), value);
    return value;
  }
  bool flag(int column) const { return PQgetvalue(result_, row_, column)[0] == 't'; }

 private:
  const PGresult* result_;
  int row_;
};

// BEGIN .. COMMIT; rolled back unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(PGconn* conn) : conn_(conn) {
    auto begun = run(conn, "beginning a transaction", "BEGIN");
    if (!begun) began_ = begun.error();
  }
  ~Transaction() {
    if (began_ && !committed_) PQclear(PQexec(conn_, "ROLLBACK"));
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  const Status& began() const { return began_; }
  Status commit() {
    auto done = run(conn_, "committing", "COMMIT");
    if (!done) return done.error();
    committed_ = true;
    return Ok{};
  }

 private:
  PGconn* conn_;
  Status began_ = Ok{};
  bool committed_ = false;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS tenants (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
  key_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, created_ms BIGINT NOT NULL,
  revoked BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS assets (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, filename TEXT NOT NULL,
  size BIGINT NOT NULL, sha256 TEXT NOT NULL, created_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL, state TEXT NOT NULL, pipeline TEXT NOT NULL, inputs TEXT NOT NULL,
  webhook_url TEXT NOT NULL, idempotency_key TEXT, progress INTEGER NOT NULL DEFAULT 0,
  current_node TEXT NOT NULL DEFAULT '', error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '', created_ms BIGINT NOT NULL,
  started_ms BIGINT NOT NULL DEFAULT 0, finished_ms BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT NOT NULL DEFAULT '',
  lease_expires_ms BIGINT NOT NULL DEFAULT 0, cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
  event_seq BIGINT NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, idempotency_key));
-- What lease_next_job scans: only the unfinished jobs, in creation order.
CREATE INDEX IF NOT EXISTS jobs_to_lease ON jobs (seq) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS jobs_by_tenant ON jobs (tenant_id, seq);
CREATE TABLE IF NOT EXISTS job_events (
  job_id TEXT NOT NULL, seq BIGINT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
  time_ms BIGINT NOT NULL, PRIMARY KEY (job_id, seq));
CREATE TABLE IF NOT EXISTS usage_ledger (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, entry_key TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL, job_id TEXT NOT NULL, kind TEXT NOT NULL, provider TEXT NOT NULL,
  detail TEXT NOT NULL, quantity DOUBLE PRECISION NOT NULL, cost DOUBLE PRECISION NOT NULL,
  currency TEXT NOT NULL, billed_by TEXT NOT NULL, time_ms BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS usage_by_tenant ON usage_ledger (tenant_id, time_ms);
CREATE INDEX IF NOT EXISTS usage_by_job ON usage_ledger (job_id);
CREATE OR REPLACE FUNCTION atlas_usage_ledger_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the usage ledger is append-only'; END $$;
CREATE OR REPLACE TRIGGER usage_ledger_no_change BEFORE UPDATE OR DELETE ON usage_ledger
  FOR EACH ROW EXECUTE FUNCTION atlas_usage_ledger_append_only();
CREATE OR REPLACE TRIGGER usage_ledger_no_truncate BEFORE TRUNCATE ON usage_ledger
  FOR EACH STATEMENT EXECUTE FUNCTION atlas_usage_ledger_append_only();
)sql";

// Version 2, with kQuotaSchema: the tenants' webhook signing secrets (the outbox is
// kWebhookTables).
constexpr const char* kWebhookSchema =
    "ALTER TABLE tenants ADD COLUMN IF NOT EXISTS webhook_secret TEXT NOT NULL DEFAULT ''";

// Version 2: per-key job quotas, the jobs' keys, tenants' credit limits, and an index for
// counting provider calls at every metrics scrape. Idempotent, like kSchema.
constexpr const char* kQuotaSchema = R"sql(
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS concurrent_jobs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS jobs_per_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS credit_limit DOUBLE PRECISION;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS key_id TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS jobs_by_key_state ON jobs (key_id, state);
CREATE INDEX IF NOT EXISTS jobs_by_key_time ON jobs (key_id, created_ms);
CREATE INDEX IF NOT EXISTS usage_by_kind ON usage_ledger (kind, provider, billed_by, currency, cost);
)sql";

// Version 3: the jobs' parameter overrides.
constexpr const char* kOverridesSchema =
    "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS overrides TEXT NOT NULL DEFAULT '{}'";

// The first row as a job, or nullopt when there is none.
std::optional<Job> first_job(const PgResult& result) {
  if (PQntuples(result.get()) == 0) return std::nullopt;
  return read_job(Row(result, 0));
}

// The tenant's job created with the new job's idempotency key, if any.
Result<std::optional<Job>> job_of_idempotency_key(PGconn* db, const NewJob& job) {
  const std::string sql = std::string("SELECT ") + kJobColumns +
                          " FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2";
  auto existing = run(db, "finding the job of idempotency key '" + job.idempotency_key + "'",
                      sql.c_str(), Params().text(job.tenant_id).text(job.idempotency_key));
  if (!existing) return existing.error();
  return first_job(*existing);
}

Result<std::optional<Job>> select_job(PGconn* conn, const std::string& job_id,
                                      const std::string& tenant_id, bool lock = false) {
  const std::string sql = std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = $1" +
                          (tenant_id.empty() ? "" : " AND tenant_id = $2") +
                          (lock ? " FOR UPDATE" : "");
  Params params;
  params.text(job_id);
  if (!tenant_id.empty()) params.text(tenant_id);
  auto result = run(conn, "reading job " + job_id, sql.c_str(), params);
  if (!result) return result.error();
  return first_job(*result);
}

// Numbers the job's next event and records it; the UPDATE's row lock keeps the numbers
// of concurrent writers apart. A state event of a job with a webhook_url also enqueues
// its delivery. Inside the caller's transaction.
Status append_event(PGconn* conn, const std::string& job_id, const std::string& type,
                    const std::string& data_json) {
  const std::int64_t now = now_ms();
  auto added = run(conn, "recording an event of " + job_id,
                   "WITH next AS (UPDATE jobs SET event_seq = event_seq + 1 WHERE id = $1::TEXT "
                   "RETURNING event_seq, webhook_url, tenant_id), event AS (INSERT INTO "
                   "job_events (job_id, seq, type, data, time_ms) SELECT $1::TEXT, event_seq, "
                   "$2, $3, $4 FROM next) SELECT event_seq, webhook_url, tenant_id FROM next",
                   Params().text(job_id).text(type).text(data_json).integer(now));
  if (!added) return added.error();
  if (PQntuples(added->get()) != 1)
    return pg_error("recording an event of " + job_id, "no such job");
  const Row row(*added, 0);
  const std::int64_t seq = row.integer(0);
  const std::string url = row.text(1), tenant_id = row.text(2);
  const std::optional<JobState> state = type == "state" ? state_of_event(data_json) : std::nullopt;
  if (url.empty() || !state) return Ok{};
  const std::string id = random_id("whd_");
  if (auto enqueued =
          run(conn, "enqueuing a webhook of " + job_id,
              "INSERT INTO webhook_deliveries (id, job_id, tenant_id, event_seq, url, payload, "
              "next_attempt_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6, " ATLAS_DB_NOW ", $7)",
              Params()
                  .text(id)
                  .text(job_id)
                  .text(tenant_id)
                  .integer(seq)
                  .text(url)
                  .text(webhook_payload(id, job_id, *state, seq, data_json, now))
                  .integer(now));
      !enqueued)
    return enqueued.error();
  DeliveriesNotice::mark();
  return Ok{};
}

Result<bool> insert_usage(PGconn* conn, const UsageEntry& entry) {
  auto inserted =
      run(conn, "recording usage " + entry.entry_key,
          "INSERT INTO usage_ledger (entry_key, tenant_id, job_id, kind, provider, detail, "
          "quantity, cost, currency, billed_by, time_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
          "$9, $10, $11) ON CONFLICT (entry_key) DO NOTHING",
          Params()
              .text(entry.entry_key)
              .text(entry.tenant_id)
              .text(entry.job_id)
              .text(to_string(entry.kind))
              .text(entry.provider)
              .text(entry.detail)
              .real(entry.quantity)
              .real(entry.cost)
              .text(entry.currency)
              .text(entry.billed_by)
              .integer(entry.time_ms ? entry.time_ms : now_ms()));
  if (!inserted) return inserted.error();
  return changed(*inserted) > 0;
}

// `limited_only`: spent is summed only when the tenant has a limit (0 otherwise).
Result<Balance> select_balance(PGconn* conn, const std::string& tenant_id, bool limited_only) {
  const std::string sql = std::string(limited_only ? kLimitedBalanceQuery : kBalanceQuery) + "$1";
  auto found =
      run(conn, "reading the balance of " + tenant_id, sql.c_str(), Params().text(tenant_id));
  if (!found) return found.error();
  Balance balance;
  if (PQntuples(found->get()) == 0) return balance;  // no such tenant: nothing spent, no limit
  if (!PQgetisnull(found->get(), 0, 0)) balance.credit_limit = Row(*found, 0).real(0);
  balance.spent = Row(*found, 0).real(1);
  return balance;
}

// Jobs of `key_id` matching `where` ("state IN (...)", "created_ms >= $2" with `since`).
Result<std::int64_t> count_key_jobs(PGconn* conn, const std::string& key_id, const char* where,
                                    std::optional<std::int64_t> since = std::nullopt) {
  Params params;
  params.text(key_id);
  if (since) params.integer(*since);
  const std::string sql = std::string("SELECT COUNT(*) FROM jobs WHERE key_id = $1 AND ") + where;
  auto counted = run(conn, "counting the jobs of " + key_id, sql.c_str(), params);
  if (!counted) return counted.error();
  return Row(*counted, 0).integer(0);
}

Error lease_lost(const std::string& job_id, const std::string& worker_id) {
  return make_error(job_id + ": the lease of " + worker_id + " was lost");
}

}  // namespace

std::string PostgresJobStore::redacted(const std::string& url) {
  std::string text = url;
  // postgresql://user:password@host/...: the password is between the first ':' of the
  // user part and its last '@'.
  if (const std::size_t scheme = text.find("://"); scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    const std::size_t end = text.find_first_of("/?", start);
    const std::size_t at = text.rfind('@', end == std::string::npos ? text.size() : end);
    if (at != std::string::npos && at >= start) {
      const std::size_t colon = text.find(':', start);
      if (colon != std::string::npos && colon < at) text.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a URL parameter or in "key=value" connection strings.
  for (std::size_t at = text.find("password="); at != std::string::npos;
       at = text.find("password=", at + 1)) {
    const std::size_t value = at + 9;
    const std::size_t end = text.find_first_of("& ", value);
    text.replace(value, (end == std::string::npos ? text.size() : end) - value, "***");
  }
  return text;
}

PostgresJobStore::Connection::~Connection() {
  if (!conn_) return;
  // A connection whose link broke, or that is somehow still inside a transaction, is not
  // lent again: the next call connects afresh.
  if (PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE) {
    const std::lock_guard lock(store_->mutex_);
    if (store_->idle_.size() < kMaxIdle) {
      store_->idle_.push_back(conn_);
      return;
    }
  }
  PQfinish(conn_);
}

PostgresJobStore::PostgresJobStore(std::string url) : url_(std::move(url)) {}

PostgresJobStore::~PostgresJobStore() {
  for (PGconn* conn : idle_) PQfinish(conn);
}

Result<PostgresJobStore::Connection> PostgresJobStore::connect() {
  PGconn* conn = nullptr;
  {
    const std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      conn = idle_.back();
      idle_.pop_back();
    }
  }
  // An idle connection the server closed meanwhile (a restart, an administrator ending
  // sessions) has the server's goodbye and the end of the stream waiting on its socket:
  // reading them, without blocking (the first read takes the message, the second meets
  // the end), marks the connection bad, and a new one is made instead of failing the call.
  if (conn &&
      (PQconsumeInput(conn) == 0 || PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK)) {
    PQfinish(conn);
    conn = nullptr;
  }
  if (conn) return Connection(*this, conn);
  conn = PQconnectdb(url_.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names the host and the user, never the password.
    const std::string message = trimmed(conn ? PQerrorMessage(conn) : "out of memory");
    PQfinish(conn);
    return pg_error("connecting to " + redacted(url_), message);
  }
  // "relation already exists, skipping" and the like are not for the service's log.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return Connection(*this, conn);
}

Result<std::unique_ptr<PostgresJobStore>> PostgresJobStore::open(const std::string& url) {
  std::unique_ptr<PostgresJobStore> store(new PostgresJobStore(url));
  if (Status migrated = store->migrate(); !migrated) return migrated.error();
  return store;
}

Status PostgresJobStore::migrate() {
  auto conn = connect();
  if (!conn) return conn.error();
  PGconn* db = conn->get();
  Transaction transaction(db);
  if (!transaction.began()) return transaction.began();
  // Held until the transaction ends: a second process starting now waits here and then
  // finds the schema in place.
  if (auto locked = run(db, "locking the schema", "SELECT pg_advisory_xact_lock($1::BIGINT)",
                        Params().text(kSchemaLockKey));
      !locked)
    return locked.error();
  if (auto made = run(db, "creating the schema version table",
                      "CREATE TABLE IF NOT EXISTS atlas_schema (version INTEGER NOT NULL)");
      !made)
    return made.error();
  auto version = run(db, "reading the schema version", "SELECT MAX(version) FROM atlas_schema");
  if (!version) return version.error();
  const std::int64_t found = Row(*version, 0).integer(0);
  if (found > kSchemaVersion)
    return make_error("PostgreSQL: the database has schema version " + std::to_string(found) +
                      ", newer than this program's (" + std::to_string(kSchemaVersion) +
                      "); use a newer atlas");
  if (found < kSchemaVersion) {
    // Every statement is idempotent (IF NOT EXISTS), so a database of any older version
    // is brought up to date by running them all.
    for (const char* step :
         {kSchema, kQuotaSchema, kWebhookSchema, kWebhookTables, kOverridesSchema}) {
      PgResult created(PQexec(db, step));
      if (!created || PQresultStatus(created.get()) != PGRES_COMMAND_OK)
        return pg_error("creating the schema", trimmed(created ? PQresultErrorMessage(created.get())
                                                               : PQerrorMessage(db)));
    }
    // Tenants made before version 2 get their webhook signing secret now.
    auto tenants = run(db, "finding tenants without a webhook secret",
                       "SELECT id FROM tenants WHERE webhook_secret = ''");
    if (!tenants) return tenants.error();
    for (int i = 0; i < PQntuples(tenants->get()); ++i)
      if (auto updated = run(db, "making webhook secrets",
                             "UPDATE tenants SET webhook_secret = $1 WHERE id = $2",
                             Params().text(new_webhook_secret()).text(Row(*tenants, i).text(0)));
          !updated)
        return updated.error();
    if (auto recorded =
            run(db, "recording the schema version",
                "INSERT INTO atlas_schema (version) VALUES ($1)", Params().integer(kSchemaVersion));
        !recorded)
      return recorded.error();
  }
  return transaction.commit();
}

Result<ApiKey> PostgresJobStore::create_key(const std::string& tenant_name,
                                            const std::string& key_hash, const std::string& prefix,
                                            const JobLimits& limits) {
  auto conn = connect();
  if (!conn) return conn.error();
  PGconn* db = conn->get();
  Transaction transaction(db);
  if (!transaction.began()) return transaction.began().error();
  ApiKey key;
  key.tenant_name = tenant_name;
  key.prefix = prefix;
  key.created_ms = now_ms();
  key.limits = limits;
  // Two processes creating the tenant's first keys at once end with one tenant.
  if (auto made = run(db, "creating tenant '" + tenant_name + "'",
                      "INSERT INTO tenants (id, name, created_ms, webhook_secret) VALUES ($1, $2, "
                      "$3, $4) ON CONFLICT (name) DO NOTHING",
                      Params()
                          .text(random_id("ten_"))
                          .text(tenant_name)
                          .integer(key.created_ms)
                          .text(new_webhook_secret()));
      !made)
    return made.error();
  auto found = run(db, "finding tenant '" + tenant_name + "'",
                   "SELECT id FROM tenants WHERE name = $1", Params().text(tenant_name));
  if (!found) return found.error();
  if (PQntuples(found->get()) != 1)
    return pg_error("finding tenant '" + tenant_name + "'", "not found after creating it");
  key.tenant_id = Row(*found, 0).text(0);
  key.id = random_id("key_", 8);
  if (auto stored = run(db, "storing the key",
                        "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, created_ms, "
                        "concurrent_jobs, jobs_per_day) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        Params()
                            .text(key.id)
                            .text(key.tenant_id)
                            .text(key_hash)
                            .text(prefix)
                            .integer(key.created_ms)
                            .integer(limits.concurrent_jobs)
                            .integer(limits.jobs_per_day));
      !stored)
    return stored.error();
  if (Status done = transaction.commit(); !done) return done.error();
  return key;
}

Result<std::optional<ApiKey>> PostgresJobStore::find_key(const std::string& key_hash) {
  auto conn = connect();
  if (!conn) return conn.error();
  const std::string sql =
      std::string("SELECT ") + kKeyColumns + " WHERE k.key_hash = $1 AND NOT k.revoked";
  auto found = run(conn->get(), "looking up a key", sql.c_str(), Params().text(key_hash));
  if (!found) return found.error();
  if (PQntuples(found->get()) == 0) return std::optional<ApiKey>();
  return std::optional<ApiKey>(read_key(Row(*found, 0)));
}

Result<std::vector<ApiKey>> PostgresJobStore::list_keys() {
  auto conn = connect();
  if (!conn) return conn.error();
  const std::string sql = std::string("SELECT ") + kKeyColumns + " ORDER BY k.created_ms, k.id";
  auto found = run(conn->get(), "listing keys", sql.c_str());
  if (!found) return found.error();
  std::vector<ApiKey> keys;
  for (int i = 0; i < PQntuples(found->get()); ++i) keys.push_back(read_key(Row(*found, i)));
  return keys;
}

Status PostgresJobStore::revoke_key(const std::string& key_id) {
  auto conn = connect();
  if (!conn) return conn.error();
  auto revoked = run(conn->get(), "revoking " + key_id,
                     "UPDATE api_keys SET revoked = TRUE WHERE id = $1", Params().text(key_id));
  if (!revoked) return revoked.error();
  if (changed(*revoked) == 0) return make_error("no API key has the id '" + key_id + "'");
  return Ok{};
}

Status PostgresJobStore::set_credit_limit(const std::string& tenant_name,
                                          std::optional<double> credit_limit) {
  auto conn = connect();
  if (!conn) return conn.error();
  Params params;
  if (credit_limit)
    params.real(*credit_limit);
  else
    params.null();
  params.text(tenant_name);
  auto updated = run(conn->get(), "setting the credit limit of " + tenant_name,
                     "UPDATE tenants SET credit_limit = $1 WHERE name = $2", params);
  if (!updated) return updated.error();
  if (changed(*updated) == 0) return make_error("no tenant is named '" + tenant_name + "'");
  return Ok{};
}

Result<Balance> PostgresJobStore::balance(const std::string& tenant_id) {
  auto conn = connect();
  if (!conn) return conn.error();
  return select_balance(conn->get(), tenant_id, false);
}

Status PostgresJobStore::add_asset(const Asset& asset) {
  auto conn = connect();
  if (!conn) return conn.error();
  auto added = run(conn->get(), "recording asset " + asset.id,
                   "INSERT INTO assets (id, tenant_id, filename, size, sha256, created_ms) "
                   "VALUES ($1, $2, $3, $4, $5, $6)",
                   Params()
                       .text(asset.id)
                       .text(asset.tenant_id)
                       .text(asset.filename)
                       .integer(std::int64_t(asset.size))
                       .text(asset.sha256)
                       .integer(asset.created_ms));
  if (!added) return added.error();
  return Ok{};
}

Result<std::optional<Asset>> PostgresJobStore::find_asset(const std::string& tenant_id,
                                                          const std::string& asset_id) {
  auto conn = connect();
  if (!conn) return conn.error();
  auto found = run(conn->get(), "reading asset " + asset_id,
                   "SELECT id, tenant_id, filename, size, sha256, created_ms FROM assets "
                   "WHERE id = $1 AND tenant_id = $2",
                   Params().text(asset_id).text(tenant_id));
  if (!found) return found.error();
  if (PQntuples(found->get()) == 0) return std::optional<Asset>();
  return std::optional<Asset>(read_asset(Row(*found, 0)));
}

Result<CreatedJob> PostgresJobStore::create_job(const NewJob& job) {
  const DeliveriesNotice notice([this] { deliveries_enqueued(); });
  auto conn = connect();
  if (!conn) return conn.error();
  PGconn* db = conn->get();
  Transaction transaction(db);
  if (!transaction.began()) return transaction.began().error();
  const bool limited =
      !job.key_id.empty() && (job.limits.concurrent_jobs > 0 || job.limits.jobs_per_day > 0);
  // The key's row lock makes its submissions take turns from here to the commit, so
  // each one counts the jobs the previous ones queued (READ COMMITTED: every statement
  // after the lock sees what committed before it) and a limit cannot be overshot.
  if (limited)
    if (auto locked =
            run(db, "locking key " + job.key_id, "SELECT id FROM api_keys WHERE id = $1 FOR UPDATE",
                Params().text(job.key_id));
        !locked)
      return locked.error();
  // A replay is answered with its job whatever the limits say.
  if (!job.idempotency_key.empty()) {
    auto existing = job_of_idempotency_key(db, job);
    if (!existing) return existing.error();
    if (*existing) return CreatedJob{std::move(**existing), false};
  }
  auto balance = select_balance(db, job.tenant_id, true);
  if (!balance) return balance.error();
  if (CreatedJob refusal = check_balance(*balance); refusal.refused != JobRefusal::None)
    return refusal;
  if (limited) {
    auto active = count_key_jobs(db, job.key_id, "state IN ('queued', 'running')");
    if (!active) return active.error();
    auto today = count_key_jobs(db, job.key_id, "created_ms >= $2", utc_day_start_ms(now_ms()));
    if (!today) return today.error();
    if (CreatedJob refusal = check_job_limits(job.limits, *active, *today);
        refusal.refused != JobRefusal::None)
      return refusal;
  }
  // ON CONFLICT as well as the look-up above: two API processes given the same
  // idempotency key at once end with one job, the second waiting for the first's commit.
  Params params;
  params.text(random_id("job_"))
      .text(job.tenant_id)
      .text(job.pipeline)
      .text(join_lines(job.inputs))
      .text(job.webhook_url);
  if (job.idempotency_key.empty())
    params.null();
  else
    params.text(job.idempotency_key);
  params.integer(now_ms()).text(job.key_id).text(job.overrides);
  const std::string sql = std::string(
                              "INSERT INTO jobs (id, tenant_id, state, pipeline, inputs, "
                              "webhook_url, idempotency_key, created_ms, key_id, overrides) VALUES "
                              "($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9) ON CONFLICT "
                              "(tenant_id, "
                              "idempotency_key) DO NOTHING RETURNING ") +
                          kJobColumns;
  auto inserted = run(db, "queuing a job", sql.c_str(), params);
  if (!inserted) return inserted.error();
  std::optional<Job> created = first_job(*inserted);
  if (!created) {
    auto existing = job_of_idempotency_key(db, job);
    if (!existing) return existing.error();
    if (!*existing)
      return pg_error("queuing a job",
                      "idempotency key '" + job.idempotency_key + "' conflicts with no job");
    return CreatedJob{std::move(**existing), false};
  }
  if (Status added = append_event(db, created->id, "state", state_event(JobState::Queued)); !added)
    return added.error();
  if (Status done = transaction.commit(); !done) return done.error();
  return CreatedJob{std::move(*created), true};
}

Result<std::optional<Job>> PostgresJobStore::find_job(const std::string& tenant_id,
                                                      const std::string& job_id) {
  auto conn = connect();
  if (!conn) return conn.error();
  return select_job(conn->get(), job_id, tenant_id);
}

Result<JobPage> PostgresJobStore::list_jobs(const std::string& tenant_id,
                                            std::optional<JobState> state, int limit,
                                            const std::string& cursor) {
  std::int64_t before = INT64_MAX;
  if (!cursor.empty()) {
    before = 0;
    for (char c : cursor) {
      if (c < '0' || c > '9' || before > INT64_MAX / 10 - 10)
        return make_error("cursor '" + cursor + "' is not one a previous page returned");
      before = before * 10 + (c - '0');
    }
  }
  auto conn = connect();
  if (!conn) return conn.error();
  Params params;
  params.text(tenant_id).integer(before);
  if (state) params.text(to_string(*state));
  params.integer(std::int64_t(limit) + 1);
  const std::string sql =
      std::string("SELECT ") + kJobColumns + " FROM jobs WHERE tenant_id = $1 AND seq < $2" +
      (state ? " AND state = $3 ORDER BY seq DESC LIMIT $4" : " ORDER BY seq DESC LIMIT $3");
  auto found = run(conn->get(), "listing jobs", sql.c_str(), params);
  if (!found) return found.error();
  JobPage page;
  for (int i = 0; i < PQntuples(found->get()); ++i) page.jobs.push_back(read_job(Row(*found, i)));
  if (int(page.jobs.size()) > limit) {
    page.jobs.pop_back();
    page.next_cursor = std::to_string(page.jobs.back().seq);
  }
  return page;
}

Result<std::optional<Job>> PostgresJobStore::cancel_job(const std::string& tenant_id,
                                                        const std::string& job_id) {
  const DeliveriesNotice notice([this] { deliveries_enqueued(); });
  auto conn = connect();
  if (!conn) return conn.error();
  PGconn* db = conn->get();
  Transaction transaction(db);
  if (!transaction.began()) return transaction.began().error();
  auto job = select_job(db, job_id, tenant_id, true);
  if (!job || !*job) return job;
  if ((*job)->state != JobState::Queued && (*job)->state != JobState::Running) return job;
  const std::string sql =
      std::string("UPDATE jobs SET ") +
      ((*job)->state == JobState::Queued ? "state = 'cancelled', finished_ms = $2, error_code = "
                                           "'cancelled', error_message = 'cancelled by the client'"
                                         : "cancel_requested = TRUE") +
      " WHERE id = $1 RETURNING " + kJobColumns;
  Params params;
  params.text(job_id);
  if ((*job)->state == JobState::Queued) params.integer(now_ms());
  auto updated = run(db, "cancelling " + job_id, sql.c_str(), params);
  if (!updated) return updated.error();
  if ((*job)->state == JobState::Queued)
    if (Status added = append_event(db, job_id, "state", state_event(JobState::Cancelled)); !added)
      return added.error();
  if (Status done = transaction.commit(); !done) return done.error();
  return first_job(*updated);
}

Result<std::vector<std::pair<JobState, std::int64_t>>> PostgresJobStore::count_jobs() {
  auto conn = connect();
  if (!conn) return conn.error();
  auto found = run(conn->get(), "counting jobs", "SELECT state, COUNT(*) FROM jobs GROUP BY state");
  if (!found) return found.error();
  std::vector<std::pair<JobState, std::int64_t>> counts;
  for (JobState state : {JobState::Queued, JobState::Running, JobState::Succeeded, JobState::Failed,
                         JobState::Cancelled})
    counts.emplace_back(state, 0);
  for (int i = 0; i < PQntuples(found->get()); ++i) {
    const Row row(*found, i);
    if (auto state = parse_job_state(row.text(0)))
      counts[std::size_t(*state)].second = row.integer(1);
  }
  return counts;
}

Result<std::vector<ProviderCalls>> PostgresJobStore::provider_calls() {
  auto conn = connect();
  if (!conn) return conn.error();
  auto found = run(conn->get(), "counting provider calls", kProviderCallsQuery);
  if (!found) return found.error();
  std::vector<ProviderCalls> calls;
  for (int i = 0; i < PQntuples(found->get()); ++i)
    calls.push_back(read_provider_calls(Row(*found, i)));
  return calls;
}

Result<std::optional<Job>> PostgresJobStore::lease_next_job(const std::string& worker_id,
                                                            std::int64_t lease_ms,
                                                            int max_attempts) {
  const DeliveriesNotice notice([this] { deliveries_enqueued(); });
  auto conn = connect();
  if (!conn) return conn.error();
  PGconn* db = conn->get();
  Transaction transaction(db);
  if (!transaction.began()) return transaction.began().error();
  // SKIP LOCKED: a job another worker is leasing (or finishing) right now is passed over
  // instead of waited for; the row lock taken here keeps it from every other worker
  // until this transaction ends.
  const std::string find_sql =
      std::string("SELECT ") + kJobColumns +
      " FROM jobs WHERE state IN ('queued', 'running') AND (state = 'queued' OR "
      "lease_expires_ms < " ATLAS_DB_NOW ") ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED";
  const std::string end_sql = std::string(
      "UPDATE jobs SET state = $2, error_code = $3, error_message = $4, finished_ms = $5, "
      "lease_owner = '' WHERE id = $1");
  const std::string lease_sql =
      std::string(
          "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $2, "
          "lease_expires_ms = " ATLAS_DB_NOW
          " + $3::BIGINT, started_ms = $4, progress = 0, current_node = '' WHERE id = $1 "
          "RETURNING ") +
      kJobColumns;
  for (;;) {
    auto found = run(db, "finding a job to run", find_sql.c_str());
    if (!found) return found.error();
    const std::optional<Job> job = first_job(*found);
    if (!job) break;
    const std::int64_t now = now_ms();
    // A job whose holder died while a client asked to cancel it ends cancelled; one that
    // used up its attempts ends failed: neither runs again.
    if (job->cancel_requested || job->attempts >= max_attempts) {
      const JobState end = job->cancel_requested ? JobState::Cancelled : JobState::Failed;
      const std::string code = job->cancel_requested ? "cancelled" : "too_many_attempts";
      const std::string message = job->cancel_requested
                                      ? "cancelled by the client"
                                      : "the job's worker stopped without finishing it " +
                                            std::to_string(job->attempts) + " times";
      if (auto ended = run(
              db, "ending " + job->id, end_sql.c_str(),
              Params().text(job->id).text(to_string(end)).text(code).text(message).integer(now));
          !ended)
        return ended.error();
      if (Status added = append_event(db, job->id, "state", state_event(end)); !added)
        return added.error();
      continue;
    }
    auto leased = run(db, "leasing " + job->id, lease_sql.c_str(),
                      Params().text(job->id).text(worker_id).integer(lease_ms).integer(now));
    if (!leased) return leased.error();
    if (Status added = append_event(
            db, job->id, "state",
            state_event(JobState::Running, ",\"attempt\":" + std::to_string(job->attempts + 1)));
        !added)
      return added.error();
    if (Status done = transaction.commit(); !done) return done.error();
    return first_job(*leased);
  }
  if (Status done = transaction.commit(); !done) return done.error();
  return std::optional<Job>();
}

Result<LeaseStatus> PostgresJobStore::renew_lease(const std::string& job_id,
                                                  const std::string& worker_id,
                                                  std::int64_t lease_ms) {
  auto conn = connect();
  if (!conn) return conn.error();
  auto renewed = run(conn->get(), "renewing the lease of " + job_id,
                     "UPDATE jobs SET lease_expires_ms = " ATLAS_DB_NOW
                     " + $3::BIGINT WHERE id = $1 AND lease_owner = $2 AND state = 'running' "
                     "RETURNING cancel_requested",
                     Params().text(job_id).text(worker_id).integer(lease_ms));
  if (!renewed) return renewed.error();
  if (PQntuples(renewed->get()) == 0) return lease_lost(job_id, worker_id);
  return LeaseStatus{Row(*renewed, 0).flag(0)};
}

Status PostgresJobStore::record_progress(const std::string& job_id, const std::string& worker_id,
                                         int progress, const std::string& current_node,
                                         const std::string& event_json) {
  auto conn = connect();
  if (!conn) return conn.error();
  PGconn* db = conn->get();
  Transaction transaction(db);
  if (!transaction.began()) return transaction.began();
  auto updated = run(db, "recording the progress of " + job_id,
                     "UPDATE jobs SET progress = $3, current_node = $4 WHERE id = $1 AND "
                     "lease_owner = $2 AND state = 'running'",
                     Params().text(job_id).text(worker_id).integer(progress).text(current_node));
  if (!updated) return updated.error();
  if (changed(*updated) == 0) return lease_lost(job_id, worker_id);
  if (!event_json.empty())
    if (Status added = append_event(db, job_id, "node", event_json); !added) return added;
  return transaction.commit();
}

Status PostgresJobStore::release_job(const std::string& job_id, const std::string& worker_id) {
  const DeliveriesNotice notice([this] { deliveries_enqueued(); });
  auto conn = connect();
  if (!conn) return conn.error();
  PGconn* db = conn->get();
  Transaction transaction(db);
  if (!transaction.began()) return transaction.began();
  auto updated = run(db, "releasing " + job_id,
                     "UPDATE jobs SET state = 'queued', lease_owner = '', lease_expires_ms = 0, "
                     "attempts = GREATEST(attempts - 1, 0), progress = 0, current_node = '' "
                     "WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
                     Params().text(job_id).text(worker_id));
  if (!updated) return updated.error();
  if (changed(*updated) == 0) return lease_lost(job_id, worker_id);
  if (Status added = append_event(db, job_id, "state",
                                  state_event(JobState::Queued, ",\"reason\":\"released\""));
      !added)
    return added;
  return transaction.commit();
}

Status PostgresJobStore::finish_job(const std::string& job_id, const std::string& worker_id,
                                    const JobOutcome& outcome) {
  if (!is_terminal(outcome.state))
    return make_error(job_id + ": a job finishes succeeded, failed or cancelled, not " +
                      to_string(outcome.state));
  const DeliveriesNotice notice([this] { deliveries_enqueued(); });
  auto conn = connect();
  if (!conn) return conn.error();
  PGconn* db = conn->get();
  Transaction transaction(db);
  if (!transaction.began()) return transaction.began();
  // The row lock this UPDATE takes waits for a worker leasing the job at this moment; the
  // lease_owner test then sees that worker's lease and changes nothing.
  auto updated = run(db, "finishing " + job_id,
                     "UPDATE jobs SET state = $3, error_code = $4, error_message = $5, "
                     "finished_ms = $6, progress = CASE WHEN $3 = 'succeeded' THEN 100 ELSE "
                     "progress END, lease_owner = '', lease_expires_ms = 0 WHERE id = $1 AND "
                     "lease_owner = $2 AND state = 'running'",
                     Params()
                         .text(job_id)
                         .text(worker_id)
                         .text(to_string(outcome.state))
                         .text(outcome.error_code)
                         .text(outcome.error_message)
                         .integer(now_ms()));
  if (!updated) return updated.error();
  if (changed(*updated) == 0)
    return make_error(job_id + ": the lease of " + worker_id +
                      " was lost; another worker owns the job now");
  for (const UsageEntry& entry : outcome.usage)
    if (Result<bool> recorded = insert_usage(db, entry); !recorded) return recorded.error();
  std::string extra;
  if (!outcome.error_code.empty())
    extra = ",\"error\":{\"code\":" + json_string(outcome.error_code) +
            ",\"message\":" + json_string(outcome.error_message) + "}";
  if (Status added = append_event(db, job_id, "state", state_event(outcome.state, extra)); !added)
    return added;
  return transaction.commit();
}

Result<std::vector<JobEvent>> PostgresJobStore::events_after(const std::string& job_id,
                                                             std::int64_t after_seq, int limit) {
  auto conn = connect();
  if (!conn) return conn.error();
  auto found = run(conn->get(), "reading the events of " + job_id,
                   "SELECT seq, type, data, time_ms FROM job_events WHERE job_id = $1 AND "
                   "seq > $2 ORDER BY seq LIMIT $3",
                   Params().text(job_id).integer(after_seq).integer(limit));
  if (!found) return found.error();
  std::vector<JobEvent> events;
  for (int i = 0; i < PQntuples(found->get()); ++i) {
    const Row row(*found, i);
    events.push_back({row.integer(0), row.text(1), row.text(2), row.integer(3)});
  }
  return events;
}

Result<bool> PostgresJobStore::record_usage(const UsageEntry& entry) {
  auto conn = connect();
  if (!conn) return conn.error();
  return insert_usage(conn->get(), entry);
}

Status PostgresJobStore::record_usage_batch(const std::vector<UsageEntry>& entries) {
  auto conn = connect();
  if (!conn) return conn.error();
  PGconn* db = conn->get();
  Transaction transaction(db);
  if (!transaction.began()) return transaction.began();
  for (const UsageEntry& entry : entries)
    if (Result<bool> recorded = insert_usage(db, entry); !recorded) return recorded.error();
  return transaction.commit();
}

Result<std::vector<UsageEntry>> PostgresJobStore::usage(const std::string& tenant_id,
                                                        std::int64_t from_ms, std::int64_t to_ms) {
  auto conn = connect();
  if (!conn) return conn.error();
  const std::string sql = std::string("SELECT ") + kUsageColumns +
                          " FROM usage_ledger WHERE tenant_id = $1 AND time_ms >= $2 AND "
                          "time_ms < $3 ORDER BY time_ms, id";
  auto found = run(conn->get(), "reading usage", sql.c_str(),
                   Params().text(tenant_id).integer(from_ms).integer(to_ms));
  if (!found) return found.error();
  std::vector<UsageEntry> entries;
  for (int i = 0; i < PQntuples(found->get()); ++i) entries.push_back(read_usage(Row(*found, i)));
  return entries;
}

Result<std::vector<UsageEntry>> PostgresJobStore::job_usage(const std::string& job_id) {
  auto conn = connect();
  if (!conn) return conn.error();
  const std::string sql =
      std::string("SELECT ") + kUsageColumns + " FROM usage_ledger WHERE job_id = $1 ORDER BY id";
  auto found =
      run(conn->get(), "reading the usage of " + job_id, sql.c_str(), Params().text(job_id));
  if (!found) return found.error();
  std::vector<UsageEntry> entries;
  for (int i = 0; i < PQntuples(found->get()); ++i) entries.push_back(read_usage(Row(*found, i)));
  return entries;
}

Result<std::string> PostgresJobStore::webhook_secret(const std::string& tenant_id) {
  auto conn = connect();
  if (!conn) return conn.error();
  auto found = run(conn->get(), "reading a webhook secret",
                   "SELECT webhook_secret FROM tenants WHERE id = $1", Params().text(tenant_id));
  if (!found) return found.error();
  if (PQntuples(found->get()) == 0) return std::string();
  return Row(*found, 0).text(0);
}

Result<std::vector<LeasedDelivery>> PostgresJobStore::lease_deliveries(const std::string& owner,
                                                                       std::int64_t lease_ms,
                                                                       int limit) {
  auto conn = connect();
  if (!conn) return conn.error();
  // SKIP LOCKED, as for jobs: dispatchers in several processes take different
  // deliveries without waiting for each other. Due times and leases follow the
  // database's clock.
  const std::string sql =
      std::string(
          "WITH leased AS (UPDATE webhook_deliveries SET lease_owner = $1, lease_expires_ms "
          "= " ATLAS_DB_NOW
          " + $2::BIGINT WHERE id IN (SELECT d.id FROM webhook_deliveries d WHERE d.state = "
          "'pending' AND d.next_attempt_ms <= " ATLAS_DB_NOW
          " AND d.lease_expires_ms < " ATLAS_DB_NOW
          " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.job_id = d.job_id AND "
          "e.state = 'pending' AND e.event_seq < d.event_seq) ORDER BY d.next_attempt_ms, "
          "d.created_ms LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING ") +
      kDeliveryColumns + ") SELECT " + kDeliveryColumns +
      ", (SELECT webhook_secret FROM tenants t WHERE t.id = leased.tenant_id) FROM leased "
      "ORDER BY next_attempt_ms, created_ms";
  auto found = run(conn->get(), "leasing webhooks to deliver", sql.c_str(),
                   Params().text(owner).integer(lease_ms).integer(limit));
  if (!found) return found.error();
  std::vector<LeasedDelivery> leased;
  for (int i = 0; i < PQntuples(found->get()); ++i) {
    const Row row(*found, i);
    leased.push_back({read_delivery(row), row.text(11)});
  }
  return leased;
}

Status PostgresJobStore::record_delivery(const std::string& delivery_id, const std::string& owner,
                                         const DeliveryResult& result) {
  auto conn = connect();
  if (!conn) return conn.error();
  PGconn* db = conn->get();
  Transaction transaction(db);
  if (!transaction.began()) return transaction.began();
  const DeliveryState state = result.delivered             ? DeliveryState::Delivered
                              : result.retry_after_ms >= 0 ? DeliveryState::Pending
                                                           : DeliveryState::Failed;
  const std::int64_t now = now_ms();
  auto updated =
      run(db, "recording webhook " + delivery_id,
          "UPDATE webhook_deliveries SET attempts = attempts + 1, state = $3, next_attempt_ms = "
          "" ATLAS_DB_NOW
          " + $4::BIGINT, delivered_ms = $5, lease_owner = '', lease_expires_ms = "
          "0 WHERE id = $1 AND lease_owner = $2 AND state = 'pending' RETURNING attempts",
          Params()
              .text(delivery_id)
              .text(owner)
              .text(to_string(state))
              .integer(std::max<std::int64_t>(0, result.retry_after_ms))
              .integer(result.delivered ? now : 0));
  if (!updated) return updated.error();
  if (PQntuples(updated->get()) == 0)
    return make_error(delivery_id + ": the lease of " + owner + " was lost");
  if (auto logged = run(db, "logging an attempt of webhook " + delivery_id,
                        "INSERT INTO webhook_attempts (delivery_id, attempt, time_ms, http_status, "
                        "error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                        Params()
                            .text(delivery_id)
                            .integer(Row(*updated, 0).integer(0))
                            .integer(result.attempt.time_ms ? result.attempt.time_ms : now)
                            .integer(result.attempt.http_status)
                            .text(truncated_error(result.attempt.error))
                            .integer(result.attempt.duration_ms));
      !logged)
    return logged.error();
  return transaction.commit();
}

Result<std::vector<WebhookDelivery>> PostgresJobStore::list_deliveries(const std::string& tenant_id,
                                                                       const std::string& job_id) {
  auto conn = connect();
  if (!conn) return conn.error();
  const std::string sql = std::string("SELECT ") + kDeliveryColumns +
                          " FROM webhook_deliveries WHERE tenant_id = $1 AND job_id = $2 "
                          "ORDER BY event_seq";
  auto found = run(conn->get(), "listing the webhooks of " + job_id, sql.c_str(),
                   Params().text(tenant_id).text(job_id));
  if (!found) return found.error();
  std::vector<WebhookDelivery> deliveries;
  for (int i = 0; i < PQntuples(found->get()); ++i)
    deliveries.push_back(read_delivery(Row(*found, i)));
  if (deliveries.empty()) return deliveries;
  auto attempts = run(conn->get(), "reading the webhook attempts of " + job_id,
                      "SELECT a.delivery_id, a.attempt, a.time_ms, a.http_status, a.error, "
                      "a.duration_ms FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = "
                      "a.delivery_id WHERE d.tenant_id = $1 AND d.job_id = $2 ORDER BY "
                      "a.delivery_id, a.attempt",
                      Params().text(tenant_id).text(job_id));
  if (!attempts) return attempts.error();
  for (int i = 0; i < PQntuples(attempts->get()); ++i) {
    const Row row(*attempts, i);
    const std::string id = row.text(0);
    // The row without its first column, as read_delivery_attempt reads it.
    struct Shifted {
      const Row& row;
      std::string text(int column) const { return row.text(column + 1); }
      std::int64_t integer(int column) const { return row.integer(column + 1); }
    };
    for (WebhookDelivery& delivery : deliveries)
      if (delivery.id == id) delivery.log.push_back(read_delivery_attempt(Shifted{row}));
  }
  return deliveries;
}

}  // namespace atlas::service
