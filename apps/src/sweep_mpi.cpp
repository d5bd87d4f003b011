#include "sweep_mpi.hpp"

#include "si/core/error.hpp"
#include "sweep_store.hpp"

#ifdef SISIM_HAVE_MPI
#include <mpi.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#endif

namespace sisim {

#ifdef SISIM_HAVE_MPI

bool mpi_available() { return true; }

int mpi_init(int* argc, char*** argv) {
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) MPI_Init(argc, argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

void mpi_finalize() {
    int inited = 0, finalized = 0;
    MPI_Initialized(&inited);
    MPI_Finalized(&finalized);
    if (inited && !finalized) MPI_Finalize();
}

MpiOutcome run_mpi(const SweepSpec& spec, const std::vector<std::size_t>& todo,
                   const std::string& work, int threads, const std::string& command_line,
                   bool quiet) {
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MpiOutcome out;
    out.root = rank == 0;
    out.ranks = size;
    constexpr int kTagAsk = 1, kTagWork = 2;
    const long long stop = -1;
    if (size == 1) {
        for (auto i : todo)
            if (!run_point(spec, i, work, threads, command_line)) ++out.failed;
        return out;
    }
    if (rank == 0) {
        // Each message from a worker: {finished index or -1, failed 0/1}; the reply is the next
        // index or -1 (stop).
        std::size_t next = 0, done = 0;
        int active = size - 1;
        const auto t0 = std::chrono::steady_clock::now();
        double last = 0;
        while (active > 0) {
            long long msg[2];
            MPI_Status st;
            // Poll instead of a blocking receive: Open MPI's blocking calls spin, and rank 0
            // would take a core from the workers (mpirun -n cores+1 on a workstation).
            int flag = 0;
            MPI_Iprobe(MPI_ANY_SOURCE, kTagAsk, MPI_COMM_WORLD, &flag, &st);
            if (!flag) {
                ::usleep(2000);
                continue;
            }
            MPI_Recv(msg, 2, MPI_LONG_LONG, st.MPI_SOURCE, kTagAsk, MPI_COMM_WORLD, &st);
            if (msg[0] >= 0) ++done, out.failed += msg[1] ? 1 : 0;
            long long reply = stop;
            if (next < todo.size()) reply = static_cast<long long>(todo[next++]);
            else --active;
            MPI_Send(&reply, 1, MPI_LONG_LONG, st.MPI_SOURCE, kTagWork, MPI_COMM_WORLD);
            const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (!quiet && el - last >= 5.0) {
                std::fprintf(stderr, "sisim sweep: %zu/%zu points done on %d ranks, %zu failed, %.0f s\n",
                             done, todo.size(), size - 1, out.failed, el);
                last = el;
            }
        }
    } else {
        long long msg[2] = {-1, 0};
        for (;;) {
            MPI_Send(msg, 2, MPI_LONG_LONG, 0, kTagAsk, MPI_COMM_WORLD);
            long long idx = stop;
            MPI_Recv(&idx, 1, MPI_LONG_LONG, 0, kTagWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (idx < 0) break;
            const bool ok = run_point(spec, static_cast<std::size_t>(idx), work, threads, command_line);
            msg[0] = idx;
            msg[1] = ok ? 0 : 1;
        }
    }
    // No barrier: a worker asks for more only after finishing a point, so when rank 0 has told
    // every worker to stop, every point is recorded (and idle ranks do not spin in a barrier).
    return out;
}

#else

bool mpi_available() { return false; }
int mpi_init(int*, char***) { return 0; }
void mpi_finalize() {}
MpiOutcome run_mpi(const SweepSpec&, const std::vector<std::size_t>&, const std::string&, int,
                   const std::string&, bool) {
    throw si::ConfigError("--mpi", "this sisim was built without MPI (install libopenmpi-dev and "
                                   "rebuild; see docs/sweeps.md)");
}

#endif

}  // namespace sisim
