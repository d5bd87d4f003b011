#include "sweep_command.hpp"

#include <boost/program_options.hpp>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <thread>

#include "link_config.hpp"
#include "si/core/error.hpp"
#include "sweep_mpi.hpp"
#include "sweep_spec.hpp"
#include "sweep_store.hpp"
#include "cli_parse.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace sisim {

namespace {

volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop(int sig) { g_stop_signal = sig; }

int cpu_count() {
    if (const char* c = std::getenv("SLURM_CPUS_PER_TASK")) {
        const int n = std::atoi(c);
        if (n > 0) return n;
    }
    // Inside a SLURM job without --cpus-per-task: the CPUs allocated on this node ("4" or
    // "4(x2)"), e.g. one per array task, not the whole node.
    if (const char* c = std::getenv("SLURM_JOB_CPUS_PER_NODE")) {
        const int n = std::atoi(c);
        if (n > 0) return n;
    }
    // The CPUs this process may run on (taskset, cgroup cpusets, SLURM's task affinity).
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    const unsigned n = std::thread::hardware_concurrency();
    return n ? static_cast<int>(n) : 1;
}

std::string fmt_time(double s) {
    char b[32];
    if (s < 120) std::snprintf(b, sizeof b, "%.0f s", s);
    else if (s < 7200) std::snprintf(b, sizeof b, "%.0f min", s / 60);
    else std::snprintf(b, sizeof b, "%.1f h", s / 3600);
    return b;
}

// Points done, time left and failures: a bar on a terminal, a line every 5 s in batch logs.
class SweepProgress {
public:
    SweepProgress(std::size_t total, bool quiet) : total_(total), quiet_(quiet), tty_(isatty(2) != 0) {}
    void update(std::size_t done, std::size_t failed, bool final = false) {
        if (quiet_) return;
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        const double left = done ? el / static_cast<double>(done) * static_cast<double>(total_ - done) : 0;
        if (tty_) {
            const int w = 30, k = total_ ? static_cast<int>(w * done / total_) : w;
            std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu points, %zu failed, %s elapsed, %s left   ", k,
                         "##############################", w - k, "", done, total_, failed,
                         fmt_time(el).c_str(), done ? fmt_time(left).c_str() : "?");
            if (final) std::fprintf(stderr, "\n");
        } else if (final || el - last_ >= 5.0) {
            std::fprintf(stderr, "sisim sweep: %zu/%zu points done, %zu failed, %s elapsed, %s left\n", done,
                         total_, failed, fmt_time(el).c_str(), done ? fmt_time(left).c_str() : "?");
            last_ = el;
        }
        std::fflush(stderr);
    }

private:
    std::size_t total_;
    bool quiet_, tty_;
    double last_ = 0;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

struct PoolState {
    std::atomic<std::size_t> next{0}, done{0}, failed{0};
};

// Runs `todo` on `workers` forked processes that take the next point from a shared counter.
// Returns 0, or 128 + signal when stopped by SIGINT/SIGTERM/SIGHUP (forwarded to the workers,
// whose points in flight are lost and rerun next time), or 1 when a worker died.
int run_pool(const SweepSpec& spec, const std::vector<std::size_t>& todo, const std::string& work,
             int workers, int threads, const std::string& cmdline, bool quiet, std::size_t& failed) {
    void* mem = ::mmap(nullptr, sizeof(PoolState), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) throw std::runtime_error("mmap failed");
    auto* st = new (mem) PoolState;
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
    std::fflush(nullptr);
    std::vector<pid_t> pids;
    for (int w = 0; w < workers; ++w) {
        const pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error("fork failed");
        if (pid == 0) {
            for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
            if (g_stop_signal) ::_exit(128 + g_stop_signal);
            for (;;) {
                const std::size_t k = st->next.fetch_add(1);
                if (k >= todo.size()) break;
                const bool ok = run_point(spec, todo[k], work, threads, cmdline);
                if (!ok) st->failed.fetch_add(1);
                st->done.fetch_add(1);
            }
            std::fflush(nullptr);
            ::_exit(0);
        }
        pids.push_back(pid);
    }
    SweepProgress prog(todo.size(), quiet);
    int status = 0, alive = workers;
    bool forwarded = false;
    while (alive > 0) {
        int ws = 0;
        const pid_t p = ::waitpid(-1, &ws, WNOHANG);
        if (p > 0) {
            --alive;
            if (!(WIFEXITED(ws) && WEXITSTATUS(ws) == 0) && !g_stop_signal) {
                std::fprintf(stderr, "\nsisim sweep: a worker (pid %d) died (%s %d); its point in flight "
                                     "is not recorded: rerun the same command to complete the sweep\n",
                             static_cast<int>(p), WIFSIGNALED(ws) ? "signal" : "exit status",
                             WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
                status = 1;
            }
            continue;
        }
        if (g_stop_signal && !forwarded) {
            for (pid_t c : pids) ::kill(c, g_stop_signal);
            forwarded = true;
        }
        prog.update(st->done.load(), st->failed.load());
        ::usleep(100000);
    }
    prog.update(st->done.load(), st->failed.load(), true);
    failed = st->failed.load();
    const std::size_t done = st->done.load();
    ::munmap(mem, sizeof(PoolState));
    if (g_stop_signal) {
        std::fprintf(stderr, "sisim sweep: stopped by signal %d after %zu of %zu points; rerun the same "
                             "command to resume\n",
                     static_cast<int>(g_stop_signal), done, todo.size());
        return 128 + g_stop_signal;
    }
    return status;
}

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string self_exe() {
    std::error_code ec;
    const auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("sisim") : p.string();
}

std::string run_capture(const std::string& cmd, int& status) {
    std::string out;
    FILE* f = ::popen(cmd.c_str(), "r");
    if (!f) {
        status = -1;
        return out;
    }
    char buf[512];
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    status = ::pclose(f);
    return out;
}

}  // namespace

int cmd_sweep(const std::vector<std::string>& args, const std::string& cmdline) {
    po::options_description opts("sisim sweep SWEEP.toml [options]");
    std::vector<std::string> sets, sbatch_opts;
    std::string out, shard, submit, csv;
    int workers = 0, array_size = 0;
    opts.add_options()("help,h", "this help")(
        "output,o", po::value<std::string>(&out), "merged HDF5 file (default: SWEEP stem + .h5)")(
        "set", po::value<std::vector<std::string>>(&sets)->composing(), "override a key of the base config (repeatable)")(
        "list", "print the points (index and values) without running them")(
        "dry-run", "validate every point's config and report all the bad ones (exit 2)")(
        "workers,j", po::value<int>(&workers), "points run in parallel (default: the CPUs this process may use; in SLURM jobs "
        "SLURM_CPUS_PER_TASK or the job's CPUs on the node)")(
        "shard", po::value<std::string>(&shard), "run shard I/N (0 <= I < N) only, or 'slurm' (array task); no merge")(
        "submit", po::value<std::string>(&submit), "'slurm': submit a job array and a merge job")(
        "array-size", po::value<int>(&array_size), "tasks of the SLURM array (default min(points, 16))")(
        "sbatch-option", po::value<std::vector<std::string>>(&sbatch_opts)->composing(),
        "extra #SBATCH line for both jobs, e.g. --sbatch-option=--partition=short (repeatable)")(
        "print-only", "with --submit: write the batch scripts and print how to submit them")(
        "mpi", "run under mpirun: rank 0 hands out points and merges")(
        "csv", po::value<std::string>(&csv), "also write /sweep/points as CSV")(
        "quiet,q", "no progress on stderr");
    std::string file;
    const auto vm = sisim::parse_command(args, opts, "sweep", file);
    if (vm.count("help")) {
        std::cout << opts << "\nThe sweep file format, seeds, SLURM, MPI and merging: docs/sweeps.md\n";
        return 0;
    }
    if (file.empty()) throw si::ConfigError("", "sisim sweep: missing SWEEP.toml (see sisim sweep --help)");
    const bool quiet = vm.count("quiet") > 0;
    const bool use_mpi = vm.count("mpi") > 0;
    int rank = 0;
    if (use_mpi) {
        if (!mpi_available()) throw si::ConfigError("--mpi", "this sisim was built without MPI (see docs/sweeps.md)");
        rank = mpi_init(nullptr, nullptr);
    }
    struct Finalize {
        bool on;
        ~Finalize() {
            if (on) mpi_finalize();
        }
    } finalize{use_mpi};

    const SweepSpec spec(file, sets);
    if (out.empty()) out = fs::path(file).stem().string() + ".h5";
    const std::size_t n = spec.size();

    if (vm.count("list")) {
        std::cout << "# " << n << " points of " << file << " (hash " << spec.hash() << "); index then values\n";
        for (std::size_t i = 0; i < n; ++i) std::cout << spec.describe(i) << " sim.seed=" << spec.seed(i) << "\n";
        return 0;
    }
    if (vm.count("dry-run")) {
        std::size_t bad = 0;
        for (std::size_t i = 0; i < n; ++i) {
            try {
                const auto tree = spec.tree(i);
                const auto lss = is_multi_hop(tree) ? multi_hop_spec_from(tree).hops
                                                    : std::vector<si::sim::LinkSpec>{link_spec_from(tree)};
                for (const auto& ls : lss) {
                    for (const auto& f : ls.channel.touchstone)
                        if (!fs::exists(f)) throw si::IoError(f, 0, "no such file (channel.touchstone)");
                    for (const auto& f : ls.channel.crosstalk)
                        if (!fs::exists(f)) throw si::IoError(f, 0, "no such file (channel.crosstalk)");
                    if (ls.signal.pattern.name == "file" && !fs::exists(ls.signal.pattern.file))
                        throw si::IoError(ls.signal.pattern.file, 0, "no such file (signal.pattern)");
                }
            } catch (const si::Error& e) {
                ++bad;
                std::cerr << "sisim: point " << spec.describe(i) << ": " << e.what() << "\n";
            }
        }
        if (bad) {
            std::cerr << "sisim: error: " << bad << " of " << n << " points are invalid\n";
            return 2;
        }
        std::cout << "sisim sweep: all " << n << " points of " << file << " are valid (hash " << spec.hash() << ")\n";
        return 0;
    }

    const std::string work = work_dir_for(out);
    if (!submit.empty()) {
        if (submit != "slurm") throw si::ConfigError("--submit", "only 'slurm' is supported (got '" + submit + "')");
        prepare_work_dir(spec, work);
        const int tasks = array_size > 0 ? array_size : static_cast<int>(std::min<std::size_t>(n, 16));
        const std::string sd = fs::absolute(work + "/slurm").string();
        fs::create_directories(sd);
        const std::string exe = self_exe();
        const std::string cwd = fs::current_path().string();
        std::string setargs;
        for (const auto& s : sets) setargs += " --set " + shell_quote(s);
        std::string extra;
        for (const auto& o : sbatch_opts) extra += "#SBATCH " + o + "\n";
        const std::string aout = fs::absolute(out).string();
        {
            std::ofstream a(sd + "/array.sbatch");
            a << "#!/bin/bash\n# sisim sweep: one array task per shard (written by sisim sweep --submit slurm)\n"
              << "#SBATCH --job-name=sisim-sweep\n#SBATCH --array=0-" << tasks - 1 << "\n"
              << "#SBATCH --chdir=" << cwd << "\n#SBATCH --output=" << sd << "/array-%A_%a.log\n" << extra
              << "exec " << shell_quote(exe) << " sweep " << shell_quote(fs::absolute(file).string())
              << " --shard slurm -o " << shell_quote(aout) << setargs << " -j \"${SLURM_CPUS_PER_TASK:-1}\"\n";
        }
        {
            std::ofstream m(sd + "/merge.sbatch");
            m << "#!/bin/bash\n# sisim sweep: merges the shards once the array succeeded\n"
              << "#SBATCH --job-name=sisim-merge\n#SBATCH --chdir=" << cwd << "\n#SBATCH --output=" << sd
              << "/merge-%j.log\n" << extra << "exec " << shell_quote(exe) << " merge " << shell_quote(fs::absolute(work).string())
              << " -o " << shell_quote(aout) << (csv.empty() ? "" : " --csv " + shell_quote(fs::absolute(csv).string()))
              << "\n";
        }
        if (vm.count("print-only")) {
            std::cout << "wrote " << sd << "/array.sbatch and " << sd << "/merge.sbatch\n"
                      << "submit with:\n  id=$(sbatch --parsable " << sd << "/array.sbatch)\n"
                      << "  sbatch --parsable --dependency=afterok:${id%%;*} " << sd << "/merge.sbatch\n";
            return 0;
        }
        int st = 0;
        std::string id = run_capture("sbatch --parsable " + shell_quote(sd + "/array.sbatch"), st);
        while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
        if (st != 0 || id.empty()) throw si::ConfigError("--submit", "sbatch of the array failed (" + id + ")");
        const std::string jid = id.substr(0, id.find(';'));
        std::string mid = run_capture("sbatch --parsable --dependency=afterok:" + jid + " " +
                                          shell_quote(sd + "/merge.sbatch"), st);
        while (!mid.empty() && (mid.back() == '\n' || mid.back() == '\r')) mid.pop_back();
        if (st != 0 || mid.empty()) throw si::ConfigError("--submit", "sbatch of the merge job failed (" + mid + ")");
        std::cout << "array job " << jid << " (" << tasks << " tasks, " << n << " points)\nmerge job "
                  << mid.substr(0, mid.find(';')) << " -> " << aout << "\n";
        return 0;
    }

    // Which points this process runs.
    std::size_t shard_i = 0, shard_n = 1;
    if (!shard.empty()) {
        if (use_mpi) throw si::ConfigError("--shard", "cannot be combined with --mpi");
        if (shard == "slurm") {
            const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
            const char* cnt = std::getenv("SLURM_ARRAY_TASK_COUNT");
            const char* mn = std::getenv("SLURM_ARRAY_TASK_MIN");
            if (!id || !cnt)
                throw si::ConfigError("--shard", "slurm: SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT are not set "
                                                 "(not inside a SLURM job array)");
            shard_i = std::strtoull(id, nullptr, 10) - (mn ? std::strtoull(mn, nullptr, 10) : 0);
            shard_n = std::strtoull(cnt, nullptr, 10);
        } else {
            const auto slash = shard.find('/');
            char* e1 = nullptr;
            char* e2 = nullptr;
            if (slash != std::string::npos) {
                shard_i = std::strtoull(shard.c_str(), &e1, 10);
                shard_n = std::strtoull(shard.c_str() + slash + 1, &e2, 10);
            }
            if (slash == std::string::npos || e1 != shard.c_str() + slash || *e2 != '\0')
                throw si::ConfigError("--shard", "expected I/N or slurm (got '" + shard + "')");
        }
        if (shard_n < 1 || shard_i >= shard_n)
            throw si::ConfigError("--shard", "needs 0 <= I < N (got " + std::to_string(shard_i) + "/" +
                                                 std::to_string(shard_n) + ")");
    }
    if (rank == 0) prepare_work_dir(spec, work);
    if (use_mpi) {
        // Every rank must see the work directory before it starts.
        // (prepare_work_dir on rank 0 only; the others wait in run_mpi's first exchange.)
    }
    const auto done = done_points(work, n);
    std::vector<std::size_t> todo;
    std::size_t skipped = 0;
    for (std::size_t i = shard_i; i < n; i += shard_n) {
        if (done[i]) ++skipped;
        else todo.push_back(i);
    }
    if (!quiet && rank == 0 && skipped)
        std::fprintf(stderr, "sisim sweep: %zu point(s) already done in %s, %zu to run\n", skipped, work.c_str(),
                     todo.size());

    const int cores = cpu_count();
    std::size_t failed = 0;
    if (use_mpi) {
        const auto r = run_mpi(spec, todo, work, 1, cmdline, quiet);
        if (!r.root) return 0;
        failed = r.failed;
    } else {
        if (workers <= 0) workers = cores;
        workers = static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(workers, todo.size())));
        const int threads = std::max(1, cores / workers);
        if (!todo.empty()) {
            const int st = run_pool(spec, todo, work, workers, threads, cmdline, quiet, failed);
            if (st != 0) return st;
        }
    }
    if (!shard.empty()) {
        if (!quiet)
            std::fprintf(stderr, "sisim sweep: shard %zu/%zu done (%zu points run, %zu failed); merge with: "
                                 "sisim merge %s -o %s\n",
                         shard_i, shard_n, todo.size(), failed, work.c_str(), out.c_str());
        return 0;  // failed points are recorded; the merge reports them (and afterok still runs it)
    }
    MergeOptions mo;
    mo.out = out;
    mo.csv = csv;
    mo.command_line = cmdline;
    const auto s = merge_sweep({work}, mo);
    if (!quiet)
        std::fprintf(stderr, "sisim sweep: %zu points, %zu failed; wrote %s\n", s.points, s.failed, out.c_str());
    return s.failed ? kExitPointsFailed : 0;
}

int cmd_merge(const std::vector<std::string>& args, const std::string& cmdline) {
    po::options_description opts("sisim merge DIR|FILES -o OUT.h5 [options]");
    std::string out, csv;
    opts.add_options()("help,h", "this help")("output,o", po::value<std::string>(&out), "merged HDF5 file")(
        "csv", po::value<std::string>(&csv), "also write /sweep/points as CSV")(
        "allow-partial", "write the points present even if some are missing (exit 0)")("quiet,q", "print nothing but errors");
    std::vector<std::string> inputs;
    const auto vm = sisim::parse_command(args, opts, "inputs", inputs);
    if (vm.count("help")) {
        std::cout << opts << "\nInputs: sweep work directories (OUT.h5.parts) or point records (.rec).\n";
        return 0;
    }
    if (out.empty()) throw si::ConfigError("-o", "sisim merge: the output file is required (-o OUT.h5)");
    MergeOptions mo;
    mo.out = out;
    mo.csv = csv;
    mo.allow_partial = vm.count("allow-partial") > 0;
    mo.command_line = cmdline;
    const auto s = merge_sweep(inputs, mo);
    if (!vm.count("quiet"))
        std::printf("sisim merge: %zu of %zu points (%zu failed); wrote %s\n", s.present, s.points, s.failed,
                    out.c_str());
    return s.failed ? kExitPointsFailed : 0;
}

}  // namespace sisim
