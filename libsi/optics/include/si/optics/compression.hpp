#pragma once
/// \file compression.hpp
/// Memoryless smooth output compression of the linear driver and the TIA. Two stated models:
///
/// - "tanh":  y = L tanh(x / L). L (the output limit [V]) is given directly (`limit_v`), or found
///   so that a sine of peak amplitude A = `amplitude_v` has total harmonic distortion `thd`, or
///   so that the fundamental of a sine of amplitude `p1db_v` is compressed by 1 dB.
/// - "cubic": y = x - a3 x^3 for |x| <= xm = 1/sqrt(3 a3), held at +-(2/3) xm beyond (the
///   cubic's turning point, so y is C1-continuous). For a sine of amplitude A below xm the
///   outputs are (Jacobi expansion of sin^3)
///       fundamental  A - (3/4) a3 A^3,   third harmonic  (1/4) a3 A^3,
///   so THD = (a3 A^2/4) / (1 - 3 a3 A^2/4), i.e. a3 = 4 THD / (A^2 (1 + 3 THD)); and the 1 dB
///   point A1 gives a3 = (4/3)(1 - 10^(-1/20)) / A1^2. THD must be below 1/9 (the largest THD
///   the cubic reaches before its turning point).
///
/// THD is sqrt(sum_{k>=2} H_k^2) / H_1 over the harmonics H_k of the output (only odd ones are
/// non-zero for these odd curves). x and y are in the unit of the stage output (V); A is the
/// *linear* (uncompressed) output amplitude, i.e. gain times input amplitude. Datasheets quote
/// THD at an output swing, e.g. "THD < 3.5 % at 3 Vppd" (docs/architectures.md, optics-dsp.md 3.4).
#include <cmath>
#include <cstddef>
#include <string>

namespace si::optics {

struct CompressionConfig {
    std::string model = "none";  ///< "none", "tanh" or "cubic"
    double thd = 0.0;            ///< THD (fraction, 0.035 = 3.5 %) of a sine of amplitude_v
    double amplitude_v = 0.0;    ///< linear peak amplitude at which thd is specified [V]
    double p1db_v = 0.0;         ///< linear peak amplitude of 1 dB compression [V] (alternative)
    double limit_v = 0.0;        ///< tanh only: output limit L [V] given directly (alternative)
};

/// Throws ConfigError naming `prefix + ".compression.<field>"`: unknown model; none or more than
/// one of {thd with amplitude_v, p1db_v, limit_v} given; thd outside (0, 0.48) for tanh (a square
/// wave's THD is 0.483) or (0, 1/9) for cubic; limit_v with cubic.
void validate(const CompressionConfig& c, const std::string& prefix);

/// The compression curve, set up from a validated config.
class Compressor {
public:
    Compressor() = default;  ///< model "none": y = x
    Compressor(const CompressionConfig& c, const std::string& prefix);
    [[nodiscard]] double operator()(double x) const noexcept {
        switch (kind_) {
            case Kind::none: return x;
            case Kind::tanh: return limit_ * std::tanh(x * inv_limit_);
            case Kind::cubic:
                if (x > xm_) return ym_;
                if (x < -xm_) return -ym_;
                return x - a3_ * x * x * x;
        }
        return x;
    }
    /// y[i] = (*this)(pre * y[i]) over a block, in place (pre: the stage's gain before the
    /// compressor, in the same pass); tanh by tanh_block (block_math.hpp, within ~1e-15 of
    /// std::tanh, vectorised).
    void process(double* y, std::size_t n, double pre = 1.0) const noexcept;
    [[nodiscard]] bool linear() const noexcept { return kind_ == Kind::none; }
    /// tanh: L; cubic: the held output (2/3) xm; none: infinity.
    [[nodiscard]] double output_limit_v() const noexcept;
    [[nodiscard]] double a3() const noexcept { return a3_; }

    /// THD of the output for a sine of peak amplitude a (numerical, 2048-point DFT of one period,
    /// harmonics 2..99): used to set the model up from the specification.
    [[nodiscard]] double thd_of_sine(double a) const;
    /// Fundamental of the output divided by a, for a sine of peak amplitude a.
    [[nodiscard]] double fundamental_gain(double a) const;

private:
    enum class Kind { none, tanh, cubic };
    Kind kind_ = Kind::none;
    double limit_ = 0, inv_limit_ = 0;
    double a3_ = 0, xm_ = 0, ym_ = 0;
};

}  // namespace si::optics
