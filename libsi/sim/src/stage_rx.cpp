#include "stage_rx.hpp"

#include <algorithm>

namespace si::sim::detail {

SymbolChain::SymbolChain(const Link& link, std::uint64_t first_ui)
    : d_(link.receiver()), n_(link.levels()), delay_(link.receiver().delay_ui),
      gain_(link.receiver().gain) {
    if (d_.adc.bits > 0) adc_.emplace(d_.adc);
    ascending_ = std::is_sorted(d_.detector_thresholds.begin(), d_.detector_thresholds.end());
    first_ = first_ui;
    if (d_.ffe.taps > 0) {
        // "lms" starts from the given coefficients, else from the MMSE solution of the pulse
        // response (a cold start at w_P = 1/h0 leaves a lossy channel's eye closed, and
        // decision-directed LMS cannot converge from there), and adapts during training
        const std::vector<double> init =
            d_.ffe.mode == "lms" && !d_.ffe.coefficients.empty() ? d_.ffe.coefficients : d_.ffe_taps;
        ffe_.emplace(d_.ffe, init, d_.h[static_cast<std::size_t>(d_.h_cursor)]);
        pre_ = d_.ffe.pre;
    }
    if (d_.detector == "dfe") dfe_.emplace(d_.dfe, d_.dfe_taps);
    // An adapting FFE ahead of a DFE learns from the DFE's decisions and error (the DFE removes
    // the post-cursors it spans, so the FFE must not): one sample at a time.
    joint_lms_ = ffe_ && dfe_ && d_.ffe.mode == "lms";
    adapting_ = joint_lms_;
    if (d_.detector == "mlse") {
        mlse_.emplace(d_.mlse, d_.mlse_target, d_.detector_main);
        mlse_q_.assign(static_cast<std::size_t>(d_.mlse.traceback), 0);
        mlse_in_q_.assign(static_cast<std::size_t>(d_.mlse.traceback), 0.0);
        tent_prev_.assign(d_.mlse_target.size() > 1 ? d_.mlse_target.size() - 1 : 0, 0.0);
    }
}

std::uint8_t SymbolChain::slice(double v) const noexcept {
    const auto& thr = d_.detector_thresholds;
    int d = 0;
    if (ascending_) {  // the count of thresholds at or below v: the same level, without branches
        for (int k = 0; k < n_ - 1; ++k) d += static_cast<int>(v >= thr[static_cast<std::size_t>(k)]);
        return static_cast<std::uint8_t>(d);
    }
    while (d < n_ - 1 && v >= thr[static_cast<std::size_t>(d)]) ++d;
    return static_cast<std::uint8_t>(d);
}

void SymbolChain::process(std::span<const double> in, std::span<std::uint8_t> decisions,
                          std::span<double> detector_in, std::span<std::uint8_t> tentative) noexcept {
    const std::size_t n = in.size();
    a_.resize(n);
    b_.resize(n);
    for (std::size_t i = 0; i < n; ++i) a_[i] = gain_ * in[i];
    if (adc_) {
        adc_->process(a_, b_, first_ + count_);
        a_.swap(b_);
    }
    count_ += n;
    if (joint_lms_) {
        const double h0 = d_.detector_main;
        for (std::size_t i = 0; i < n; ++i) {
            const double y = ffe_->step(a_[i]);
            dfe_->process(std::span(&y, 1), decisions.subspan(i, 1), detector_in.subspan(i, 1));
            tentative[i] = decisions[i];
            if (adapting_) ffe_->update(detector_in[i] - h0 * rx::pam_level(decisions[i], n_));
        }
        return;
    }
    if (ffe_) {
        ffe_->process(a_, b_);
        a_.swap(b_);
    }
    if (dfe_) {
        dfe_->process(a_, decisions, detector_in);
        std::copy_n(decisions.begin(), n, tentative.begin());
        return;
    }
    if (mlse_) {
        m_.resize(n);
        const std::size_t k = mlse_->process(a_, m_);
        for (std::size_t i = 0; i < k; ++i) mlse_q_.push_back(m_[i]);
        // Tentative decisions for the CDR: the FFE output is shaped to the partial-response
        // target h0 (1 + g1 D + g2 D^2), so it is sliced after removing the target's trailing
        // terms with the previous tentative decisions (a DFE on the target); slicing it
        // directly would be wrong for every g1 far from 0.
        const auto& g = d_.mlse_target;
        const double h0 = d_.detector_main;
        for (std::size_t i = 0; i < n; ++i) {
            mlse_in_q_.push_back(a_[i]);
            double v = a_[i];
            for (std::size_t j = 1; j < g.size(); ++j) v -= h0 * g[j] * tent_prev_[j - 1];
            tentative[i] = slice(v);
            for (std::size_t j = tent_prev_.size(); j-- > 1;) tent_prev_[j] = tent_prev_[j - 1];
            if (!tent_prev_.empty()) tent_prev_[0] = rx::pam_level(tentative[i], n_);
        }
        for (std::size_t i = 0; i < n; ++i) {
            decisions[i] = mlse_q_.front();
            mlse_q_.pop_front();
            detector_in[i] = mlse_in_q_.front();
            mlse_in_q_.pop_front();
        }
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        decisions[i] = tentative[i] = slice(a_[i]);
        detector_in[i] = a_[i];
    }
}

void SymbolChain::adapt(bool on) noexcept {
    adapting_ = on && joint_lms_;
    if (ffe_) ffe_->adapt(on);
    if (dfe_) dfe_->adapt(on);
}

void SymbolChain::reset() noexcept {
    if (adc_) adc_->reset();
    if (ffe_) ffe_->reset();
    if (dfe_) dfe_->reset();
    if (mlse_) mlse_->reset();
    std::fill(tent_prev_.begin(), tent_prev_.end(), 0.0);
}

std::vector<double> SymbolChain::ffe_taps() const { return ffe_ ? ffe_->taps() : std::vector<double>{}; }
std::vector<double> SymbolChain::dfe_taps() const { return dfe_ ? dfe_->taps().b : std::vector<double>{}; }

}  // namespace si::sim::detail
