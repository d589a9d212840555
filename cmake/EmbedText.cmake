# atlas_embed_text(INPUT OUTPUT): writes OUTPUT as one raw string literal holding INPUT's
# text, for a source file to include, so the program serves the file without reading it.
function(atlas_embed_text input output)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${input})
  file(READ ${input} text)
  # Written through a copy so the output changes (and its includer rebuilds) only when
  # the input does.
  file(WRITE ${output}.new "R\"atlas_text(${text})atlas_text\"\n")
  configure_file(${output}.new ${output} COPYONLY)
endfunction()
