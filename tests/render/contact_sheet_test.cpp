#include "render/contact_sheet.h"

#include <gtest/gtest.h>

namespace atlas::render {
namespace {

Image filled(int width, int height, int channels, std::uint8_t value) {
  Image image(width, height, channels);
  std::fill(image.pixels.begin(), image.pixels.end(), value);
  return image;
}

TEST(ContactSheet, LaysImagesOutRowByRowWithGaps) {
  const std::vector<Image> images = {filled(10, 8, 4, 10), filled(10, 8, 4, 20),
                                     filled(10, 8, 4, 30)};
  const Image sheet = contact_sheet(images, 0, 4, {0, 0.5f, 1});
  // Three images: 2 columns, 2 rows.
  ASSERT_EQ(sheet.width, 2 * 10 + 4);
  ASSERT_EQ(sheet.height, 2 * 8 + 4);
  ASSERT_EQ(sheet.channels, 4);
  EXPECT_EQ(sheet.at(0, 0)[0], 10);
  EXPECT_EQ(sheet.at(9, 7)[3], 10);
  EXPECT_EQ(sheet.at(14, 0)[0], 20);
  EXPECT_EQ(sheet.at(0, 12)[0], 30);
  // Gaps and the unused cell: opaque background.
  for (const auto& [x, y] : {std::pair{11, 3}, std::pair{3, 9}, std::pair{20, 15}}) {
    const std::uint8_t* p = sheet.at(x, y);
    EXPECT_EQ(p[0], 0);
    EXPECT_EQ(p[1], 128);
    EXPECT_EQ(p[2], 255);
    EXPECT_EQ(p[3], 255);
  }
}

TEST(ContactSheet, ColumnsAndGapAreHonoured) {
  const std::vector<Image> images(4, filled(5, 5, 3, 7));
  const Image row = contact_sheet(images, 4, 0);
  EXPECT_EQ(row.width, 20);
  EXPECT_EQ(row.height, 5);
  EXPECT_EQ(row.channels, 3);
  const Image column = contact_sheet(images, 1, 2);
  EXPECT_EQ(column.width, 5);
  EXPECT_EQ(column.height, 4 * 5 + 3 * 2);
  // More columns than images: one row of just the images.
  EXPECT_EQ(contact_sheet(images, 9, 1).width, 4 * 5 + 3);
  const Image grey = contact_sheet({filled(2, 2, 1, 9), filled(2, 2, 1, 9)}, 2, 1, {1, 1, 1});
  EXPECT_EQ(grey.at(2, 0)[0], 255);
  EXPECT_EQ(grey.at(3, 1)[0], 9);
}

TEST(ContactSheet, RejectsMixedOrMissingImages) {
  EXPECT_TRUE(contact_sheet({}).empty());
  EXPECT_TRUE(contact_sheet({filled(4, 4, 4, 0), filled(4, 5, 4, 0)}).empty());
  EXPECT_TRUE(contact_sheet({filled(4, 4, 4, 0), filled(4, 4, 3, 0)}).empty());
  EXPECT_TRUE(contact_sheet({Image{}}).empty());
  EXPECT_TRUE(contact_sheet({filled(4, 4, 4, 0)}, 1, -1).empty());
}

}  // namespace
}  // namespace atlas::render
