#pragma once
// Best-of-N: when 404 answers one task with several candidates (get_result with
// all=true), Atlas decodes and scores each with its own readers and renderers
// (candidate_score.h) and keeps the best, not merely the first to arrive. The report
// keeps every candidate's scores and says why the winner won.
//
// The choice is deterministic and does not depend on the candidates' order:
// - a candidate that cannot be decoded, or that 404's validator would reject, is never
//   chosen while another is acceptable;
// - among accepted candidates the highest total wins; equal totals go to the smaller
//   SHA-256 of the bytes, and identical bytes to the earlier candidate.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pipeline/remote_provider.h"
#include "providers/candidate_score.h"

namespace atlas::providers {

struct CandidateReport {
  std::size_t index = 0;  // position in the list given to select_best_candidate
  std::string extension;
  std::string sha256;  // of the bytes, lowercase hex
  // Splat or mesh; none when the bytes could not be decoded.
  std::optional<pipeline::RemoteAssetKind> kind;
  bool accepted = false;
  // Why the candidate was not accepted: the decoder's error ("could not be decoded:
  // ..."), or 404's hard rejections. Empty when accepted.
  std::vector<std::string> rejections;
  // The measurements; elements and terms are empty for a candidate that was not decoded.
  CandidateScore score;
};

struct Selection {
  std::vector<CandidateReport> candidates;  // in input order
  std::optional<std::size_t> winner;        // index of the chosen candidate; none if none accepted
  std::string why;                          // one or two sentences for a person
};

// Decodes and scores every candidate and picks the winner. Never fails: a candidate's
// problem is recorded as its rejection, and no candidates at all give no winner.
// Rendering uses every hardware thread; candidates are scored one after another.
Selection select_best_candidate(std::span<const pipeline::EncodedAsset> candidates);

// The selection as a JSON object's text: {"winner": index or null, "why": text,
// "candidates": [{"index", "extension", "sha256", "kind" ("splat", "mesh" or null),
// "accepted", "rejections", "elements", "total", "terms": [{"name", "measure", "score",
// "weight"}]}]}.
std::string to_json(const Selection& selection);

}  // namespace atlas::providers
