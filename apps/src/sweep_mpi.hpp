#pragma once
/// \file sweep_mpi.hpp
/// `sisim sweep --mpi`: rank 0 hands out points one at a time to the other ranks (dynamic
/// scheduling: a rank asks for the next point when it finishes one) and merges at the end;
/// with one rank, rank 0 runs every point itself. Built only when CMake finds MPI
/// (SISIM_HAVE_MPI); otherwise --mpi is a clear error.
#include <cstddef>
#include <string>
#include <vector>

#include "sweep_spec.hpp"

namespace sisim {

/// True when this sisim was built with MPI.
[[nodiscard]] bool mpi_available();

/// Outcome on this rank.
struct MpiOutcome {
    bool root = true;         ///< this is rank 0 (which merges)
    std::size_t failed = 0;   ///< failed points (rank 0: all ranks)
    int ranks = 1;
};

/// Runs the points `todo` over the MPI ranks; every rank calls it. Calls MPI_Init/Finalize.
MpiOutcome run_mpi(const SweepSpec& spec, const std::vector<std::size_t>& todo,
                   const std::string& work, int threads, const std::string& command_line,
                   bool quiet);

/// Initialises MPI early (before the sweep file is read) and returns this process's rank.
int mpi_init(int* argc, char*** argv);
/// Finalises MPI (no-op when not initialised).
void mpi_finalize();

}  // namespace sisim
