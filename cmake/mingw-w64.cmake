# Toolchain for cross-compiling the Windows sources with Debian's mingw-w64 (package
# g++-mingw-w64-x86-64-posix: the posix thread model, which std::thread needs). Programs are
# linked statically, so that Wine and the MSI need no MinGW DLLs.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(ALUR_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${ALUR_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${ALUR_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${ALUR_MINGW_TRIPLET}-windres)
set(ALUR_WINDMC ${ALUR_MINGW_TRIPLET}-windmc)

set(CMAKE_FIND_ROOT_PATH /usr/${ALUR_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
