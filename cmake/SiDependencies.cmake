# Every dependency comes from Debian 12 packages (see README and .ci/run).
find_package(PkgConfig REQUIRED)
pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3)
pkg_check_modules(FFTW3F REQUIRED IMPORTED_TARGET fftw3f)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(HDF5 REQUIRED COMPONENTS C HL)
find_package(tomlplusplus REQUIRED)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
