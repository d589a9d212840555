# Warnings and sanitizers for project code only; third-party headers are -isystem.
add_library(atlas_warnings INTERFACE)
target_compile_options(atlas_warnings INTERFACE -Wall -Wextra -Werror
  # GCC 12 reports false -Wrestrict positives inside std::string's operator+ at -O3
  # (GCC bug 105651).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)

if(ATLAS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# atlas_add_layer(NAME DIR DEPS...): one static library per concern, built from every
# .cpp file in src/DIR. Layers may only depend on the layers below them.
function(atlas_add_layer name dir)
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${dir}/*.cpp)
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE atlas_warnings PUBLIC ${ARGN})
endfunction()

if(ATLAS_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ATLAS_BUILD_FUZZERS needs clang (CXX=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# Where the shared test data lives (../shared/testdata beside the checkout).
set(ATLAS_TESTDATA_DIR "${PROJECT_SOURCE_DIR}/../shared/testdata" CACHE PATH "Shared test data")
