add_library(si_warnings INTERFACE)
target_compile_options(si_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter
                       $<$<BOOL:${SI_WERROR}>:-Werror>)
add_library(si_optimize INTERFACE)
# Loops of the superposition kernel vectorise with -O3; -march=native is opt-in so that
# binaries stay portable across the machines of a cluster.
target_compile_options(si_optimize INTERFACE $<$<CONFIG:Release>:-O3>
                       $<$<BOOL:${SI_NATIVE}>:-march=native>)

# si_add_module(name SOURCES ... DEPS ...)
function(si_add_module name)
  cmake_parse_arguments(M "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(si_${name} STATIC ${M_SOURCES})
  add_library(si::${name} ALIAS si_${name})
  set_target_properties(si_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(si_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(si_${name} PUBLIC cxx_std_20)
  target_link_libraries(si_${name} PUBLIC ${M_PUBLIC_DEPS}
    PRIVATE ${M_PRIVATE_DEPS} $<BUILD_INTERFACE:si_warnings> $<BUILD_INTERFACE:si_optimize>)
endfunction()
