#include "providers/candidate_selection.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/sha256.h"

namespace atlas::providers {

namespace {

using Json = nlohmann::ordered_json;

std::string fixed(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

CandidateReport score_candidate(std::size_t index, const pipeline::EncodedAsset& candidate) {
  CandidateReport report;
  report.index = index;
  report.extension = candidate.extension;
  report.sha256 = sha256_hex(candidate.bytes);
  // decode_remote_asset takes the variant by reference, so the bytes are copied once.
  Result<pipeline::Value> decoded = pipeline::decode_remote_asset(pipeline::RemoteAsset(candidate));
  if (!decoded) {
    report.rejections.push_back("could not be decoded: " + decoded.error().message);
    return report;
  }
  if (const SplatCloud* cloud = decoded->splat()) {
    report.kind = pipeline::RemoteAssetKind::Splat;
    report.score = score_splats(*cloud);
  } else {
    report.kind = pipeline::RemoteAssetKind::Mesh;
    report.score = score_mesh(*decoded->mesh());
  }
  report.rejections = report.score.rejections;
  report.accepted = report.rejections.empty();
  return report;
}

// Whether accepted candidate a ranks above accepted candidate b (see the header).
bool ranks_above(const CandidateReport& a, const CandidateReport& b) {
  if (a.score.total != b.score.total) return a.score.total > b.score.total;
  if (a.sha256 != b.sha256) return a.sha256 < b.sha256;
  return a.index < b.index;
}

std::string describe(const CandidateReport& candidate) {
  std::string text = "candidate " + std::to_string(candidate.index) + " (";
  if (candidate.kind) text += std::string(pipeline::to_string(*candidate.kind)) + ", ";
  return text + "." + candidate.extension + ")";
}

// The terms where the winner gained most total over the runner-up, biggest first, as
// "sharpness 0.912 vs 0.130"; at most two.
std::string leading_terms(const CandidateReport& winner, const CandidateReport& runner_up) {
  std::vector<std::pair<double, std::size_t>> gains;
  for (std::size_t t = 0; t < winner.score.terms.size(); ++t) {
    const ScoreTerm& term = winner.score.terms[t];
    const double gain = term.weight * (term.score - runner_up.score.terms[t].score);
    if (gain > 0) gains.push_back({gain, t});
  }
  std::stable_sort(gains.begin(), gains.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  for (std::size_t g = 0; g < gains.size() && g < 2; ++g) {
    const std::size_t t = gains[g].second;
    if (g > 0) text += " and ";
    text += winner.score.terms[t].name + " " + fixed(winner.score.terms[t].score) + " vs " +
            fixed(runner_up.score.terms[t].score);
  }
  return text;
}

std::string rejection_list(const CandidateReport& candidate) {
  std::string text;
  for (const std::string& reason : candidate.rejections)
    text += (text.empty() ? "" : " and ") + reason;
  return text;
}

std::string explain(const std::vector<CandidateReport>& candidates,
                    std::optional<std::size_t> winner, std::optional<std::size_t> runner_up) {
  if (candidates.empty()) return "There were no candidates.";
  std::string rejected;
  for (const CandidateReport& candidate : candidates)
    if (!candidate.accepted)
      rejected +=
          (rejected.empty() ? "" : "; ") + describe(candidate) + ": " + rejection_list(candidate);
  if (!winner) return "No candidate was accepted: " + rejected + ".";

  const CandidateReport& best = candidates[*winner];
  std::string text = describe(best) + " won with a total of " + fixed(best.score.total);
  text[0] = 'C';
  if (!runner_up) {
    text += " as the only accepted candidate.";
  } else {
    const CandidateReport& second = candidates[*runner_up];
    text += " against " + fixed(second.score.total) + " for " + describe(second);
    if (best.sha256 == second.sha256) {
      text += ": identical files, the first kept";
    } else if (best.score.total == second.score.total) {
      text += ": equal totals, decided by the smaller SHA-256 of the bytes";
    } else if (best.kind == second.kind) {
      const std::string leads = leading_terms(best, second);
      if (!leads.empty()) text += ", leading most on " + leads;
    }
    text += ".";
  }
  if (!rejected.empty()) text += " Rejected: " + rejected + ".";
  return text;
}

}  // namespace

Selection select_best_candidate(std::span<const pipeline::EncodedAsset> candidates) {
  Selection selection;
  selection.candidates.reserve(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i)
    selection.candidates.push_back(score_candidate(i, candidates[i]));

  std::optional<std::size_t> winner, runner_up;
  for (std::size_t i = 0; i < selection.candidates.size(); ++i) {
    const CandidateReport& candidate = selection.candidates[i];
    if (!candidate.accepted) continue;
    if (!winner || ranks_above(candidate, selection.candidates[*winner])) {
      runner_up = winner;
      winner = i;
    } else if (!runner_up || ranks_above(candidate, selection.candidates[*runner_up])) {
      runner_up = i;
    }
  }
  selection.winner = winner;
  selection.why = explain(selection.candidates, winner, runner_up);
  return selection;
}

std::string to_json(const Selection& selection) {
  Json candidates = Json::array();
  for (const CandidateReport& candidate : selection.candidates) {
    Json terms = Json::array();
    for (const ScoreTerm& term : candidate.score.terms)
      terms.push_back({{"name", term.name},
                       {"measure", term.measure},
                       {"score", term.score},
                       {"weight", term.weight}});
    candidates.push_back(
        {{"index", candidate.index},
         {"extension", candidate.extension},
         {"sha256", candidate.sha256},
         {"kind", candidate.kind ? Json(pipeline::to_string(*candidate.kind)) : Json(nullptr)},
         {"accepted", candidate.accepted},
         {"rejections", candidate.rejections},
         {"elements", candidate.score.elements},
         {"total", candidate.score.total},
         {"terms", std::move(terms)}});
  }
  Json json = {{"winner", selection.winner ? Json(*selection.winner) : Json(nullptr)},
               {"why", selection.why},
               {"candidates", std::move(candidates)}};
  return json.dump(2);
}

}  // namespace atlas::providers
