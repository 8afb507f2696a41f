# ctest script: install mscrypt into a temporary prefix, then build and run a consumer through
# find_package(mscrypt) (shared and static targets) and through pkg-config, and run the installed
# CLI (checks its RPATH). Inputs: BUILD_DIR WORK_DIR CONSUMER_DIR GENERATOR C_COMPILER CXX_COMPILER
# LIBDIR HAS_STATIC HAS_CLI BUILD_TYPE SANITIZE (the consumer then links the sanitizer runtimes too).
cmake_minimum_required(VERSION 3.16)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "FAILED (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(RUN_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

set(PREFIX ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

set(config_args)
if(BUILD_TYPE)
  set(config_args --config ${BUILD_TYPE})
endif()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} --component mscrypt ${config_args})
if(HAS_CLI)
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} --component mscrypt_cli ${config_args})
endif()

foreach(f include/mscrypt/mscrypt.h ${LIBDIR}/libmscrypt.so ${LIBDIR}/cmake/mscrypt/mscryptConfig.cmake
          ${LIBDIR}/cmake/mscrypt/mscryptConfigVersion.cmake ${LIBDIR}/pkgconfig/mscrypt.pc)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
foreach(h container.h keys.h seal.h serialization.h checkpoint.h mindir.h status.h)
  if(NOT EXISTS ${PREFIX}/include/mscrypt/${h})
    message(FATAL_ERROR "public C++ header not installed: ${h}")
  endif()
endforeach()
file(GLOB_RECURSE installed_headers ${PREFIX}/include/*.h)
foreach(h ${installed_headers})
  file(READ ${h} text)
  if(text MATCHES "#include [<\"](google/protobuf|openssl/|internal/)")
    message(FATAL_ERROR "installed header exposes a dependency: ${h}")
  endif()
endforeach()

set(san_flags "")
set(san_args)
if(SANITIZE)
  set(san_flags -fsanitize=address,undefined)
  set(san_args -DCMAKE_C_FLAGS=${san_flags} -DCMAKE_CXX_FLAGS=${san_flags} -DCMAKE_EXE_LINKER_FLAGS=${san_flags})
endif()

# 1. find_package(mscrypt): a C and C++ project with the shared library and the C++ API, where
#    OpenSSL, zlib and protobuf cannot be found (the shared target must not need them); then a
#    C-only project with the static library (which must bring the C++ runtime itself).
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer-build -G ${GENERATOR}
    -Dmscrypt_DIR=${PREFIX}/${LIBDIR}/cmake/mscrypt -DCMAKE_C_COMPILER=${C_COMPILER}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON
    -DCMAKE_DISABLE_FIND_PACKAGE_Protobuf=ON ${san_args})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-build)
run(${WORK_DIR}/consumer-build/consumer)
message(STATUS "find_package, shared, C: ${RUN_OUTPUT}")
run(${WORK_DIR}/consumer-build/consumer_cxx)
message(STATUS "find_package, shared, C++: ${RUN_OUTPUT}")
if(HAS_STATIC)
  run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer-static -G ${GENERATOR}
      -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_C_COMPILER=${C_COMPILER} -DLANGUAGES=C -DWITH_STATIC=ON
      -DCMAKE_BUILD_TYPE=Release ${san_args})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-static)
  run(${WORK_DIR}/consumer-static/consumer_static)
  message(STATUS "find_package, static, C-only project: ${RUN_OUTPUT}")
endif()

# 2. pkg-config (the .pc file is relocatable, so the temporary prefix works as is)
find_program(PKG_CONFIG NAMES pkg-config pkgconf)
if(PKG_CONFIG)
  run(${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${PREFIX}/${LIBDIR}/pkgconfig ${PKG_CONFIG} --cflags --libs mscrypt)
  string(STRIP "${RUN_OUTPUT}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  # No -rpath of our own: the .pc file's Libs carry it, so the program starts as built.
  run(${C_COMPILER} -std=c99 ${san_flags} ${CONSUMER_DIR}/main.c ${flags} -o ${WORK_DIR}/consumer-pc)
  run(${WORK_DIR}/consumer-pc)
  message(STATUS "pkg-config: ${RUN_OUTPUT}")
else()
  message(FATAL_ERROR "pkg-config not found; install pkg-config or pkgconf")
endif()

# 3. The installed CLI finds the installed library through its RPATH.
if(HAS_CLI)
  run(${PREFIX}/bin/mscrypt --version)
  message(STATUS "installed CLI: ${RUN_OUTPUT}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
