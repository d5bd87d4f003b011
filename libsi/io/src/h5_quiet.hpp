#pragma once
// Internal to si_io: silences HDF5's automatic error-stack printing for the lifetime of the guard
// (per thread in the thread-safe Debian build) and restores the caller's setting afterwards; the
// reasons go into IoError messages instead.
#include <hdf5.h>

namespace si::io::detail {

class H5Quiet {
public:
    H5Quiet() {
        H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
    ~H5Quiet() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
    H5Quiet(const H5Quiet&) = delete;
    H5Quiet& operator=(const H5Quiet&) = delete;

private:
    H5E_auto2_t func_ = nullptr;
    void* data_ = nullptr;
};

}  // namespace si::io::detail
