# Writes OUTPUT: one `{"name", R"(text)"},` entry a presets/*.yaml file, for
# src/pipeline/presets.cpp to include, so the program finds its presets without files.
function(atlas_embed_presets preset_dir output)
  file(GLOB presets CONFIGURE_DEPENDS ${preset_dir}/*.yaml)
  # Editing a preset re-runs this at the next build.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${presets})
  set(entries "")
  foreach(preset ${presets})
    get_filename_component(name ${preset} NAME_WE)
    file(READ ${preset} text)
    string(APPEND entries "{\"${name}\", R\"atlas_preset(${text})atlas_preset\"},\n")
  endforeach()
  # Written through a copy so the output changes (and presets.cpp rebuilds) only when a
  # preset does.
  file(WRITE ${output}.new "${entries}")
  configure_file(${output}.new ${output} COPYONLY)
endfunction()
