# Install layout, man pages and shell completion (included by the top-level
# CMakeLists.txt; kept in one file so the layout can move it whole).
#
#   bin/sipsync, bin/sipsync-sim
#   share/man/man1/sipsync.1, sipsync-sim.1, share/man/man5/sipsync.yaml.5
#   share/bash-completion/completions/sipsync
#   share/zsh/vendor-completions/_sipsync
#   share/fish/vendor_completions.d/sipsync.fish
#   share/sipsync/sipsync.schema.json, plan.schema.json, policy.schema.json,
#   accounts.schema.json
#   share/doc/sipsync/examples/...
#
# Man pages are written in scdoc and built when scdoc is found (Debian's
# `scdoc`); without it they are skipped with a message, never an error.
include(GNUInstallDirs)

set(SIPSYNC_MAN_PAGES
  cmd/sipsync/sipsync.1.scd
  cmd/sipsync-sim/sipsync-sim.1.scd
  schema/sipsync.yaml.5.scd)

find_program(SIPSYNC_SCDOC scdoc)
if(SIPSYNC_SCDOC)
  set(man_outputs "")
  foreach(src ${SIPSYNC_MAN_PAGES})
    get_filename_component(page ${src} NAME_WLE)   # sipsync.1
    string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
    set(out ${CMAKE_BINARY_DIR}/man/${page})
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND sh -c "\"$0\" <\"$1\" >\"$2\"" ${SIPSYNC_SCDOC}
              ${PROJECT_SOURCE_DIR}/${src} ${out}
      DEPENDS ${PROJECT_SOURCE_DIR}/${src}
      COMMENT "scdoc ${src}" VERBATIM)
    list(APPEND man_outputs ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  add_custom_target(sipsync_man ALL DEPENDS ${man_outputs})
else()
  message(STATUS "scdoc not found: the man pages are not built")
endif()

install(TARGETS sipsync RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET sipsync-sim)
  install(TARGETS sipsync-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

set(completion_dir ${PROJECT_SOURCE_DIR}/cmd/sipsync/completion)
install(FILES ${completion_dir}/sipsync.bash RENAME sipsync
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${completion_dir}/_sipsync
  DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${completion_dir}/sipsync.fish
  DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

install(FILES ${PROJECT_SOURCE_DIR}/schema/sipsync.schema.json
              ${PROJECT_SOURCE_DIR}/schema/plan.schema.json
              ${PROJECT_SOURCE_DIR}/schema/policy.schema.json
              ${PROJECT_SOURCE_DIR}/schema/accounts.schema.json
  DESTINATION ${CMAKE_INSTALL_DATADIR}/sipsync)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
