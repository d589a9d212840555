#include "service/sqlite_job_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <unordered_map>
#include <utility>

#include "service/ids.h"
#include "service/store_rows.h"

namespace atlas::service {

using namespace store_rows;

namespace fs = std::filesystem;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* to_string(JobState state) {
  switch (state) {
    case JobState::Queued:
      return "queued";
    case JobState::Running:
      return "running";
    case JobState::Succeeded:
      return "succeeded";
    case JobState::Failed:
      return "failed";
    case JobState::Cancelled:
      return "cancelled";
  }
  return "queued";
}

std::optional<JobState> parse_job_state(const std::string& text) {
  for (JobState state : {JobState::Queued, JobState::Running, JobState::Succeeded, JobState::Failed,
                         JobState::Cancelled})
    if (text == to_string(state)) return state;
  return std::nullopt;
}

bool is_terminal(JobState state) {
  return state == JobState::Succeeded || state == JobState::Failed || state == JobState::Cancelled;
}

const char* to_string(UsageKind kind) {
  switch (kind) {
    case UsageKind::ApiCall:
      return "api_call";
    case UsageKind::Generation:
      return "generation";
    case UsageKind::Asset:
      return "asset";
    case UsageKind::ComputeSeconds:
      return "compute_seconds";
  }
  return "api_call";
}

// The connection's prepared statements by SQL text, kept for its life: preparing costs
// more than running the small queries the API makes. Used under the store's mutex.
class StatementCache {
 public:
  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  explicit StatementCache(sqlite3* connection) : db(connection) {}
  ~StatementCache() {
    for (auto& [sql, entry] : entries_) sqlite3_finalize(entry.stmt);
  }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // The cached statement, marked in use; null when it is in use already or cannot be
  // prepared (the caller then prepares its own, which reports the error).
  Entry* take(const std::string& sql) {
    auto found = entries_.find(sql);
    if (found == entries_.end()) {
      Entry entry;
      if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &entry.stmt,
                             nullptr) != SQLITE_OK) {
        sqlite3_finalize(entry.stmt);
        return nullptr;
      }
      found = entries_.emplace(sql, entry).first;
    }
    if (found->second.in_use) return nullptr;
    found->second.in_use = true;
    return &found->second;
  }

  sqlite3* const db;

 private:
  std::unordered_map<std::string, Entry> entries_;
};

// Read-only connections for the reads the API makes on every request. In WAL mode a
// reader sees the last commit without waiting for the writer, so a write's fsync
// (synchronous = FULL: milliseconds) never stalls a GET. One connection per concurrent
// reader, opened on first need and kept; each has its own prepared statements.
class ReaderPool {
 public:
  explicit ReaderPool(fs::path file) : file_(std::move(file)) {}
  ~ReaderPool() {
    for (Reader& reader : readers_) {
      reader.statements.reset();  // finalized before the connection closes
      sqlite3_close(reader.db);
    }
  }
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  struct Reader {
    sqlite3* db = nullptr;
    std::unique_ptr<StatementCache> statements;
    bool in_use = false;
  };

  // A connection for one read, given back when it goes out of scope.
  class Lease {
   public:
    Lease(ReaderPool& pool, Reader& reader) : pool_(&pool), reader_(&reader) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), reader_(other.reader_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_) pool_->give_back(*reader_);
    }
    StatementCache& statements() const { return *reader_->statements; }
    sqlite3* db() const { return reader_->db; }

   private:
    ReaderPool* pool_;
    Reader* reader_;
  };

  Result<Lease> take() {
    const std::lock_guard lock(mutex_);
    for (Reader& reader : readers_)
      if (!reader.in_use) {
        reader.in_use = true;
        return Lease(*this, reader);
      }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file_.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      std::string message = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      return make_error(file_.string() + ": cannot open a read connection: " + message);
    }
    // A checkpoint or a crashed writer's recovery can hold readers off briefly.
    sqlite3_busy_timeout(db, 5000);
    Reader& reader = readers_.emplace_back();
    reader.db = db;
    reader.statements = std::make_unique<StatementCache>(db);
    reader.in_use = true;
    return Lease(*this, reader);
  }

 private:
  void give_back(Reader& reader) {
    const std::lock_guard lock(mutex_);
    reader.in_use = false;
  }

  const fs::path file_;
  std::mutex mutex_;
  std::deque<Reader> readers_;  // a deque: leases point into it while it grows
};

namespace {

// One use of a prepared statement: taken from the connection's cache (or prepared for
// this use when the cached one is in use by an enclosing statement) and reset for the
// next use when it goes out of scope.
class Statement {
 public:
  Statement(StatementCache& cache, const std::string& sql) : entry_(cache.take(sql)) {
    stmt_ = entry_ ? entry_->stmt : nullptr;
    if (!entry_ && sqlite3_prepare_v2(cache.db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt_);
      stmt_ = nullptr;
    }
  }
  ~Statement() {
    if (!entry_) {
      sqlite3_finalize(stmt_);
      return;
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    entry_->in_use = false;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepared() const { return stmt_ != nullptr; }
  Statement& bind(int index, const std::string& text) {
    if (stmt_) sqlite3_bind_text(stmt_, index, text.data(), int(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    if (stmt_) sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& bind(int index, double value) {
    if (stmt_) sqlite3_bind_double(stmt_, index, value);
    return *this;
  }
  Statement& bind_null(int index) {
    if (stmt_) sqlite3_bind_null(stmt_, index);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_ERROR; }
  std::string text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    return data ? std::string(reinterpret_cast<const char*>(data),
                              std::size_t(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const { return sqlite3_column_double(stmt_, column); }
  bool flag(int column) const { return integer(column) != 0; }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  StatementCache::Entry* entry_;
  sqlite3_stmt* stmt_ = nullptr;
};

Error db_error(sqlite3* db, const fs::path& file, const std::string& what) {
  return make_error(file.string() + ": " + what + ": " + sqlite3_errmsg(db));
}

Status exec(sqlite3* db, const fs::path& file, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return make_error(file.string() + ": " + text);
  }
  return Ok{};
}

// BEGIN IMMEDIATE .. COMMIT; rolled back unless commit() succeeded.
class Transaction {
 public:
  Transaction(sqlite3* db, const fs::path& file) : db_(db), file_(file) {
    began_ = exec(db, file, "BEGIN IMMEDIATE");
  }
  ~Transaction() {
    if (began_ && !committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  const Status& began() const { return began_; }
  Status commit() {
    Status done = exec(db_, file_, "COMMIT");
    committed_ = done.ok();
    return done;
  }

 private:
  sqlite3* db_;
  const fs::path& file_;
  Status began_ = Ok{};
  bool committed_ = false;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE tenants (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
  key_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, created_ms INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE assets (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, filename TEXT NOT NULL,
  size INTEGER NOT NULL, sha256 TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
  state TEXT NOT NULL, pipeline TEXT NOT NULL, inputs TEXT NOT NULL,
  webhook_url TEXT NOT NULL, idempotency_key TEXT, progress INTEGER NOT NULL DEFAULT 0,
  current_node TEXT NOT NULL DEFAULT '', error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL,
  started_ms INTEGER NOT NULL DEFAULT 0, finished_ms INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT NOT NULL DEFAULT '',
  lease_expires_ms INTEGER NOT NULL DEFAULT 0, cancel_requested INTEGER NOT NULL DEFAULT 0,
  event_seq INTEGER NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, idempotency_key));
CREATE INDEX jobs_by_state ON jobs (state, seq);
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, seq);
CREATE TABLE job_events (
  job_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
  time_ms INTEGER NOT NULL, PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
CREATE TABLE usage_ledger (
  id INTEGER PRIMARY KEY, entry_key TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL, kind TEXT NOT NULL, provider TEXT NOT NULL, detail TEXT NOT NULL,
  quantity REAL NOT NULL, cost REAL NOT NULL, currency TEXT NOT NULL,
  billed_by TEXT NOT NULL, time_ms INTEGER NOT NULL);
CREATE INDEX usage_by_tenant ON usage_ledger (tenant_id, time_ms);
CREATE INDEX usage_by_job ON usage_ledger (job_id);
CREATE TRIGGER usage_ledger_no_update BEFORE UPDATE ON usage_ledger
  BEGIN SELECT RAISE(ABORT, 'the usage ledger is append-only'); END;
CREATE TRIGGER usage_ledger_no_delete BEFORE DELETE ON usage_ledger
  BEGIN SELECT RAISE(ABORT, 'the usage ledger is append-only'); END;
PRAGMA user_version = 1;
)sql";

// Version 2: per-key job quotas, the jobs' keys, tenants' credit limits, and an index for
// counting provider calls at every metrics scrape.
constexpr const char* kQuotaSchema = R"sql(
ALTER TABLE api_keys ADD COLUMN concurrent_jobs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN jobs_per_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN credit_limit REAL;
ALTER TABLE jobs ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
CREATE INDEX jobs_by_key_state ON jobs (key_id, state);
CREATE INDEX jobs_by_key_time ON jobs (key_id, created_ms);
CREATE INDEX usage_by_kind ON usage_ledger (kind, provider, billed_by, currency, cost);
)sql";

// Version 3: the jobs' parameter overrides.
constexpr const char* kOverridesSchema =
    "ALTER TABLE jobs ADD COLUMN overrides TEXT NOT NULL DEFAULT '{}'";

}  // namespace

// The helpers below run inside a transaction the caller holds.
namespace {

Result<std::optional<Job>> select_job(StatementCache& db, const fs::path& file,
                                      const std::string& where, const std::string& a,
                                      const std::string& b = {}) {
  const std::string sql = std::string("SELECT ") + kJobColumns + " FROM jobs WHERE " + where;
  Statement query(db, sql);
  if (!query.prepared()) return db_error(db.db, file, "reading a job");
  query.bind(1, a);
  if (!b.empty()) query.bind(2, b);
  const int rc = query.step();
  if (rc == SQLITE_DONE) return std::optional<Job>();
  if (rc != SQLITE_ROW) return db_error(db.db, file, "reading a job");
  return std::optional<Job>(read_job(query));
}

// Numbers and records the job's next event. A state event of a job with a webhook_url
// also enqueues its delivery, in the same transaction (the caller's).
Status append_event(StatementCache& db, const fs::path& file, const std::string& job_id,
                    const std::string& type, const std::string& data_json) {
  Statement next(db,
                 "UPDATE jobs SET event_seq = event_seq + 1 WHERE id = ? "
                 "RETURNING event_seq, webhook_url, tenant_id");
  next.bind(1, job_id);
  if (next.step() != SQLITE_ROW) return db_error(db.db, file, "numbering an event of " + job_id);
  const std::int64_t seq = next.integer(0);
  const std::string url = next.text(1), tenant_id = next.text(2);
  while (next.step() == SQLITE_ROW) {
  }
  const std::int64_t now = now_ms();
  Statement insert(db,
                   "INSERT INTO job_events (job_id, seq, type, data, time_ms) "
                   "VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, job_id).bind(2, seq).bind(3, type).bind(4, data_json).bind(5, now);
  if (insert.step() != SQLITE_DONE) return db_error(db.db, file, "recording an event of " + job_id);
  const std::optional<JobState> state = type == "state" ? state_of_event(data_json) : std::nullopt;
  if (url.empty() || !state) return Ok{};
  const std::string id = random_id("whd_");
  Statement enqueue(db,
                    "INSERT INTO webhook_deliveries (id, job_id, tenant_id, event_seq, url, "
                    "payload, next_attempt_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  enqueue.bind(1, id)
      .bind(2, job_id)
      .bind(3, tenant_id)
      .bind(4, seq)
      .bind(5, url)
      .bind(6, webhook_payload(id, job_id, *state, seq, data_json, now))
      .bind(7, now)
      .bind(8, now);
  if (enqueue.step() != SQLITE_DONE)
    return db_error(db.db, file, "enqueuing a webhook of " + job_id);
  DeliveriesNotice::mark();
  return Ok{};
}

// `limited_only`: spent is summed only when the tenant has a limit (0 otherwise).
Result<Balance> select_balance(StatementCache& db, const fs::path& file,
                               const std::string& tenant_id, bool limited_only) {
  Statement query(db, std::string(limited_only ? kLimitedBalanceQuery : kBalanceQuery) + "?");
  query.bind(1, tenant_id);
  const int rc = query.step();
  Balance balance;
  if (rc == SQLITE_DONE) return balance;  // no such tenant: nothing spent, no limit
  if (rc != SQLITE_ROW) return db_error(db.db, file, "reading the balance of " + tenant_id);
  if (!query.is_null(0)) balance.credit_limit = query.real(0);
  balance.spent = query.real(1);
  return balance;
}

// Jobs of `key_id` matching `where` ("state IN (...)", "created_ms >= ?" with `since`).
Result<std::int64_t> count_key_jobs(StatementCache& db, const fs::path& file,
                                    const std::string& key_id, const char* where,
                                    std::int64_t since = 0) {
  Statement query(db, std::string("SELECT COUNT(*) FROM jobs WHERE key_id = ? AND ") + where);
  query.bind(1, key_id);
  if (since) query.bind(2, since);
  if (query.step() != SQLITE_ROW) return db_error(db.db, file, "counting the jobs of " + key_id);
  return query.integer(0);
}

Result<bool> insert_usage(StatementCache& db, const fs::path& file, const UsageEntry& entry) {
  Statement insert(db,
                   "INSERT INTO usage_ledger (entry_key, tenant_id, job_id, kind, provider, "
                   "detail, quantity, cost, currency, billed_by, time_ms) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_key) DO NOTHING");
  insert.bind(1, entry.entry_key)
      .bind(2, entry.tenant_id)
      .bind(3, entry.job_id)
      .bind(4, std::string(to_string(entry.kind)))
      .bind(5, entry.provider)
      .bind(6, entry.detail)
      .bind(7, entry.quantity)
      .bind(8, entry.cost)
      .bind(9, entry.currency)
      .bind(10, entry.billed_by)
      .bind(11, entry.time_ms ? entry.time_ms : now_ms());
  if (insert.step() != SQLITE_DONE)
    return db_error(db.db, file, "recording usage " + entry.entry_key);
  return sqlite3_changes(db.db) > 0;
}

}  // namespace

SqliteJobStore::SqliteJobStore(sqlite3* db, fs::path file)
    : db_(db),
      file_(std::move(file)),
      statements_(std::make_unique<StatementCache>(db)),
      readers_(std::make_unique<ReaderPool>(file_)) {}

SqliteJobStore::~SqliteJobStore() {
  readers_.reset();
  statements_.reset();  // finalized before the connection closes
  sqlite3_close(db_);
}

Result<std::unique_ptr<SqliteJobStore>> SqliteJobStore::open(const fs::path& file) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(file.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error(file.string() + ": cannot open the database: " + message);
  }
  std::unique_ptr<SqliteJobStore> store(new SqliteJobStore(db, file));
  // Another process (atlas keys, a restarted server) may hold the write lock briefly.
  sqlite3_busy_timeout(db, 5000);
  // WAL: readers never block the writer; synchronous=FULL: a committed state change
  // survives a power cut, not only a crash of the process.
  for (const char* pragma :
       {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"})
    if (Status done = exec(db, file, pragma); !done) return done.error();
  if (Status migrated = store->migrate(); !migrated) return migrated.error();
  return store;
}

Status SqliteJobStore::migrate() {
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began();
  Statement version(*statements_, "PRAGMA user_version");
  if (version.step() != SQLITE_ROW) return db_error(db_, file_, "reading the schema version");
  const std::int64_t found = version.integer(0);
  if (found > kSchemaVersion)
    return make_error(file_.string() + ": the database has schema version " +
                      std::to_string(found) + ", newer than this program's (" +
                      std::to_string(kSchemaVersion) + "); use a newer atlas");
  if (found == 0)
    if (Status created = exec(db_, file_, kSchema); !created) return created;
  if (found < 2) {
    // Version 2: quotas, credit limits and webhooks. Tenants made before it get their
    // webhook signing secret now.
    if (Status added = exec(db_, file_, kQuotaSchema); !added) return added;
    if (Status added = exec(db_, file_,
                            "ALTER TABLE tenants ADD COLUMN webhook_secret TEXT NOT NULL "
                            "DEFAULT ''");
        !added)
      return added;
    if (Status added = exec(db_, file_, kWebhookTables); !added) return added;
    std::vector<std::string> tenants;
    {
      Statement query(*statements_, "SELECT id FROM tenants WHERE webhook_secret = ''");
      while (query.step() == SQLITE_ROW) tenants.push_back(query.text(0));
    }
    for (const std::string& tenant : tenants) {
      Statement update(*statements_, "UPDATE tenants SET webhook_secret = ? WHERE id = ?");
      update.bind(1, new_webhook_secret()).bind(2, tenant);
      if (update.step() != SQLITE_DONE) return db_error(db_, file_, "making webhook secrets");
    }
  }
  if (found < 3) {
    if (Status added = exec(db_, file_, kOverridesSchema); !added) return added;
    if (Status bumped = exec(db_, file_, "PRAGMA user_version = 3"); !bumped) return bumped;
  }
  return transaction.commit();
}

Result<ApiKey> SqliteJobStore::create_key(const std::string& tenant_name,
                                          const std::string& key_hash, const std::string& prefix,
                                          const JobLimits& limits) {
  const std::lock_guard lock(mutex_);
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began().error();
  ApiKey key;
  key.tenant_name = tenant_name;
  key.prefix = prefix;
  key.created_ms = now_ms();
  key.limits = limits;
  Statement find(*statements_, "SELECT id FROM tenants WHERE name = ?");
  find.bind(1, tenant_name);
  const int rc = find.step();
  if (rc == SQLITE_ROW) {
    key.tenant_id = find.text(0);
  } else if (rc == SQLITE_DONE) {
    key.tenant_id = random_id("ten_");
    Statement insert(
        *statements_,
        "INSERT INTO tenants (id, name, created_ms, webhook_secret) VALUES (?, ?, ?, ?)");
    insert.bind(1, key.tenant_id)
        .bind(2, tenant_name)
        .bind(3, key.created_ms)
        .bind(4, new_webhook_secret());
    if (insert.step() != SQLITE_DONE)
      return db_error(db_, file_, "creating tenant '" + tenant_name + "'");
  } else {
    return db_error(db_, file_, "finding tenant '" + tenant_name + "'");
  }
  key.id = random_id("key_", 8);
  Statement insert(*statements_,
                   "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, created_ms, "
                   "concurrent_jobs, jobs_per_day) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, key.id)
      .bind(2, key.tenant_id)
      .bind(3, key_hash)
      .bind(4, prefix)
      .bind(5, key.created_ms)
      .bind(6, std::int64_t(limits.concurrent_jobs))
      .bind(7, std::int64_t(limits.jobs_per_day));
  if (insert.step() != SQLITE_DONE) return db_error(db_, file_, "storing the key");
  if (Status done = transaction.commit(); !done) return done.error();
  return key;
}

namespace {}  // namespace

Result<std::optional<ApiKey>> SqliteJobStore::find_key(const std::string& key_hash) {
  auto reader = readers_->take();
  if (!reader) return reader.error();
  const std::string sql =
      std::string("SELECT ") + kKeyColumns + " WHERE k.key_hash = ? AND k.revoked = 0";
  Statement query(reader->statements(), sql);
  query.bind(1, key_hash);
  const int rc = query.step();
  if (rc == SQLITE_DONE) return std::optional<ApiKey>();
  if (rc != SQLITE_ROW) return db_error(reader->db(), file_, "looking up a key");
  return std::optional<ApiKey>(read_key(query));
}

Result<std::vector<ApiKey>> SqliteJobStore::list_keys() {
  auto reader = readers_->take();
  if (!reader) return reader.error();
  const std::string sql = std::string("SELECT ") + kKeyColumns + " ORDER BY k.created_ms, k.id";
  Statement query(reader->statements(), sql);
  std::vector<ApiKey> keys;
  int rc;
  while ((rc = query.step()) == SQLITE_ROW) keys.push_back(read_key(query));
  if (rc != SQLITE_DONE) return db_error(reader->db(), file_, "listing keys");
  return keys;
}

Status SqliteJobStore::revoke_key(const std::string& key_id) {
  const std::lock_guard lock(mutex_);
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began();
  Statement update(*statements_, "UPDATE api_keys SET revoked = 1 WHERE id = ?");
  update.bind(1, key_id);
  if (update.step() != SQLITE_DONE) return db_error(db_, file_, "revoking " + key_id);
  if (sqlite3_changes(db_) == 0) return make_error("no API key has the id '" + key_id + "'");
  return transaction.commit();
}

Status SqliteJobStore::set_credit_limit(const std::string& tenant_name,
                                        std::optional<double> credit_limit) {
  const std::lock_guard lock(mutex_);
  Statement update(*statements_, "UPDATE tenants SET credit_limit = ? WHERE name = ?");
  if (credit_limit)
    update.bind(1, *credit_limit);
  else
    update.bind_null(1);
  update.bind(2, tenant_name);
  if (update.step() != SQLITE_DONE)
    return db_error(db_, file_, "setting the credit limit of " + tenant_name);
  if (sqlite3_changes(db_) == 0) return make_error("no tenant is named '" + tenant_name + "'");
  return Ok{};
}

Result<Balance> SqliteJobStore::balance(const std::string& tenant_id) {
  const std::lock_guard lock(mutex_);
  return select_balance(*statements_, file_, tenant_id, false);
}

Status SqliteJobStore::add_asset(const Asset& asset) {
  const std::lock_guard lock(mutex_);
  Statement insert(*statements_,
                   "INSERT INTO assets (id, tenant_id, filename, size, sha256, created_ms) "
                   "VALUES (?, ?, ?, ?, ?, ?)");
  insert.bind(1, asset.id)
      .bind(2, asset.tenant_id)
      .bind(3, asset.filename)
      .bind(4, std::int64_t(asset.size))
      .bind(5, asset.sha256)
      .bind(6, asset.created_ms);
  if (insert.step() != SQLITE_DONE) return db_error(db_, file_, "recording asset " + asset.id);
  return Ok{};
}

Result<std::optional<Asset>> SqliteJobStore::find_asset(const std::string& tenant_id,
                                                        const std::string& asset_id) {
  auto reader = readers_->take();
  if (!reader) return reader.error();
  Statement query(reader->statements(),
                  "SELECT id, tenant_id, filename, size, sha256, created_ms FROM assets "
                  "WHERE id = ? AND tenant_id = ?");
  query.bind(1, asset_id).bind(2, tenant_id);
  const int rc = query.step();
  if (rc == SQLITE_DONE) return std::optional<Asset>();
  if (rc != SQLITE_ROW) return db_error(reader->db(), file_, "reading asset " + asset_id);
  return std::optional<Asset>(read_asset(query));
}

Result<CreatedJob> SqliteJobStore::create_job(const NewJob& job) {
  const std::lock_guard lock(mutex_);
  const DeliveriesNotice notice([this] { deliveries_enqueued(); });
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began().error();
  if (!job.idempotency_key.empty()) {
    auto existing = select_job(*statements_, file_, "tenant_id = ? AND idempotency_key = ?",
                               job.tenant_id, job.idempotency_key);
    if (!existing) return existing.error();
    if (*existing) return CreatedJob{std::move(**existing), false};
  }
  // The limits are counted inside this write transaction: SQLite runs one writer at a
  // time, so no other submission can slip in between the count and the insert.
  const std::int64_t now = now_ms();
  auto balance = select_balance(*statements_, file_, job.tenant_id, true);
  if (!balance) return balance.error();
  if (CreatedJob refusal = check_balance(*balance); refusal.refused != JobRefusal::None)
    return refusal;
  if (!job.key_id.empty() && (job.limits.concurrent_jobs > 0 || job.limits.jobs_per_day > 0)) {
    auto active = count_key_jobs(*statements_, file_, job.key_id, "state IN ('queued', 'running')");
    if (!active) return active.error();
    auto today =
        count_key_jobs(*statements_, file_, job.key_id, "created_ms >= ?", utc_day_start_ms(now));
    if (!today) return today.error();
    if (CreatedJob refusal = check_job_limits(job.limits, *active, *today);
        refusal.refused != JobRefusal::None)
      return refusal;
  }
  const std::string id = random_id("job_");
  Statement insert(
      *statements_,
      "INSERT INTO jobs (id, tenant_id, state, pipeline, inputs, webhook_url, "
      "idempotency_key, created_ms, key_id, overrides) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, "
      "?)");
  insert.bind(1, id)
      .bind(2, job.tenant_id)
      .bind(3, job.pipeline)
      .bind(4, join_lines(job.inputs))
      .bind(5, job.webhook_url);
  if (job.idempotency_key.empty())
    insert.bind_null(6);
  else
    insert.bind(6, job.idempotency_key);
  insert.bind(7, now).bind(8, job.key_id).bind(9, job.overrides);
  if (insert.step() != SQLITE_DONE) return db_error(db_, file_, "queuing a job");
  if (Status added = append_event(*statements_, file_, id, "state", state_event(JobState::Queued));
      !added)
    return added.error();
  auto created = select_job(*statements_, file_, "id = ?", id);
  if (!created) return created.error();
  if (Status done = transaction.commit(); !done) return done.error();
  return CreatedJob{std::move(**created), true};
}

Result<std::optional<Job>> SqliteJobStore::find_job(const std::string& tenant_id,
                                                    const std::string& job_id) {
  auto reader = readers_->take();
  if (!reader) return reader.error();
  if (tenant_id.empty()) return select_job(reader->statements(), file_, "id = ?", job_id);
  return select_job(reader->statements(), file_, "id = ? AND tenant_id = ?", job_id, tenant_id);
}

Result<JobPage> SqliteJobStore::list_jobs(const std::string& tenant_id,
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
  auto reader = readers_->take();
  if (!reader) return reader.error();
  std::string sql = std::string("SELECT ") + kJobColumns +
                    " FROM jobs WHERE tenant_id = ? AND seq < ?" + (state ? " AND state = ?" : "") +
                    " ORDER BY seq DESC LIMIT ?";
  Statement query(reader->statements(), sql);
  query.bind(1, tenant_id).bind(2, before);
  int next = 3;
  if (state) query.bind(next++, std::string(to_string(*state)));
  query.bind(next, std::int64_t(limit) + 1);
  JobPage page;
  int rc;
  while ((rc = query.step()) == SQLITE_ROW) page.jobs.push_back(read_job(query));
  if (rc != SQLITE_DONE) return db_error(reader->db(), file_, "listing jobs");
  if (int(page.jobs.size()) > limit) {
    page.jobs.pop_back();
    page.next_cursor = std::to_string(page.jobs.back().seq);
  }
  return page;
}

Result<std::optional<Job>> SqliteJobStore::cancel_job(const std::string& tenant_id,
                                                      const std::string& job_id) {
  const std::lock_guard lock(mutex_);
  const DeliveriesNotice notice([this] { deliveries_enqueued(); });
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began().error();
  auto job = select_job(*statements_, file_, "id = ? AND tenant_id = ?", job_id, tenant_id);
  if (!job || !*job) return job;
  if ((*job)->state == JobState::Queued) {
    Statement update(*statements_,
                     "UPDATE jobs SET state = 'cancelled', finished_ms = ?, error_code = "
                     "'cancelled', error_message = 'cancelled by the client' WHERE id = ?");
    update.bind(1, now_ms()).bind(2, job_id);
    if (update.step() != SQLITE_DONE) return db_error(db_, file_, "cancelling " + job_id);
    if (Status added =
            append_event(*statements_, file_, job_id, "state", state_event(JobState::Cancelled));
        !added)
      return added.error();
  } else if ((*job)->state == JobState::Running) {
    Statement update(*statements_, "UPDATE jobs SET cancel_requested = 1 WHERE id = ?");
    update.bind(1, job_id);
    if (update.step() != SQLITE_DONE) return db_error(db_, file_, "cancelling " + job_id);
  } else {
    return job;
  }
  auto after = select_job(*statements_, file_, "id = ?", job_id);
  if (!after) return after.error();
  if (Status done = transaction.commit(); !done) return done.error();
  return after;
}

Result<std::vector<std::pair<JobState, std::int64_t>>> SqliteJobStore::count_jobs() {
  auto reader = readers_->take();
  if (!reader) return reader.error();
  Statement query(reader->statements(), "SELECT state, COUNT(*) FROM jobs GROUP BY state");
  std::vector<std::pair<JobState, std::int64_t>> counts;
  for (JobState state : {JobState::Queued, JobState::Running, JobState::Succeeded, JobState::Failed,
                         JobState::Cancelled})
    counts.emplace_back(state, 0);
  int rc;
  while ((rc = query.step()) == SQLITE_ROW)
    if (auto state = parse_job_state(query.text(0)))
      counts[std::size_t(*state)].second = query.integer(1);
  if (rc != SQLITE_DONE) return db_error(reader->db(), file_, "counting jobs");
  return counts;
}

Result<std::vector<ProviderCalls>> SqliteJobStore::provider_calls() {
  const std::lock_guard lock(mutex_);
  Statement query(*statements_, kProviderCallsQuery);
  std::vector<ProviderCalls> calls;
  int rc;
  while ((rc = query.step()) == SQLITE_ROW) calls.push_back(read_provider_calls(query));
  if (rc != SQLITE_DONE) return db_error(db_, file_, "counting provider calls");
  return calls;
}

Result<std::optional<Job>> SqliteJobStore::lease_next_job(const std::string& worker_id,
                                                          std::int64_t lease_ms, int max_attempts) {
  const std::lock_guard lock(mutex_);
  const DeliveriesNotice notice([this] { deliveries_enqueued(); });
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began().error();
  const std::int64_t now = now_ms();
  for (;;) {
    const std::string sql = std::string("SELECT ") + kJobColumns +
                            " FROM jobs WHERE state = 'queued' OR (state = 'running' AND "
                            "lease_expires_ms < ?) ORDER BY seq LIMIT 1";
    Statement query(*statements_, sql);
    query.bind(1, now);
    const int rc = query.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return db_error(db_, file_, "finding a job to run");
    const Job job = read_job(query);
    // A job whose holder died while a client asked to cancel it ends cancelled; one that
    // used up its attempts ends failed: neither runs again.
    if (job.cancel_requested || job.attempts >= max_attempts) {
      const JobState end = job.cancel_requested ? JobState::Cancelled : JobState::Failed;
      const std::string code = job.cancel_requested ? "cancelled" : "too_many_attempts";
      const std::string message = job.cancel_requested
                                      ? "cancelled by the client"
                                      : "the job's worker stopped without finishing it " +
                                            std::to_string(job.attempts) + " times";
      Statement update(*statements_,
                       "UPDATE jobs SET state = ?, error_code = ?, error_message = ?, "
                       "finished_ms = ?, lease_owner = '' WHERE id = ?");
      update.bind(1, std::string(to_string(end)))
          .bind(2, code)
          .bind(3, message)
          .bind(4, now)
          .bind(5, job.id);
      if (update.step() != SQLITE_DONE) return db_error(db_, file_, "ending " + job.id);
      if (Status added = append_event(*statements_, file_, job.id, "state", state_event(end));
          !added)
        return added.error();
      continue;
    }
    Statement update(*statements_,
                     "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = "
                     "?, lease_expires_ms = ?, started_ms = ?, progress = 0, current_node = '' "
                     "WHERE id = ?");
    update.bind(1, worker_id).bind(2, now + lease_ms).bind(3, now).bind(4, job.id);
    if (update.step() != SQLITE_DONE) return db_error(db_, file_, "leasing " + job.id);
    if (Status added = append_event(
            *statements_, file_, job.id, "state",
            state_event(JobState::Running, ",\"attempt\":" + std::to_string(job.attempts + 1)));
        !added)
      return added.error();
    auto leased = select_job(*statements_, file_, "id = ?", job.id);
    if (!leased) return leased.error();
    if (Status done = transaction.commit(); !done) return done.error();
    return leased;
  }
  if (Status done = transaction.commit(); !done) return done.error();
  return std::optional<Job>();
}

Result<LeaseStatus> SqliteJobStore::renew_lease(const std::string& job_id,
                                                const std::string& worker_id,
                                                std::int64_t lease_ms) {
  const std::lock_guard lock(mutex_);
  Statement update(*statements_,
                   "UPDATE jobs SET lease_expires_ms = ? WHERE id = ? AND lease_owner = ? AND "
                   "state = 'running' RETURNING cancel_requested");
  update.bind(1, now_ms() + lease_ms).bind(2, job_id).bind(3, worker_id);
  const int rc = update.step();
  if (rc == SQLITE_DONE) return make_error(job_id + ": the lease of " + worker_id + " was lost");
  if (rc != SQLITE_ROW) return db_error(db_, file_, "renewing the lease of " + job_id);
  LeaseStatus status{update.integer(0) != 0};
  while (update.step() == SQLITE_ROW) {
  }
  return status;
}

Status SqliteJobStore::record_progress(const std::string& job_id, const std::string& worker_id,
                                       int progress, const std::string& current_node,
                                       const std::string& event_json) {
  const std::lock_guard lock(mutex_);
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began();
  Statement update(*statements_,
                   "UPDATE jobs SET progress = ?, current_node = ? WHERE id = ? AND "
                   "lease_owner = ? AND state = 'running'");
  update.bind(1, std::int64_t(progress)).bind(2, current_node).bind(3, job_id).bind(4, worker_id);
  if (update.step() != SQLITE_DONE) return db_error(db_, file_, "recording progress");
  if (sqlite3_changes(db_) == 0)
    return make_error(job_id + ": the lease of " + worker_id + " was lost");
  if (!event_json.empty())
    if (Status added = append_event(*statements_, file_, job_id, "node", event_json); !added)
      return added;
  return transaction.commit();
}

Status SqliteJobStore::release_job(const std::string& job_id, const std::string& worker_id) {
  const std::lock_guard lock(mutex_);
  const DeliveriesNotice notice([this] { deliveries_enqueued(); });
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began();
  Statement update(*statements_,
                   "UPDATE jobs SET state = 'queued', lease_owner = '', lease_expires_ms = 0, "
                   "attempts = MAX(attempts - 1, 0), progress = 0, current_node = '' WHERE id = ? "
                   "AND lease_owner = ? AND state = 'running'");
  update.bind(1, job_id).bind(2, worker_id);
  if (update.step() != SQLITE_DONE) return db_error(db_, file_, "releasing " + job_id);
  if (sqlite3_changes(db_) == 0)
    return make_error(job_id + ": the lease of " + worker_id + " was lost");
  if (Status added = append_event(*statements_, file_, job_id, "state",
                                  state_event(JobState::Queued, ",\"reason\":\"released\""));
      !added)
    return added;
  return transaction.commit();
}

Status SqliteJobStore::finish_job(const std::string& job_id, const std::string& worker_id,
                                  const JobOutcome& outcome) {
  if (!is_terminal(outcome.state))
    return make_error(job_id + ": a job finishes succeeded, failed or cancelled, not " +
                      to_string(outcome.state));
  const std::lock_guard lock(mutex_);
  const DeliveriesNotice notice([this] { deliveries_enqueued(); });
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began();
  Statement update(*statements_,
                   "UPDATE jobs SET state = ?, error_code = ?, error_message = ?, finished_ms = "
                   "?, progress = CASE WHEN ? = 'succeeded' THEN 100 ELSE progress END, "
                   "lease_owner = '', lease_expires_ms = 0 WHERE id = ? AND lease_owner = ? "
                   "AND state = 'running'");
  const std::string state = to_string(outcome.state);
  update.bind(1, state)
      .bind(2, outcome.error_code)
      .bind(3, outcome.error_message)
      .bind(4, now_ms())
      .bind(5, state)
      .bind(6, job_id)
      .bind(7, worker_id);
  if (update.step() != SQLITE_DONE) return db_error(db_, file_, "finishing " + job_id);
  if (sqlite3_changes(db_) == 0)
    return make_error(job_id + ": the lease of " + worker_id +
                      " was lost; another worker owns the job now");
  for (const UsageEntry& entry : outcome.usage)
    if (Result<bool> recorded = insert_usage(*statements_, file_, entry); !recorded)
      return recorded.error();
  std::string extra;
  if (!outcome.error_code.empty())
    extra = ",\"error\":{\"code\":" + json_string(outcome.error_code) +
            ",\"message\":" + json_string(outcome.error_message) + "}";
  if (Status added =
          append_event(*statements_, file_, job_id, "state", state_event(outcome.state, extra));
      !added)
    return added;
  return transaction.commit();
}

Result<std::vector<JobEvent>> SqliteJobStore::events_after(const std::string& job_id,
                                                           std::int64_t after_seq, int limit) {
  auto reader = readers_->take();
  if (!reader) return reader.error();
  Statement query(reader->statements(),
                  "SELECT seq, type, data, time_ms FROM job_events WHERE job_id = ? AND seq > ? "
                  "ORDER BY seq LIMIT ?");
  query.bind(1, job_id).bind(2, after_seq).bind(3, std::int64_t(limit));
  std::vector<JobEvent> events;
  int rc;
  while ((rc = query.step()) == SQLITE_ROW)
    events.push_back({query.integer(0), query.text(1), query.text(2), query.integer(3)});
  if (rc != SQLITE_DONE) return db_error(reader->db(), file_, "reading the events of " + job_id);
  return events;
}

Result<bool> SqliteJobStore::record_usage(const UsageEntry& entry) {
  const std::lock_guard lock(mutex_);
  return insert_usage(*statements_, file_, entry);
}

Status SqliteJobStore::record_usage_batch(const std::vector<UsageEntry>& entries) {
  const std::lock_guard lock(mutex_);
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began();
  for (const UsageEntry& entry : entries)
    if (Result<bool> recorded = insert_usage(*statements_, file_, entry); !recorded)
      return recorded.error();
  return transaction.commit();
}

Result<std::vector<UsageEntry>> SqliteJobStore::usage(const std::string& tenant_id,
                                                      std::int64_t from_ms, std::int64_t to_ms) {
  auto reader = readers_->take();
  if (!reader) return reader.error();
  const std::string sql = std::string("SELECT ") + kUsageColumns +
                          " FROM usage_ledger WHERE tenant_id = ? AND time_ms >= ? AND "
                          "time_ms < ? ORDER BY time_ms, id";
  Statement query(reader->statements(), sql);
  query.bind(1, tenant_id).bind(2, from_ms).bind(3, to_ms);
  std::vector<UsageEntry> entries;
  int rc;
  while ((rc = query.step()) == SQLITE_ROW) entries.push_back(read_usage(query));
  if (rc != SQLITE_DONE) return db_error(reader->db(), file_, "reading usage");
  return entries;
}

Result<std::vector<UsageEntry>> SqliteJobStore::job_usage(const std::string& job_id) {
  auto reader = readers_->take();
  if (!reader) return reader.error();
  const std::string sql =
      std::string("SELECT ") + kUsageColumns + " FROM usage_ledger WHERE job_id = ? ORDER BY id";
  Statement query(reader->statements(), sql);
  query.bind(1, job_id);
  std::vector<UsageEntry> entries;
  int rc;
  while ((rc = query.step()) == SQLITE_ROW) entries.push_back(read_usage(query));
  if (rc != SQLITE_DONE) return db_error(reader->db(), file_, "reading the usage of " + job_id);
  return entries;
}

Result<std::string> SqliteJobStore::webhook_secret(const std::string& tenant_id) {
  const std::lock_guard lock(mutex_);
  Statement query(*statements_, "SELECT webhook_secret FROM tenants WHERE id = ?");
  query.bind(1, tenant_id);
  const int rc = query.step();
  if (rc == SQLITE_DONE) return std::string();
  if (rc != SQLITE_ROW) return db_error(db_, file_, "reading a webhook secret");
  return query.text(0);
}

Result<std::vector<LeasedDelivery>> SqliteJobStore::lease_deliveries(const std::string& owner,
                                                                     std::int64_t lease_ms,
                                                                     int limit) {
  const std::lock_guard lock(mutex_);
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began().error();
  const std::int64_t now = now_ms();
  std::vector<LeasedDelivery> leased;
  {
    const std::string sql =
        std::string("SELECT ") + kDeliveryColumns +
        ", (SELECT webhook_secret FROM tenants t WHERE t.id = d.tenant_id) FROM "
        "webhook_deliveries d WHERE state = 'pending' AND next_attempt_ms <= ? AND "
        "lease_expires_ms < ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE "
        "e.job_id = d.job_id AND e.state = 'pending' AND e.event_seq < d.event_seq) "
        "ORDER BY next_attempt_ms, created_ms LIMIT ?";
    Statement query(*statements_, sql);
    query.bind(1, now).bind(2, now).bind(3, std::int64_t(limit));
    int rc;
    while ((rc = query.step()) == SQLITE_ROW)
      leased.push_back({read_delivery(query), query.text(11)});
    if (rc != SQLITE_DONE) return db_error(db_, file_, "finding webhooks to deliver");
  }
  for (const LeasedDelivery& delivery : leased) {
    Statement update(*statements_,
                     "UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_ms = ? "
                     "WHERE id = ?");
    update.bind(1, owner).bind(2, now + lease_ms).bind(3, delivery.delivery.id);
    if (update.step() != SQLITE_DONE)
      return db_error(db_, file_, "leasing webhook " + delivery.delivery.id);
  }
  if (Status done = transaction.commit(); !done) return done.error();
  return leased;
}

Status SqliteJobStore::record_delivery(const std::string& delivery_id, const std::string& owner,
                                       const DeliveryResult& result) {
  const std::lock_guard lock(mutex_);
  Transaction transaction(db_, file_);
  if (!transaction.began()) return transaction.began();
  const std::int64_t now = now_ms();
  const DeliveryState state = result.delivered             ? DeliveryState::Delivered
                              : result.retry_after_ms >= 0 ? DeliveryState::Pending
                                                           : DeliveryState::Failed;
  Statement update(*statements_,
                   "UPDATE webhook_deliveries SET attempts = attempts + 1, state = ?, "
                   "next_attempt_ms = ?, delivered_ms = ?, lease_owner = '', lease_expires_ms = 0 "
                   "WHERE id = ? AND lease_owner = ? AND state = 'pending' RETURNING attempts");
  update.bind(1, std::string(to_string(state)))
      .bind(2, now + std::max<std::int64_t>(0, result.retry_after_ms))
      .bind(3, result.delivered ? now : std::int64_t(0))
      .bind(4, delivery_id)
      .bind(5, owner);
  const int rc = update.step();
  if (rc == SQLITE_DONE) return make_error(delivery_id + ": the lease of " + owner + " was lost");
  if (rc != SQLITE_ROW) return db_error(db_, file_, "recording webhook " + delivery_id);
  const std::int64_t attempt = update.integer(0);
  while (update.step() == SQLITE_ROW) {
  }
  Statement insert(*statements_,
                   "INSERT INTO webhook_attempts (delivery_id, attempt, time_ms, http_status, "
                   "error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)");
  insert.bind(1, delivery_id)
      .bind(2, attempt)
      .bind(3, result.attempt.time_ms ? result.attempt.time_ms : now)
      .bind(4, std::int64_t(result.attempt.http_status))
      .bind(5, truncated_error(result.attempt.error))
      .bind(6, result.attempt.duration_ms);
  if (insert.step() != SQLITE_DONE)
    return db_error(db_, file_, "logging an attempt of webhook " + delivery_id);
  return transaction.commit();
}

Result<std::vector<WebhookDelivery>> SqliteJobStore::list_deliveries(const std::string& tenant_id,
                                                                     const std::string& job_id) {
  const std::lock_guard lock(mutex_);
  std::vector<WebhookDelivery> deliveries;
  {
    const std::string sql = std::string("SELECT ") + kDeliveryColumns +
                            " FROM webhook_deliveries WHERE tenant_id = ? AND job_id = ? "
                            "ORDER BY event_seq";
    Statement query(*statements_, sql);
    query.bind(1, tenant_id).bind(2, job_id);
    int rc;
    while ((rc = query.step()) == SQLITE_ROW) deliveries.push_back(read_delivery(query));
    if (rc != SQLITE_DONE) return db_error(db_, file_, "listing the webhooks of " + job_id);
  }
  for (WebhookDelivery& delivery : deliveries) {
    Statement query(*statements_,
                    "SELECT attempt, time_ms, http_status, error, duration_ms FROM "
                    "webhook_attempts WHERE delivery_id = ? ORDER BY attempt");
    query.bind(1, delivery.id);
    int rc;
    while ((rc = query.step()) == SQLITE_ROW) delivery.log.push_back(read_delivery_attempt(query));
    if (rc != SQLITE_DONE) return db_error(db_, file_, "reading the attempts of " + delivery.id);
  }
  return deliveries;
}

}  // namespace atlas::service
