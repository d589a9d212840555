// The one translation unit that compiles tinygltf (header-only upstream), with Draco
// enabled. stb_image's implementation comes from Debian's libstb.
#define TINYGLTF_IMPLEMENTATION
#include <tiny_gltf.h>
