#include "providers/best_of_n_chooser.h"

#include "providers/candidate_selection.h"

namespace atlas::providers {

CandidateChooser best_of_n_chooser() {
  return [](const std::vector<GatewayCandidate>& candidates) -> Result<CandidateChoice> {
    // Selection scores the bytes as downloaded, so it sees exactly what the provider
    // decoded; the copies are small next to decoding and rendering each candidate.
    std::vector<pipeline::EncodedAsset> files;
    files.reserve(candidates.size());
    for (const GatewayCandidate& candidate : candidates) files.push_back(candidate.file);
    const Selection selection = select_best_candidate(files);
    if (selection.winner) return CandidateChoice{*selection.winner, to_json(selection)};
    std::string reasons;
    for (const CandidateReport& report : selection.candidates) {
      std::string joined;
      for (const std::string& rejection : report.rejections)
        joined += (joined.empty() ? "" : ", ") + rejection;
      reasons += (reasons.empty() ? "" : "; ") + candidates[report.index].name + ": " + joined;
    }
    return make_error("none of the " + std::to_string(candidates.size()) +
                      " results is acceptable: " + reasons);
  };
}

}  // namespace atlas::providers
