#pragma once
/// \file network.hpp
/// Single-ended multiport -> differential 2-port (mixed-mode S-parameters), through-path
/// detection, and cascading of differential 2-ports.
#include <Eigen/Core>
#include <string>
#include <vector>

#include "si/channel/touchstone.hpp"

namespace si::channel {

/// Which single-ended ports (1-based) form the differential input and output pairs.
/// The differential signal is v_p - v_n; "in" is port 1 of the differential 2-port.
struct DiffPairing {
    int in_p = 1;   ///< positive leg of the input pair
    int in_n = 3;   ///< negative leg of the input pair
    int out_p = 2;  ///< positive leg of the output pair (the through partner of in_p)
    int out_n = 4;  ///< negative leg of the output pair (the through partner of in_n)
    /// "in+ 1, in- 3, out+ 2, out- 4" style text (also what parse_pairing reads back in the
    /// short form "1,3,2,4").
    [[nodiscard]] std::string text() const;
    /// Short form "1,3,2,4".
    [[nodiscard]] std::string spec() const;
};

/// Parses "in+,in-,out+,out-", e.g. "1,3,2,4" = in+ 1, in- 3, out+ 2, out- 4 (the layout of
/// IEEE 802.3 contributions whose through paths are 1->2 and 3->4; a file with through paths
/// 1->3 and 2->4 is "1,2,3,4"). Separators: commas and/or blanks. Four distinct integers in
/// 1..ports are required. Throws si::ConfigError (key "channel.ports") otherwise.
[[nodiscard]] DiffPairing parse_pairing(const std::string& spec, int ports);

/// Finds the pairing of a 4-port single-ended file from its through paths: at the lowest
/// frequencies (up to 5 points with f > 0, or the DC point alone if that is all there is) it
/// scores the three ways of splitting 4 ports into two through paths by the mean of
/// |S_ab| and |S_cd|, requiring the best split to score >= 0.3 and >= 3x the next best. The
/// lower-numbered port of each path is an input; the input with the lower number is in+, its
/// partner out+. `report` says what was found (scores of all candidates). Throws
/// si::ModelError when the file is not 4-port or the choice is ambiguous (crosstalk files,
/// for instance, have no through path). Never renumbers silently: callers use the result
/// only when the user asked for detection.
[[nodiscard]] DiffPairing detect_pairing(const Touchstone& ts, std::string& report);

/// A differential 2-port on a frequency grid.
struct DiffNetwork {
    std::vector<double> f_hz;  ///< frequencies [Hz], strictly increasing
    /// Per frequency [[Sdd11, Sdd12], [Sdd21, Sdd22]], referenced to 100 ohm differential
    /// (50 ohm single-ended); for a 2-port source file, to the file's own reference.
    std::vector<Eigen::Matrix2cd> sdd;
    std::string source;  ///< provenance text: file, pairing, renormalisation, cascade
};

/// Mixed-mode conversion: Sdd = M S' M^T with S' the single-ended S re-ordered to
/// (in+, in-, out+, out-) and M = (1/sqrt 2) [[1, -1, 0, 0], [0, 0, 1, -1]], so e.g.
/// Sdd21 = (S[o+,i+] - S[o+,i-] - S[o-,i+] + S[o-,i-]) / 2 (Bockelman & Eisenstadt 1995).
/// Files with more than 4 ports: the other ports are taken as terminated in their reference
/// impedance (which is what the sub-matrix of S means). References other than 50 ohm are first
/// renormalised to 50 ohm (noted in `source`); complex references throw si::ModelError.
/// A 2-port file is taken as it is: already a differential (or single-ended) through, port
/// 1 -> port 2; the pairing is then ignored. 1-port or 3-port files throw si::ModelError.
[[nodiscard]] DiffNetwork to_differential(const Touchstone& ts, const DiffPairing& pairing);

/// Cascades 2-ports in order (output of k into input of k+1) with the S-domain formula
/// S21 = A21 B21 / (1 - A22 B11), S11 = A11 + A12 A21 B11 / (1 - A22 B11), etc. (equivalent to
/// multiplying T-parameters, but valid when S21 = 0). The common grid is the first network's
/// grid restricted to the range all networks cover; the others are interpolated onto it
/// (magnitude and unwrapped phase, linearly in f). Throws si::ModelError if the list is empty
/// or the frequency ranges do not overlap in at least 2 points of the first grid.
[[nodiscard]] DiffNetwork cascade(const std::vector<DiffNetwork>& parts);

/// Interpolates a complex series given on increasing f (>= 2 points) at f_hz within its range:
/// magnitude and unwrapped phase, each linearly in f.
[[nodiscard]] std::complex<double> interp_mag_phase(const std::vector<double>& f,
                                                    const std::vector<double>& mag,
                                                    const std::vector<double>& phase_unwrapped,
                                                    double f_hz);

/// Unwrapped phase [rad] of a complex series (steps reduced to (-pi, pi]).
[[nodiscard]] std::vector<double> unwrap_phase(const std::vector<std::complex<double>>& h);

}  // namespace si::channel
