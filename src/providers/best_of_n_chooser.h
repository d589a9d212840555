#pragma once
// The chooser the "404" provider uses when every candidate is downloaded (candidates
// "all"): best-of-N scoring (candidate_selection.h) instead of the gateway's order.

#include "providers/gateway_provider.h"

namespace atlas::providers {

// Scores every candidate with select_best_candidate and picks its winner; the choice's
// explanation_json is the Selection's to_json. Fails when no candidate is acceptable,
// listing each one's rejections. Thread-safe (it keeps no state).
CandidateChooser best_of_n_chooser();

}  // namespace atlas::providers
