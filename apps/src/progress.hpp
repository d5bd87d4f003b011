#pragma once
// Progress on stderr: a bar on a terminal, a line every few seconds otherwise, each with the time
// left at the rate so far; nothing for runs shorter than a second or with --quiet.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

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
            std::fprintf(stderr, "\r[%.*s%*s] %6.2f %%  %6.1f s%s", k,
                         "########################################", w - k, "", 100 * frac, el,
                         eta(frac, el).c_str());
            if (frac >= 1.0) std::fprintf(stderr, "\n");
            shown_ = true;
        } else if (el - last_ >= 5.0 || (frac >= 1.0 && shown_)) {
            std::fprintf(stderr, "sisim: %6.2f %% after %.1f s%s\n", 100 * frac, el,
                         eta(frac, el).c_str());
            last_ = el;
            shown_ = true;
        }
        std::fflush(stderr);
    }
    ~ProgressReporter() {
        if (tty_ && shown_) std::fprintf(stderr, "\n");
    }

private:
    // ", about 2.5 h left": the remaining time at the average rate so far, so that a long run
    // says early how long it will take.
    static std::string eta(double frac, double el) {
        if (!(frac > 0) || frac >= 1.0) return "";
        const double left = el * (1.0 - frac) / frac;
        char buf[48];
        if (left < 120)
            std::snprintf(buf, sizeof buf, ", about %.0f s left   ", left);
        else if (left < 7200)
            std::snprintf(buf, sizeof buf, ", about %.0f min left   ", left / 60);
        else
            std::snprintf(buf, sizeof buf, ", about %.1f h left   ", left / 3600);
        return buf;
    }
    bool quiet_, tty_, shown_ = false;
    double last_ = 0;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace sisim
