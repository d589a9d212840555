// /v1/usage: the tenant's ledger summed per day, per kind and per provider, with what
// 404 bills (passed through at cost) itemised.

#include <algorithm>
#include <map>

#include "service/api_support.h"

namespace atlas::service {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kMaxDays = 366;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = unsigned(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + std::int64_t(day_of_era) - 719468;
}

// "YYYY-MM-DD" as days since the epoch.
std::optional<std::int64_t> parse_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[std::size_t(i)] < '0' || text[std::size_t(i)] > '9') return std::nullopt;
  const int year = std::stoi(text.substr(0, 4)), month = std::stoi(text.substr(5, 2)),
            day = std::stoi(text.substr(8, 2));
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return std::nullopt;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return std::nullopt;
  return days_from_civil(year, unsigned(month), unsigned(day));
}

std::string date_text(std::int64_t ms) {
  const Json time = iso_time(ms <= 0 ? 1 : ms);
  return time.get<std::string>().substr(0, 10);
}

struct Sum {
  double quantity = 0;
  double cost = 0;
  Json json() const { return {{"quantity", quantity}, {"cost", cost}}; }
  void add(const UsageEntry& entry) {
    quantity += entry.quantity;
    cost += entry.cost;
  }
};

}  // namespace

HttpResponse get_usage(const Api::Call& call) {
  const std::int64_t today = now_ms() / kDayMs;
  std::int64_t to_day = today, from_day = today - 29;
  for (const auto& [name, target] :
       {std::pair<const char*, std::int64_t*>{"from", &from_day}, {"to", &to_day}}) {
    const auto found = call.query.find(name);
    if (found == call.query.end()) continue;
    const auto day = parse_date(found->second);
    if (!day)
      return error_response(
          400, "invalid_query",
          std::string(name) + ": a date as YYYY-MM-DD, not '" + found->second + "'");
    *target = *day;
  }
  if (call.query.count("from") == 0 && call.query.count("to") != 0) from_day = to_day - 29;
  if (to_day < from_day || to_day - from_day >= kMaxDays)
    return error_response(
        400, "invalid_query",
        "from..to: from on or before to, at most " + std::to_string(kMaxDays) + " days");
  auto entries = call.store.usage(call.key.tenant_id, from_day * kDayMs, (to_day + 1) * kDayMs);
  if (!entries) return storage_error(entries.error());
  // All time, whatever the period asked: what the credit limit is measured against.
  auto balance = call.store.balance(call.key.tenant_id);
  if (!balance) return storage_error(balance.error());
  Json balance_json = {{"limit", nullptr},
                       {"spent", balance->spent},
                       {"remaining", nullptr},
                       {"currency", call.options.prices.currency}};
  if (balance->credit_limit) {
    balance_json["limit"] = *balance->credit_limit;
    balance_json["remaining"] = std::max(0.0, *balance->credit_limit - balance->spent);
  }

  std::map<std::string, std::map<std::string, Sum>> days;
  std::map<std::string, Sum> kinds, providers, billed_by;
  Json passed_through = Json::array();
  double total = 0, passed_total = 0;
  for (const UsageEntry& entry : *entries) {
    days[date_text(entry.time_ms)][to_string(entry.kind)].add(entry);
    kinds[to_string(entry.kind)].add(entry);
    providers[entry.provider].add(entry);
    billed_by[entry.billed_by].add(entry);
    total += entry.cost;
    if (entry.billed_by == "404") {
      passed_total += entry.cost;
      passed_through.push_back({{"job_id", entry.job_id},
                                {"kind", to_string(entry.kind)},
                                {"detail", entry.detail},
                                {"quantity", entry.quantity},
                                {"cost", entry.cost},
                                {"currency", entry.currency},
                                {"time", iso_time(entry.time_ms)}});
    }
  }
  const auto object = [](const std::map<std::string, Sum>& sums) {
    Json json = Json::object();
    for (const auto& [name, sum] : sums) json[name] = sum.json();
    return json;
  };
  Json per_day = Json::array();
  for (const auto& [date, sums] : days) {
    double cost = 0;
    for (const auto& [kind, sum] : sums) cost += sum.cost;
    per_day.push_back({{"date", date}, {"cost", cost}, {"kinds", object(sums)}});
  }
  return json_response(
      200, {{"from", date_text(from_day * kDayMs)},
            {"to", date_text(to_day * kDayMs)},
            {"currency", call.options.prices.currency},
            {"total_cost", total},
            {"days", per_day},
            {"by_kind", object(kinds)},
            {"by_provider", object(providers)},
            {"billed_by", object(billed_by)},
            {"passed_through_404", {{"cost", passed_total}, {"entries", passed_through}}},
            {"balance", balance_json}});
}

}  // namespace atlas::service
