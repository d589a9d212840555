#pragma once
// What every bake into a UV atlas takes: the atlas's size, how far the gutters are
// filled, and the threads to use.

namespace atlas::bake {

struct BakeOptions {
  int texture_size = 1024;  // 1..8192
  int dilation_texels = 8;  // gutter fill, at least the unwrap's gutter
  int threads = 0;          // 0: all hardware threads
};

}  // namespace atlas::bake
