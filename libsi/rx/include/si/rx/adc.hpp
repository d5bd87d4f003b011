#pragma once
/// \file adc.hpp
/// Analog-to-digital converter at the symbol rate: extra (ENOB) noise, clipping, mid-rise
/// uniform quantization.
///
/// Model, for an input sample x [V] with symbol (sample) index n:
///   u = x + sigma_extra * N_n            (N_n: ziggurat_gaussian(seed, Stream::adc_noise, n))
///   k = clamp(floor((u + FS/2) / LSB), 0, 2^bits - 1),   LSB = FS / 2^bits
///   y = -FS/2 + (k + 1/2) LSB            (mid-rise: no level at 0, levels at +-LSB/2, ...)
/// A sample is *clipped* when u < -FS/2 or u >= FS/2 (it lands on an end code with an error
/// larger than LSB/2); clipped() counts them.
///
/// ENOB: an ideal N-bit quantizer gives, for a full-scale sine, SINAD = 6.02 N + 1.76 dB from its
/// noise LSB^2/12. ENOB < bits is modelled as extra white Gaussian noise at the input making the
/// total noise LSB^2/12 * 2^(2(bits - enob)), i.e.
///   sigma_extra^2 = LSB^2/12 * (2^(2 (bits - enob)) - 1),
/// so that the full-scale-sine SINAD equals 6.02 enob + 1.76 dB (IEEE Std 1241 definition of
/// ENOB). Distortion (INL/DNL) is not modelled separately; it is folded into this noise.
///
/// Random numbers are counter-based on the absolute sample index, so the output does not depend
/// on how the stream is split into blocks (or threads), only on (seed, index).
///
/// COM (802.3 Annex 178A, SiCoPR adjust_Rx_noise_for_quantization) instead sets the clip level from
/// a clip probability and treats quantization as LSB/sqrt(12) noise; here quantization is exact.
#include <cstdint>
#include <span>

namespace si::rx {

struct AdcConfig {
    int bits = 0;               ///< resolution; 0 = no ADC (identity)
    double full_scale_v = 1.0;  ///< input range peak-to-peak [V]: codes cover [-FS/2, FS/2)
    double enob = 0.0;          ///< effective number of bits; 0 = ideal (enob = bits)
    std::uint64_t seed = 1;     ///< seed of the ENOB noise (stream Stream::adc_noise)
};

/// Throws si::ConfigError naming rx.adc.<field>: bits in 0..16, full_scale > 0,
/// enob 0 or in [1, bits].
void validate(const AdcConfig& c);

class Adc {
public:
    explicit Adc(const AdcConfig& cfg);

    /// Converts in[i] (sample index index() + i) into out[i]; the index then advances by
    /// in.size(). out.size() >= in.size(); in and out may alias.
    void process(std::span<const double> in, std::span<double> out) noexcept;
    /// Same, with an explicit absolute index of in[0] (the internal index is set past the end).
    void process(std::span<const double> in, std::span<double> out,
                 std::uint64_t first_index) noexcept;
    /// Clears the clip count and sets the sample index to 0.
    void reset() noexcept;

    [[nodiscard]] double lsb_v() const noexcept { return lsb_; }
    /// Std of the extra ENOB noise [V] (0 when enob = 0 or enob = bits).
    [[nodiscard]] double noise_sigma_v() const noexcept { return sigma_; }
    /// Samples clipped since construction or reset().
    [[nodiscard]] std::uint64_t clipped() const noexcept { return clipped_; }
    /// Absolute index of the next sample.
    [[nodiscard]] std::uint64_t index() const noexcept { return index_; }
    [[nodiscard]] const AdcConfig& config() const noexcept { return cfg_; }

private:
    AdcConfig cfg_;
    double lsb_ = 0, sigma_ = 0, half_ = 0, kmax_ = 0;
    std::uint64_t clipped_ = 0, index_ = 0;
};

}  // namespace si::rx
