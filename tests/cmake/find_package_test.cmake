# ctest: install the build tree to a scratch prefix, build examples/cpp_trainer against it with
# find_package(lockstep), and run it on a shared model.
# -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DMODEL=...
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGV}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix --component cpp)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/cpp_trainer -B ${WORK_DIR}/build
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/cpp_trainer ${MODEL} 8 cpu)
if(NOT last_output MATCHES "8 worlds of ant stepped to t = 1.000 s")
  message(FATAL_ERROR "unexpected output: ${last_output}")
endif()
message(STATUS "${last_output}")
