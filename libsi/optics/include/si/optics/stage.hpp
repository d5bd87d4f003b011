#pragma once
/// \file stage.hpp
/// The optical and analog elements as streaming stages of a hop: one small virtual interface
/// (what the engine holds in a chain) and an adapter that wraps any element kernel of this
/// module (LinearDriver, Laser, Eml, Mzm, Fibre, Photodiode, Tia, OverlapSaveFilter).
///
/// Contract of every stage (tested in tests/optics/stage_test.cpp):
/// - process(in, out): one block, out.size() == in.size(); the element's filter state, FIR
///   history and noise index persist across calls, so any block split of the input gives
///   bit-identical output;
/// - noise is a pure function of (seed, stream, absolute sample index) (si/core/rng.hpp streams
///   10..14: driver, laser RIN, photodiode shot and thermal, TIA), so results do not depend on
///   threads or segment splits; reset(first_sample) starts a segment at an absolute sample
///   index (recursive filters then need a warm-up, like any IIR: the engine starts a segment
///   early and discards the warm-up, docs/engine.md);
/// - delay_samples(): the output lags the input by this many samples (Fibre's symmetric FIR,
///   OverlapSaveFilter's bulk delay + hop; 0 for the others);
/// - linear(): true when the stage is linear and noiseless, so that the engine may fuse its
///   response(f) with neighbouring linear stages (the driver and TIA without compression and
///   noise, the fibre, a filter); false for modulators (static curves), the laser (RIN) and the
///   photodiode (signal-dependent shot noise);
/// - units: the driver V -> V, modulators V -> W, laser transmission -> W, fibre W -> W,
///   photodiode W -> A, TIA A -> V.
#include <complex>
#include <concepts>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "si/optics/driver.hpp"
#include "si/optics/eml.hpp"
#include "si/optics/fibre.hpp"
#include "si/optics/laser.hpp"
#include "si/optics/linear_filter.hpp"
#include "si/optics/mzm.hpp"
#include "si/optics/photodiode.hpp"
#include "si/optics/tia.hpp"

namespace si::optics {

class OpticalStage {
public:
    virtual ~OpticalStage() = default;
    /// Instance name (e.g. "lpo.tx.driver"), used in messages and probe names.
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
    /// One block; see the file comment. in and out must not alias.
    virtual void process(std::span<const double> in, std::span<double> out) noexcept = 0;
    /// Clears the state; the next input is absolute sample `first_sample` (noise index).
    virtual void reset(std::uint64_t first_sample = 0) noexcept = 0;
    [[nodiscard]] virtual std::size_t delay_samples() const noexcept = 0;
    [[nodiscard]] virtual bool linear() const noexcept = 0;
    /// Small-signal response at f_hz in the stage's output unit per input unit (driver V/V, laser
    /// W per unit transmission, fibre W/W, photodiode A/W, TIA ohm, filter 1). EML and MZM give
    /// their electrical bandwidth shape only (1 at DC): their slope depends on the operating
    /// point of the static curve (Eml::transmission, Mzm::transmission).
    [[nodiscard]] virtual std::complex<double> response(double f_hz) const noexcept = 0;
};

/// Wraps an element kernel K as an OpticalStage. K needs process(span, span) and reset();
/// reset(uint64_t), delay_samples(), linear() and response(f) are used when K has them.
template <class K>
class ElementStage final : public OpticalStage {
public:
    /// dt_s is needed only for OverlapSaveFilter::response (sample spacing).
    template <class... Args>
    explicit ElementStage(std::string name, double dt_s, Args&&... args)
        : name_(std::move(name)), dt_s_(dt_s), k_(std::forward<Args>(args)...) {}
    [[nodiscard]] std::string_view name() const noexcept override { return name_; }
    void process(std::span<const double> in, std::span<double> out) noexcept override { k_.process(in, out); }
    void reset(std::uint64_t first_sample = 0) noexcept override {
        if constexpr (requires(K& k) { k.reset(first_sample); })
            k_.reset(first_sample);
        else
            k_.reset();  // no noise: only the state is cleared
    }
    [[nodiscard]] std::size_t delay_samples() const noexcept override {
        if constexpr (requires(const K& k) { k.delay_samples(); })
            return k_.delay_samples();
        else
            return 0;
    }
    [[nodiscard]] bool linear() const noexcept override {
        if constexpr (std::same_as<K, Fibre> || std::same_as<K, OverlapSaveFilter>)
            return true;
        else if constexpr (requires(const K& k) { k.linear(); })
            return k_.linear();
        else
            return false;
    }
    [[nodiscard]] std::complex<double> response(double f_hz) const noexcept override {
        if constexpr (std::same_as<K, OverlapSaveFilter>)
            return k_.response(f_hz, dt_s_);
        else if constexpr (std::same_as<K, Laser>)
            return k_.config().power_w;  // W per unit transmission
        else
            return k_.response(f_hz);
    }
    [[nodiscard]] K& kernel() noexcept { return k_; }
    [[nodiscard]] const K& kernel() const noexcept { return k_; }

private:
    std::string name_;
    double dt_s_;
    K k_;
};

/// Convenience: make_stage<Tia>("rx.tia", dt, tia_config, dt) etc. The arguments after dt_s are
/// the kernel's constructor arguments.
template <class K, class... Args>
[[nodiscard]] std::unique_ptr<OpticalStage> make_stage(std::string name, double dt_s, Args&&... args) {
    return std::make_unique<ElementStage<K>>(std::move(name), dt_s, std::forward<Args>(args)...);
}

}  // namespace si::optics
