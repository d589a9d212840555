#include "core/text_numbers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "core/byte_reader.h"
#include "test_support.h"

namespace atlas {
namespace {

TEST(TextNumbers, ParsesWholeTokens) {
  EXPECT_EQ(parse_number<float>("1.5"), 1.5f);
  EXPECT_EQ(parse_number<float>("-2e3"), -2000.0f);
  EXPECT_EQ(parse_number<double>("0.1"), 0.1);
  EXPECT_EQ(parse_number<std::int64_t>("-42"), -42);
  EXPECT_EQ(parse_number<std::uint32_t>("4294967295"), 4294967295u);
}

TEST(TextNumbers, AcceptsALeadingPlus) {
  EXPECT_EQ(parse_number<float>("+1.25"), 1.25f);
  EXPECT_EQ(parse_number<std::int64_t>("+7"), 7);
}

TEST(TextNumbers, RefusesAnythingButOneNumber) {
  for (const char* token : {"", "+", "1.5x", " 1", "1 ", "0x10", "abc", "1,5", "++1"}) {
    EXPECT_FALSE(parse_number<float>(token).has_value()) << "'" << token << "'";
  }
  EXPECT_FALSE(parse_number<std::int64_t>("1.5").has_value());
}

TEST(TextNumbers, RefusesValuesTheTypeCannotHold) {
  EXPECT_FALSE(parse_number<std::uint32_t>("4294967296").has_value());
  EXPECT_FALSE(parse_number<std::uint32_t>("-1").has_value());
  EXPECT_FALSE(parse_number<float>("1e60").has_value());
}

TEST(TextNumbers, AppendsShortestRoundTripText) {
  std::string text;
  append_number(text, 0.1f);
  text += ' ';
  append_number(text, -3.0f);
  text += ' ';
  append_number(text, std::numeric_limits<float>::infinity());
  EXPECT_EQ(text, "0.1 -3 inf");

  Bytes bytes;
  append_number(bytes, std::uint8_t{255});
  EXPECT_EQ(std::string(as_chars(bytes)), "255");
}

// Every coordinate of a real OBJ file reads back bit for bit after being written.
TEST(TextNumbers, RealObjCoordinatesRoundTrip) {
  const Bytes file = test::must_read(test::testdata("meshes/suzanne.obj"));
  const std::string_view text = as_chars(file);
  std::size_t numbers = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.starts_with("v ")) continue;
    line.remove_prefix(2);
    while (!line.empty()) {
      const std::size_t space = std::min(line.find(' '), line.size());
      std::string_view token = line.substr(0, space);
      line.remove_prefix(std::min(space + 1, line.size()));
      while (!token.empty() && token.back() == '\r') token.remove_suffix(1);
      if (token.empty()) continue;
      const std::optional<float> value = parse_number<float>(token);
      ASSERT_TRUE(value.has_value()) << "'" << token << "'";
      std::string written;
      append_number(written, *value);
      EXPECT_EQ(parse_number<float>(written), value);
      ++numbers;
    }
  }
  EXPECT_GT(numbers, 1000u);
}

}  // namespace
}  // namespace atlas
