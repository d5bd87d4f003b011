#pragma once
// Progress on stderr: a bar on a terminal, a line every few seconds otherwise; nothing for runs
// shorter than a second or with --quiet.
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace sisim {

class ProgressReporter {
public:
    explicit ProgressReporter(bool quiet) : quiet_(quiet), tty_(isatty(2) != 0) {}
    void operator()(double frac) {
        if (quiet_) return;
        const auto now = std::chrono::steady_clock::now();
        const double el = std::chrono::duration<double>(now - start_).count();
        if (el < 1.0) return;
        if (tty_) {
            const int w = 40, k = static_cast<int>(frac * w);
            std::fprintf(stderr, "\r[%.*s%*s] %5.1f %%  %6.1f s", k,
                         "########################################", w - k, "", 100 * frac, el);
            if (frac >= 1.0) std::fprintf(stderr, "\n");
            shown_ = true;
        } else if (el - last_ >= 5.0 || (frac >= 1.0 && shown_)) {
            std::fprintf(stderr, "sisim: %5.1f %% after %.1f s\n", 100 * frac, el);
            last_ = el;
            shown_ = true;
        }
        std::fflush(stderr);
    }
    ~ProgressReporter() {
        if (tty_ && shown_) std::fprintf(stderr, "\n");
    }

private:
    bool quiet_, tty_, shown_ = false;
    double last_ = 0;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace sisim
