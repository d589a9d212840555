#include "providers/candidate_selection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "formats/asset_io.h"
#include "formats/mesh_formats.h"
#include "formats/splat_formats.h"
#include "test_support.h"

namespace atlas::providers {
namespace {

pipeline::EncodedAsset candidate_file(const std::string& relative) {
  return {test::must_read(test::testdata(relative)), relative.substr(relative.rfind('.') + 1)};
}

// The three candidates of the measured task: 404's hamburger, the early
// DreamGaussian blob and the hamburger cut off at 60 % of its bytes, as a dropped
// download leaves it.
std::vector<pipeline::EncodedAsset> three_candidates() {
  pipeline::EncodedAsset truncated = candidate_file("splats/404-hamburger.ply");
  truncated.bytes.resize(truncated.bytes.size() * 6 / 10);
  return {candidate_file("splats/404-hamburger.ply"),
          candidate_file("splats/404-dreamgaussian-blob.ply"), std::move(truncated)};
}

// `count` small flat splats spread evenly over a sphere of radius 0.4 (a Fibonacci
// lattice), each turned differently and coloured by height, all clearly opaque.
SplatCloud sphere_cloud(std::size_t count) {
  SplatCloud cloud;
  cloud.resize(count);
  const float golden = 2.39996323f;
  for (std::size_t i = 0; i < count; ++i) {
    const float y = 1 - 2 * (float(i) + 0.5f) / float(count);
    const float r = std::sqrt(1 - y * y);
    const float phi = golden * float(i);
    cloud.positions[i] = Vec3{r * std::cos(phi), y, r * std::sin(phi)} * 0.4f;
    cloud.log_scales[i] = {std::log(0.012f), std::log(0.012f), std::log(0.002f)};
    cloud.rotations[i] = normalized(Quat{1, 0.3f * std::sin(phi), 0.3f * y, 0.3f * std::cos(phi)});
    cloud.opacity_logits[i] = 3;
    cloud.sh_dc[i] = {y, -y, 0.5f * std::sin(3 * phi)};
  }
  return cloud;
}

pipeline::EncodedAsset as_ply(const SplatCloud& cloud) { return {encode_ply_splats(cloud), "ply"}; }

pipeline::EncodedAsset as_glb(const Mesh& mesh) {
  return {encode_gltf(mesh, true, "candidate").front().bytes, "glb"};
}

const ScoreTerm& term(const CandidateReport& candidate, const std::string& name) {
  const auto found = std::find_if(candidate.score.terms.begin(), candidate.score.terms.end(),
                                  [&](const ScoreTerm& t) { return t.name == name; });
  EXPECT_NE(found, candidate.score.terms.end()) << name;
  return *found;
}

TEST(CandidateSelection, TheHamburgerBeatsTheBlobAndTheTruncatedFileIsRejected) {
  const Selection selection = select_best_candidate(three_candidates());
  ASSERT_EQ(selection.candidates.size(), 3u);
  ASSERT_TRUE(selection.winner.has_value());
  EXPECT_EQ(*selection.winner, 0u);

  const CandidateReport& hamburger = selection.candidates[0];
  const CandidateReport& blob = selection.candidates[1];
  const CandidateReport& truncated = selection.candidates[2];
  EXPECT_TRUE(hamburger.accepted);
  EXPECT_TRUE(blob.accepted);
  EXPECT_GT(hamburger.score.total, blob.score.total + 0.05);
  EXPECT_EQ(hamburger.score.elements, 52709u);
  EXPECT_GT(term(hamburger, "sharpness").score, term(blob, "sharpness").score);
  EXPECT_GT(term(hamburger, "contrast").score, term(blob, "contrast").score);
  EXPECT_GT(term(hamburger, "compactness").score, term(blob, "compactness").score);

  EXPECT_FALSE(truncated.accepted);
  EXPECT_FALSE(truncated.kind.has_value());
  EXPECT_TRUE(truncated.score.terms.empty());
  ASSERT_EQ(truncated.rejections.size(), 1u);
  EXPECT_EQ(truncated.rejections[0].rfind("could not be decoded: the returned splat file: ", 0), 0u)
      << truncated.rejections[0];

  EXPECT_EQ(selection.why.rfind("Candidate 0 (splat, .ply) won with a total of ", 0), 0u)
      << selection.why;
  EXPECT_NE(selection.why.find("for candidate 1 (splat, .ply), leading most on "),
            std::string::npos)
      << selection.why;
  EXPECT_NE(selection.why.find("Rejected: candidate 2 (.ply): could not be decoded"),
            std::string::npos)
      << selection.why;
}

TEST(CandidateSelection, BrokenDownloadsAreRejectedWithTheReadersReason) {
  pipeline::EncodedAsset spz = candidate_file("splats/404-robocop.spz");
  spz.bytes.resize(spz.bytes.size() / 2);
  pipeline::EncodedAsset glb = candidate_file("meshes/trellis-sample.glb");
  glb.bytes.resize(glb.bytes.size() - 1000);
  const std::vector<pipeline::EncodedAsset> files{
      spz, glb, {{}, "spz"}, {Bytes(4096, 0x5a), "glb"}, {Bytes{0x28, 0xb5, 0x2f, 0xfd}, "spz"}};
  const Selection selection = select_best_candidate(files);
  EXPECT_FALSE(selection.winner.has_value());
  for (const CandidateReport& candidate : selection.candidates) {
    EXPECT_FALSE(candidate.accepted);
    EXPECT_FALSE(candidate.kind.has_value());
    ASSERT_EQ(candidate.rejections.size(), 1u);
    EXPECT_EQ(candidate.rejections[0].rfind("could not be decoded: ", 0), 0u)
        << candidate.rejections[0];
    EXPECT_GT(candidate.rejections[0].size(), 30u) << candidate.rejections[0];
  }
}

TEST(CandidateSelection, IsTheSameOnRepeatedRunsAndUnderAnyInputOrder) {
  const std::vector<pipeline::EncodedAsset> files = three_candidates();
  const Selection first = select_best_candidate(files);
  EXPECT_EQ(to_json(select_best_candidate(files)), to_json(first));

  // Every candidate's report, keyed by its content, must not depend on where it stood.
  const auto by_content = [](const Selection& selection) {
    std::map<std::string, nlohmann::json> reports;
    const nlohmann::json json = nlohmann::json::parse(to_json(selection));
    for (nlohmann::json candidate : json["candidates"]) {
      const std::string sha = candidate["sha256"];
      candidate.erase("index");
      reports[sha] = candidate;
    }
    return reports;
  };
  const auto reference = by_content(first);
  const std::string winner_sha = first.candidates[*first.winner].sha256;
  for (const std::vector<std::size_t>& order :
       std::vector<std::vector<std::size_t>>{{2, 1, 0}, {1, 2, 0}, {2, 0, 1}}) {
    std::vector<pipeline::EncodedAsset> permuted;
    for (std::size_t i : order) permuted.push_back(files[i]);
    const Selection selection = select_best_candidate(permuted);
    ASSERT_TRUE(selection.winner.has_value());
    EXPECT_EQ(selection.candidates[*selection.winner].sha256, winner_sha);
    EXPECT_EQ(by_content(selection), reference);
  }
}

TEST(CandidateSelection, EqualTotalsGoToTheSmallerHashWhateverTheOrder) {
  // One cloud in two PLY encodings: different bytes, the very same splats and scores.
  const SplatCloud cloud = sphere_cloud(8000);
  const pipeline::EncodedAsset little = as_ply(cloud);
  const pipeline::EncodedAsset big{encode_ply_splats(cloud, PlyEncoding::BinaryBigEndian), "ply"};
  const Selection forward = select_best_candidate(std::vector{little, big});
  const Selection backward = select_best_candidate(std::vector{big, little});
  ASSERT_TRUE(forward.winner && backward.winner);
  EXPECT_EQ(forward.candidates[0].score.total, forward.candidates[1].score.total);
  EXPECT_EQ(forward.candidates[*forward.winner].sha256,
            std::min(forward.candidates[0].sha256, forward.candidates[1].sha256));
  EXPECT_EQ(backward.candidates[*backward.winner].sha256,
            forward.candidates[*forward.winner].sha256);
  EXPECT_NE(forward.why.find("equal totals, decided by the smaller SHA-256"), std::string::npos)
      << forward.why;

  const Selection twins = select_best_candidate(std::vector{little, little});
  EXPECT_EQ(twins.winner, std::optional<std::size_t>(0));
  EXPECT_NE(twins.why.find("identical files, the first kept"), std::string::npos) << twins.why;
}

TEST(CandidateSelection, FourOFoursHardRejectionsEachNameTheirReason) {
  SplatCloud identity = sphere_cloud(10000);
  std::fill(identity.rotations.begin(), identity.rotations.end(), Quat{});
  SplatCloud transparent = sphere_cloud(10000);
  for (std::size_t i = 0; i < transparent.size(); ++i)
    if (i % 10 != 0) transparent.opacity_logits[i] = -9;  // alpha 1.2e-4
  const std::vector<pipeline::EncodedAsset> files{as_ply(sphere_cloud(6999)), as_ply(identity),
                                                  as_ply(transparent), as_ply(sphere_cloud(10000))};
  const Selection selection = select_best_candidate(files);
  ASSERT_EQ(selection.candidates.size(), 4u);
  const auto only_reason = [&](std::size_t index) {
    const CandidateReport& candidate = selection.candidates[index];
    EXPECT_FALSE(candidate.accepted) << index;
    EXPECT_EQ(candidate.rejections.size(), 1u) << index;
    EXPECT_EQ(candidate.score.terms.size(), 5u) << "rejected candidates are still measured";
    return candidate.rejections.empty() ? std::string() : candidate.rejections[0];
  };
  EXPECT_EQ(only_reason(0), "only 6999 splats (404 rejects fewer than 7,000)");
  EXPECT_EQ(only_reason(1), "every splat rotation is the identity (404 rejects this)");
  EXPECT_EQ(only_reason(2), "more than 80 % of opacities are under 0.001 (404 rejects this)");
  EXPECT_TRUE(selection.candidates[3].accepted);
  EXPECT_EQ(selection.winner, std::optional<std::size_t>(3));

  const Selection none = select_best_candidate(std::span(files).first(3));
  EXPECT_FALSE(none.winner.has_value());
  EXPECT_EQ(none.why.rfind("No candidate was accepted: candidate 0 (splat, .ply): only 6999", 0),
            0u)
      << none.why;
  EXPECT_EQ(select_best_candidate({}).why, "There were no candidates.");
}

TEST(CandidateSelection, FloaterShareIsTheOpacityMassOutsideTheMainBody) {
  SplatCloud cloud = sphere_cloud(9000);
  EXPECT_LT(splat_floater_share(cloud), 1e-9);
  // 1,000 splats of the same opacity in a tight clump two radii away: 10 % of the mass.
  SplatCloud clump = sphere_cloud(1000);
  for (Vec3& p : clump.positions) p = p * 0.05f + Vec3{1.2f, 0, 0};
  const std::size_t body = cloud.size();
  cloud.resize(body + clump.size());
  std::copy(clump.positions.begin(), clump.positions.end(), cloud.positions.begin() + body);
  std::copy(clump.log_scales.begin(), clump.log_scales.end(), cloud.log_scales.begin() + body);
  std::copy(clump.rotations.begin(), clump.rotations.end(), cloud.rotations.begin() + body);
  std::copy(clump.opacity_logits.begin(), clump.opacity_logits.end(),
            cloud.opacity_logits.begin() + body);
  EXPECT_NEAR(splat_floater_share(cloud), 0.1, 1e-6);
  // Invisible splats carry no mass, wherever they are.
  for (std::size_t i = body; i < cloud.size(); ++i) cloud.opacity_logits[i] = -8;
  EXPECT_LT(splat_floater_share(cloud), 1e-9);
}

TEST(CandidateSelection, CloudsBuiltInMemoryWithBadArraysAreHandled) {
  SplatCloud mismatched = sphere_cloud(8000);
  mismatched.opacity_logits.resize(100);
  EXPECT_EQ(splat_floater_share(mismatched), 0.0);
  const CandidateScore score = score_splats(mismatched);
  EXPECT_EQ(score.rejections,
            std::vector<std::string>{"the splat attribute arrays differ in length"});
  EXPECT_TRUE(score.terms.empty());

  SplatCloud with_nan = sphere_cloud(8000);
  with_nan.positions[5].x = std::nanf("");
  with_nan.positions[6].y = INFINITY;
  EXPECT_LT(splat_floater_share(with_nan), 1e-9);
}

TEST(CandidateSelection, ATexturedCleanMeshBeatsAnUntexturedOneWithAFloater) {
  Result<Mesh> trellis = load_mesh(test::testdata("meshes/trellis-sample.glb"));
  ASSERT_TRUE(trellis.ok()) << trellis.error().message;
  Mesh worse = *trellis;
  for (Material& material : worse.materials) material.base_color_texture = TextureRef{};
  worse.images.clear();
  // A detached box off to the side, 5 % of the object's size: under clean_up's 2 % of
  // the main surface's area.
  const Bounds bounds = trellis->bounds();
  const Vec3 corner = bounds.max + bounds.size() * 0.1f;
  const float side = bounds.longest_side() * 0.05f;
  Primitive box;
  for (int i = 0; i < 8; ++i)
    box.positions.push_back(corner + Vec3{i & 1 ? side : 0, i & 2 ? side : 0, i & 4 ? side : 0});
  box.indices = {0, 2, 1, 1, 2, 3, 4, 5, 6, 5, 7, 6, 0, 1, 4, 1, 5, 4,
                 2, 6, 3, 3, 6, 7, 0, 4, 2, 2, 4, 6, 1, 3, 5, 3, 7, 5};
  worse.primitives.push_back(box);

  const std::vector<pipeline::EncodedAsset> files{as_glb(worse),
                                                  candidate_file("meshes/trellis-sample.glb")};
  const Selection selection = select_best_candidate(files);
  ASSERT_EQ(selection.candidates.size(), 2u);
  for (const CandidateReport& candidate : selection.candidates) {
    EXPECT_TRUE(candidate.accepted) << candidate.rejections.size();
    EXPECT_EQ(candidate.kind, pipeline::RemoteAssetKind::Mesh);
  }
  EXPECT_EQ(selection.winner, std::optional<std::size_t>(1));
  const CandidateReport& loser = selection.candidates[0];
  const CandidateReport& winner = selection.candidates[1];
  EXPECT_EQ(winner.score.elements, 9317u);
  EXPECT_EQ(term(winner, "texture").score, 1.0);
  EXPECT_EQ(term(loser, "texture").score, 0.0);
  EXPECT_GT(term(loser, "floaters").measure, 0.0);
  EXPECT_LT(term(winner, "floaters").measure, 0.01);
  EXPECT_NE(selection.why.find("leading most on texture"), std::string::npos) << selection.why;
}

TEST(CandidateSelection, TheReportIsJson) {
  const nlohmann::json json =
      nlohmann::json::parse(to_json(select_best_candidate(three_candidates())));
  EXPECT_EQ(json["winner"], 0);
  ASSERT_EQ(json["candidates"].size(), 3u);
  EXPECT_EQ(json["candidates"][0]["kind"], "splat");
  EXPECT_TRUE(json["candidates"][2]["kind"].is_null());
  double weights = 0;
  for (const auto& t : json["candidates"][0]["terms"]) weights += t["weight"].get<double>();
  EXPECT_NEAR(weights, 1.0, 1e-12);
}

}  // namespace
}  // namespace atlas::providers
